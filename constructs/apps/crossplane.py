"""Crossplane into crossplane-system, with the chart's defaults (as dot-kubernetes installs it)."""

from __future__ import annotations

from config.charts import CROSSPLANE
from constructs import Construct
from constructs.apps.helm_release import PinnedHelmRelease
from constructs.apps.helm_values import HelmValues


class CrossplaneValues(HelmValues):
    """No overrides: the chart's defaults are what the reference installs."""


class CrossplaneRelease(PinnedHelmRelease):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, pin=CROSSPLANE, values=CrossplaneValues())

    @property
    def next_command(self) -> str:
        return f"kubectl -n {self.pin.namespace} rollout status deployment/{self.pin.release}"
