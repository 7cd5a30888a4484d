"""Crossplane into crossplane-system, with the chart's defaults (as dot-kubernetes installs it)."""

from __future__ import annotations

from apps.declaration import RENDERED, AppDeclaration, Footprint, PodSecurityLevel, deployment
from catalogue.charts import CROSSPLANE
from spec.environment import Environment


class Crossplane(AppDeclaration):
    construct_id = "crossplane"
    pin = CROSSPLANE
    footprint = Footprint(
        CROSSPLANE.version, (deployment("", 100, 256), deployment("rbac-manager", 100, 256)), RENDERED
    )
    # Its own two pods are restricted (install.py), but the providers and functions users install run here too, as
    # Deployments Crossplane builds with no seccomp profile and no dropped capabilities: baseline
    # (crossplane internal/controller/pkg/revision/runtime.go, RuntimeManifestBuilder.Deployment).
    pod_security = PodSecurityLevel.BASELINE

    def enabled(self, environment: Environment) -> bool:
        return environment.apps.crossplane.enabled


DECLARATION = Crossplane()
