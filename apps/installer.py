"""How the apps stack installs a declared app: the context it passes, what the install returns, and where an app's
install code and per-cloud parts live (`apps/<app>/install.py`, `apps/<app>/<cloud>.py`)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol

from cdktf import ITerraformDependable, TerraformStack
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1

from apps.declaration import AppDeclaration, Capability, ScrapeTarget
from catalogue.node_sizes import Cloud
from spec.environment import Environment


@dataclass(frozen=True)
class AppOutput:
    name: str
    value: object
    sensitive: bool = False
    description: str | None = None


def next_step(app: str, namespace: str, command: str) -> list[AppOutput]:
    """The two outputs every app that has a follow-up command prints."""
    return [AppOutput(f"{app}_namespace", namespace), AppOutput(f"{app}_next_command", command)]


@dataclass(frozen=True)
class InstallContext:
    environment: Environment
    # What this app's first releases wait for: its own namespaces, and what the stack derived from its needs and waits.
    after: tuple[ITerraformDependable, ...]
    # Every capability provided so far (by the stack and by the apps installed before this one).
    provided: Mapping[Capability, tuple[ITerraformDependable, ...]]
    # Where the other enabled apps install their releases.
    other_namespaces: frozenset[str]
    # Every namespace the stack created for the enabled apps, by name (all but the cluster's own, kube-system).
    namespaces: Mapping[str, NamespaceV1]
    # Every enabled app's declared metrics endpoints (the monitoring stack turns them into ServiceMonitors).
    scrape_targets: tuple[ScrapeTarget, ...] = ()


@dataclass(frozen=True)
class Installed:
    """What an app's install returns: the objects behind each capability it declared, and its outputs."""

    provides: Mapping[Capability, Sequence[ITerraformDependable]] = field(default_factory=dict)
    outputs: Sequence[AppOutput] = ()


class AppInstall(Protocol):
    def __call__(self, stack: TerraformStack, context: InstallContext) -> Installed:
        """Creates the app's constructs at the stack root (their ids are part of every resource address)."""
        ...


def install_of(app: AppDeclaration) -> AppInstall:
    install: AppInstall = importlib.import_module(f"{app.package}.install").install
    return install


def cloud_part(app: AppDeclaration, cloud: Cloud) -> ModuleType | None:
    """The app's code for one cloud, imported only when an environment on that cloud uses it (provider packages
    are slow to import)."""
    return importlib.import_module(f"{app.package}.{cloud.value}") if cloud in app.cloud_parts else None
