"""Crossplane into crossplane-system, with the chart's defaults (as dot-kubernetes installs it)."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack

from apps.crossplane import DECLARATION
from apps.installer import InstallContext, Installed, next_step
from catalogue.charts import CROSSPLANE
from constructs import Construct
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues


class CrossplaneValues(HelmValues):
    """No overrides: the chart's defaults are what the reference installs."""


class CrossplaneRelease(PinnedHelmRelease):
    def __init__(self, scope: Construct, construct_id: str, *, after: Sequence[ITerraformDependable]) -> None:
        super().__init__(scope, construct_id, pin=CROSSPLANE, values=CrossplaneValues(), after=after)

    @property
    def next_command(self) -> str:
        return f"kubectl -n {self.pin.namespace} rollout status deployment/{self.pin.release}"


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    crossplane = CrossplaneRelease(stack, DECLARATION.construct_id, after=context.after)
    return Installed(outputs=next_step("crossplane", crossplane.pin.namespace, crossplane.next_command))
