"""Argo CD into argocd, optionally behind Traefik, with the `apps` Application when a repository is named."""

from __future__ import annotations

from apps.declaration import (
    RENDERED,
    AppDeclaration,
    Capability,
    Footprint,
    PodSecurityLevel,
    deployment,
    secrets_in,
)
from catalogue.charts import ARGO_CD
from spec.environment import Environment

# The AppProject that holds the Application `apps`: named like it (a project is an Argo CD object of its own kind).
PROJECT_NAME = "apps"


class ArgoCd(AppDeclaration):
    construct_id = "argocd"
    pin = ARGO_CD
    footprint = Footprint(
        ARGO_CD.version,
        (
            deployment("argocd-applicationset-controller"),
            deployment("argocd-notifications-controller"),
            deployment("argocd-repo-server"),
            deployment("argocd-server"),
            deployment("argocd-dex-server"),
            deployment("argocd-redis"),
            deployment("argocd-application-controller", kind="StatefulSet"),
        ),
        RENDERED,
    )
    pod_security = PodSecurityLevel.RESTRICTED

    def enabled(self, environment: Environment) -> bool:
        return environment.apps.argocd.enabled

    def waits_for(self, environment: Environment) -> tuple[Capability, ...]:
        # The destination's secrets, and with them the namespace External Secrets creates for a target
        return (secrets_in(environment.apps.argocd.destination_namespace),)


DECLARATION = ArgoCd()
