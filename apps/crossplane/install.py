"""Crossplane into crossplane-system, with the chart's defaults (as dot-kubernetes installs it)."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack

from apps.installer import AppModule, InstallContext, Installed, next_step
from catalogue.charts import CROSSPLANE
from constructs import Construct
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues
from spec.environment import Environment


class CrossplaneValues(HelmValues):
    """No overrides: the chart's defaults are what the reference installs."""


class CrossplaneRelease(PinnedHelmRelease):
    def __init__(self, scope: Construct, construct_id: str, *, after: Sequence[ITerraformDependable]) -> None:
        super().__init__(scope, construct_id, pin=CROSSPLANE, values=CrossplaneValues(), after=after)

    @property
    def next_command(self) -> str:
        return f"kubectl -n {self.pin.namespace} rollout status deployment/{self.pin.release}"


class CrossplaneApp(AppModule):
    construct_id = "crossplane"

    def enabled(self, environment: Environment) -> bool:
        return environment.apps.crossplane.enabled

    def namespaces(self, environment: Environment) -> tuple[str, ...]:
        return (CROSSPLANE.namespace,)

    def install(self, stack: TerraformStack, context: InstallContext) -> Installed:
        crossplane = CrossplaneRelease(stack, self.construct_id, after=context.after)
        return Installed(outputs=next_step("crossplane", crossplane.pin.namespace, crossplane.next_command))
