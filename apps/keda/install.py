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


class SecretRestriction(HelmValues):
    # The operator reads Secrets in KEDA's own namespace only (KEDA_RESTRICT_SECRET_ACCESS), and the chart replaces
    # its cluster-wide list/watch on Secrets with a Role in that namespace. (The metrics server has no Secret
    # rights in this chart to restrict.)
    secret: bool = True


class Restricted(HelmValues):
    restrict: SecretRestriction = SecretRestriction()


class KedaPermissions(HelmValues):
    # Our ScaledObjects (vllm-stack's, one per autoscaled model) query Prometheus with no TriggerAuthentication, so
    # KEDA needs no Secret of any other namespace. A TriggerAuthentication that names a Secret elsewhere would
    # resolve to nothing; a ClusterTriggerAuthentication whose Secret lives in keda still works.
    operator: Restricted = Restricted()


class KedaRbac(HelmValues):
    # Off: no `get` on every resource of every API group (Secrets among them) and no scale rights on every kind;
    # the chart's fixed rules still cover what our ScaledObjects scale, Deployments (and StatefulSets).
    enabled_custom_scaled_ref_kinds: bool = False


class KedaValues(HelmValues):
    prometheus: KedaPrometheusValues = KedaPrometheusValues()
    permissions: KedaPermissions = KedaPermissions()
    rbac: KedaRbac = KedaRbac()


class KedaRelease(PinnedHelmRelease):
    def __init__(self, scope: Construct, construct_id: str, *, after: Sequence[ITerraformDependable]) -> None:
        super().__init__(scope, construct_id, pin=KEDA, values=KedaValues(), after=after)


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    release = KedaRelease(stack, DECLARATION.construct_id, after=context.after)
    return Installed(provides={SCALED_OBJECTS: [release.release]})
