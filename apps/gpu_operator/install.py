"""The NVIDIA GPU Operator release, with values derived from who owns the GPU software on this cloud."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack
from pydantic import Field

from apps.declaration import GPU_SCHEDULING
from apps.gpu_operator import DECLARATION
from apps.installer import InstallContext, Installed
from catalogue.charts import GPU_OPERATOR
from catalogue.gpu_drivers import GpuSoftwareOwners, Owner, gpu_software_owners
from catalogue.node_sizes import Cloud
from constructs import Construct
from constructs.helm.kubernetes_objects import ResourceQuota
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues, Toggle, Toleration
from spec.pools import Taint, gpu_pool_taints

# The GPU Operator creates this RuntimeClass; workloads may name it only where the operator runs.
OPERATOR_RUNTIME_CLASS = "nvidia"


class DcgmExporterValues(HelmValues):
    # The operator creates this monitor at run time, and only if the ServiceMonitor CRD exists by then.
    service_monitor: Toggle = Toggle(enabled=True)


class DaemonsetsValues(HelmValues):
    tolerations: list[Toleration]


class NfdWorkerValues(HelmValues):
    tolerations: list[Toleration]


class NodeFeatureDiscoveryValues(HelmValues):
    worker: NfdWorkerValues


# The chart's own tolerations (values.yaml daemonsets / node-feature-discovery.worker @ v26.7.0), which a list of
# ours replaces rather than extends.
GPU_TOLERATION = Toleration(key="nvidia.com/gpu", operator="Exists", value="")
CONTROL_PLANE_TOLERATION = Toleration(key="node-role.kubernetes.io/control-plane", value="")


class GpuOperatorValues(HelmValues):
    # Off (the chart's default, stated so it cannot drift): on, the operator would set all three Pod Security labels
    # of its namespace to privileged at every reconcile, and Terraform would put warn and audit back to restricted
    # at every apply. The stack creates the namespace privileged itself (apps/gpu_operator/__init__.py).
    psa: Toggle = Toggle(enabled=False)
    driver: Toggle
    toolkit: Toggle
    device_plugin: Toggle
    dcgm_exporter: DcgmExporterValues | None = None  # None: the chart's default (its monitor is on since v26.x)
    extra_objects: list[ResourceQuota] | None = None
    # Set only where GPU nodes carry a taint beyond the GPU's own (AKS spot pools): the operands must land there too.
    daemonsets: DaemonsetsValues | None = None
    node_feature_discovery: NodeFeatureDiscoveryValues | None = Field(default=None, alias="node-feature-discovery")

    @classmethod
    def for_owners(
        cls,
        owners: GpuSoftwareOwners,
        *,
        extra_objects: list[ResourceQuota] | None = None,
        monitored: bool = False,
        extra_taints: Sequence[Taint] = (),
    ) -> GpuOperatorValues:
        extra = [Toleration(key=taint.key, value=taint.value) for taint in extra_taints]

        def operator_installs(owner: Owner) -> Toggle:
            return Toggle(enabled=owner is Owner.GPU_OPERATOR)

        return cls(
            driver=operator_installs(owners.driver),
            toolkit=operator_installs(owners.toolkit),
            device_plugin=operator_installs(owners.device_plugin),
            dcgm_exporter=DcgmExporterValues() if monitored else None,
            extra_objects=extra_objects,
            daemonsets=DaemonsetsValues(tolerations=[GPU_TOLERATION, *extra]) if extra else None,
            node_feature_discovery=NodeFeatureDiscoveryValues(
                worker=NfdWorkerValues(tolerations=[CONTROL_PLANE_TOLERATION, GPU_TOLERATION, *extra])
            )
            if extra
            else None,
        )


class GpuOperatorRelease(PinnedHelmRelease):
    def __init__(
        self, scope: Construct, construct_id: str, *, values: GpuOperatorValues, after: Sequence[ITerraformDependable]
    ) -> None:
        super().__init__(scope, construct_id, pin=GPU_OPERATOR, values=values, after=after)


# GKE admits pods of these priority classes outside kube-system only where a quota names them.
CRITICAL_PRIORITY_CLASSES = ["system-node-critical", "system-cluster-critical"]
# The operator's daemonsets run at system-node-critical in the gpu-operator namespace; without this quota GKE
# refuses to create them there. EKS and AKS need no objects beside the operator's own.
EXTRA_OBJECTS: dict[Cloud, list[ResourceQuota]] = {
    Cloud.GOOGLE: [ResourceQuota.for_priority_classes("gpu-operator-quota", CRITICAL_PRIORITY_CLASSES, max_pods=100)]
}


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    environment = context.environment
    owners = gpu_software_owners(environment.cloud, gpu_operator=True)
    extra_objects = EXTRA_OBJECTS.get(environment.cloud)
    values = GpuOperatorValues.for_owners(
        owners,
        extra_objects=extra_objects,
        monitored=environment.apps.monitoring.enabled,
        extra_taints=gpu_pool_taints(environment, beyond_gpu=True),
    )
    release = GpuOperatorRelease(
        stack,
        DECLARATION.construct_id,
        values=values,
        after=context.after,
    )
    return Installed(provides={GPU_SCHEDULING: [release.release]})
