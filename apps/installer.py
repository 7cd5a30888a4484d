"""One app of the apps stack, as a declaration: what it installs, what must exist before it, what it gives others.

The apps stack never wires an order by hand. Each app names the capabilities it provides (CRDs, an address,
secrets in a namespace, node capacity) and the ones it needs; the stack installs the enabled apps in an order
that satisfies every need and passes each app the Terraform objects to wait for (`InstallContext.after`).
Argo CD's sync waves and eks-blueprints-addons' one module per add-on are the models: order is data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cdktf import ITerraformDependable, TerraformStack

from spec.environment import Environment

if TYPE_CHECKING:  # the compositions import app modules; only the type is needed here
    from constructs.composition import CloudComposition


@dataclass(frozen=True)
class Capability:
    """Something an app (or the stack itself) makes exist in the cluster, that another app may need first."""

    what: str
    scope: str = ""  # e.g. the namespace, for capabilities that exist per namespace

    def __str__(self) -> str:
        return f"{self.what} ({self.scope})" if self.scope else self.what


# Provided by the stack itself, before any app.
DEFAULT_STORAGE = Capability("the cluster's default StorageClass")  # EKS: created by this stack
PLATFORM_NAMESPACES = Capability("the platform namespaces (namespaces:)")
# Provided by apps.
GPU_SCHEDULING = Capability("GPUs schedulable on GPU nodes (device plugin, nvidia RuntimeClass)")
PROMETHEUS = Capability("the ServiceMonitor CRDs and the Prometheus that scrapes every monitor")
SCALED_OBJECTS = Capability("KEDA's ScaledObject CRD and its external metrics API")
NODE_CAPACITY = Capability("node capacity: a node autoscaler that adds nodes for Pending pods")


def secrets_in(namespace: str) -> Capability:
    return Capability("secrets synced into namespace", namespace)


@dataclass(frozen=True)
class ScrapeTarget:
    """A metrics port an app exposes whose chart cannot render its own ServiceMonitor in time (it installs before
    the monitoring stack's CRDs, like a node autoscaler): the monitoring stack renders the monitor instead."""

    name: str
    namespace: str
    service_labels: Mapping[str, str]
    port: str  # the Service port's name
    path: str = "/metrics"


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
    composition: CloudComposition
    # What this app's first releases wait for: derived by the stack from the app's needs and waits.
    after: tuple[ITerraformDependable, ...]
    # Every capability provided so far (by the stack and by the apps installed before this one).
    provided: Mapping[Capability, tuple[ITerraformDependable, ...]]
    # Where the other enabled apps install their releases.
    other_namespaces: frozenset[str]
    # Every enabled app's declared metrics endpoints (the monitoring stack turns them into ServiceMonitors).
    scrape_targets: tuple[ScrapeTarget, ...] = ()


@dataclass(frozen=True)
class Installed:
    """What an app's install returns: the objects behind each capability it declared, and its outputs."""

    provides: Mapping[Capability, Sequence[ITerraformDependable]] = field(default_factory=dict)
    outputs: Sequence[AppOutput] = ()


class AppModule(ABC):
    """One app: a toggle, the namespaces its releases install into, its capabilities, and how it installs."""

    # The construct id of its top-level construct (kept stable: it is part of every resource's address).
    construct_id: str

    @abstractmethod
    def enabled(self, environment: Environment) -> bool: ...

    @abstractmethod
    def namespaces(self, environment: Environment) -> tuple[str, ...]:
        """The namespaces its releases install into (its `app_namespaces` output entries)."""

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return ()

    def needs(self, environment: Environment) -> tuple[Capability, ...]:
        """Must be provided by the stack or another enabled app; the loader rejects environments that lack one."""
        return ()

    def waits_for(self, environment: Environment) -> tuple[Capability, ...]:
        """Installed after these when some enabled app provides them; no error when none does."""
        return ()

    def scrape_targets(self, environment: Environment) -> tuple[ScrapeTarget, ...]:
        """Metrics the monitoring stack should scrape though this app's chart renders no monitor for them."""
        return ()

    @abstractmethod
    def install(self, stack: TerraformStack, context: InstallContext) -> Installed:
        """Creates its constructs at the stack root (their ids are part of every resource address)."""


def shared_waits(app: AppModule, environment: Environment) -> tuple[Capability, ...]:
    """Rules every app follows, so no app repeats them: its pods find the Secrets synced into its namespaces, and
    nodes to land on once a node autoscaler runs (the autoscaler itself provides NODE_CAPACITY, so skips it)."""
    return (*(secrets_in(namespace) for namespace in app.namespaces(environment)), NODE_CAPACITY)


def prerequisites(app: AppModule, environment: Environment) -> tuple[Capability, ...]:
    """Everything the app is ordered after, in a fixed order (it decides the order of `depends_on`)."""
    own = set(app.provides(environment))
    ordered = [*app.needs(environment), *app.waits_for(environment), *shared_waits(app, environment)]
    return tuple(capability for capability in dict.fromkeys(ordered) if capability not in own)


class AppOrderError(Exception):
    """The declarations contradict each other (a cycle, or a need nothing provides): a bug, not bad input."""


def install_order(
    apps: Sequence[AppModule], environment: Environment, *, provided_by_stack: Sequence[Capability]
) -> list[AppModule]:
    """The enabled apps, each after every app providing what it needs or waits for; otherwise in `apps` order."""
    enabled = [app for app in apps if app.enabled(environment)]
    providers: dict[Capability, list[AppModule]] = {}
    for app in enabled:
        for capability in app.provides(environment):
            providers.setdefault(capability, []).append(app)
    for app in enabled:
        for capability in app.needs(environment):
            if capability not in providers and capability not in provided_by_stack:
                raise AppOrderError(f"{app.construct_id} needs {capability}, which no enabled app provides")
    before = {
        app: {
            provider
            for capability in prerequisites(app, environment)
            for provider in providers.get(capability, [])
            if provider is not app
        }
        for app in enabled
    }
    ordered: list[AppModule] = []
    while len(ordered) < len(enabled):
        ready = next((app for app in enabled if app not in ordered and before[app] <= set(ordered)), None)
        if ready is None:
            stuck = sorted(app.construct_id for app in enabled if app not in ordered)
            raise AppOrderError(f"the apps {', '.join(stuck)} wait for each other")
        ordered.append(ready)
    return ordered
