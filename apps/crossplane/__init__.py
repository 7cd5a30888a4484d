"""Crossplane into crossplane-system, with the chart's defaults (as dot-kubernetes installs it)."""

from __future__ import annotations

from apps.declaration import RENDERED, AppDeclaration, Footprint, deployment
from catalogue.charts import CROSSPLANE
from spec.environment import Environment


class Crossplane(AppDeclaration):
    construct_id = "crossplane"
    pin = CROSSPLANE
    footprint = Footprint(
        CROSSPLANE.version, (deployment("", 100, 256), deployment("rbac-manager", 100, 256)), RENDERED
    )

    def enabled(self, environment: Environment) -> bool:
        return environment.apps.crossplane.enabled


DECLARATION = Crossplane()
