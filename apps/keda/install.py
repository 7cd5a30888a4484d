"""KEDA into keda: scales each autoscaled model's engines on its queue (the ScaledObjects ride in vllm-stack).

No toggle of its own: installed exactly when a model of `apps.vllm.models` has `autoscaling`. Its CRDs are chart
templates (`crds.install`), so vLLM's release, which depends on this one, finds them in the same apply.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack

from apps.declaration import SCALED_OBJECTS
from apps.installer import InstallContext, Installed
from apps.keda import DECLARATION
from catalogue.charts import KEDA
from constructs import Construct
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues, Toggle


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


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    release = KedaRelease(stack, DECLARATION.construct_id, after=context.after)
    return Installed(provides={SCALED_OBJECTS: [release.release]})
