"""KEDA into keda: scales each autoscaled model's engines on its queue (the ScaledObjects ride in vllm-stack).

No toggle of its own: installed exactly when a model of `apps.vllm.models` has `autoscaling`. Its CRDs are chart
templates (`crds.install`), so vLLM's release, which depends on this one, finds them in the same apply.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack

from apps.installer import PROMETHEUS, SCALED_OBJECTS, AppModule, Capability, InstallContext, Installed
from catalogue.charts import KEDA
from constructs import Construct
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues, Toggle
from spec.environment import Environment


class OperatorMetrics(HelmValues):
    enabled: bool = True  # the operator's own metrics: scaler errors and latency per ScaledObject
    service_monitor: Toggle = Toggle(enabled=True)


class KedaPrometheusValues(HelmValues):
    operator: OperatorMetrics = OperatorMetrics()


class KedaValues(HelmValues):
    prometheus: KedaPrometheusValues = KedaPrometheusValues()


class KedaRelease(PinnedHelmRelease):
    def __init__(self, scope: Construct, construct_id: str, *, after: Sequence[ITerraformDependable]) -> None:
        super().__init__(scope, construct_id, pin=KEDA, values=KedaValues(), after=after)


def autoscaled(environment: Environment) -> bool:
    vllm = environment.apps.vllm
    return vllm.enabled and any(model.autoscaling is not None for model in vllm.models)


class KedaApp(AppModule):
    construct_id = "keda"

    def enabled(self, environment: Environment) -> bool:
        return autoscaled(environment)

    def namespaces(self, environment: Environment) -> tuple[str, ...]:
        return (KEDA.namespace,)

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return (SCALED_OBJECTS,)

    def needs(self, environment: Environment) -> tuple[Capability, ...]:
        return (PROMETHEUS,)  # its chart renders a ServiceMonitor; the loader requires monitoring with autoscaling

    def install(self, stack: TerraformStack, context: InstallContext) -> Installed:
        release = KedaRelease(stack, self.construct_id, after=context.after)
        return Installed(provides={SCALED_OBJECTS: [release.release]})
