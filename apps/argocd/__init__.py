"""Argo CD into argocd, optionally behind Traefik, with the `apps` Application when a repository is named."""

from __future__ import annotations

from apps.declaration import RENDERED, AppDeclaration, Footprint, deployment
from catalogue.charts import ARGO_CD
from spec.environment import Environment


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

    def enabled(self, environment: Environment) -> bool:
        return environment.apps.argocd.enabled


DECLARATION = ArgoCd()
