"""The NVIDIA GPU Operator into gpu-operator: owns on GPU nodes what catalogue/gpu_drivers.py gives it."""

from __future__ import annotations

from apps.declaration import (
    GPU_SCHEDULING,
    PROMETHEUS,
    RENDERED,
    AppDeclaration,
    Capability,
    Footprint,
    Lands,
    PodSecurityLevel,
    Workload,
    daemonset,
    deployment,
)
from catalogue.charts import GPU_OPERATOR
from catalogue.gpu_drivers import GpuSoftwareOwners, Owner
from spec.environment import Environment
from spec.pools import NodePoolSpec

# The operator's operands: created by the operator from its ClusterPolicy at run time, so Helm never renders
# them. One pod per GPU node each, without requests (the chart's ClusterPolicy defaults, values.yaml @ v26.7.0:
# gfd, dcgmExporter, validator on; migManager selects MIG-capable nodes only and is left out).
OPERATOR_OPERANDS_ALWAYS = ("gpu-feature-discovery", "nvidia-dcgm-exporter", "nvidia-operator-validator")
OPERATOR_OPERAND_PER_COMPONENT = {
    "driver": "nvidia-driver-daemonset",
    "toolkit": "nvidia-container-toolkit-daemonset",
    "devicePlugin": "nvidia-device-plugin-daemonset",
}


def operator_operands(owners: GpuSoftwareOwners) -> tuple[Workload, ...]:
    owned = [
        name
        for component, name in OPERATOR_OPERAND_PER_COMPONENT.items()
        if owners.components()[component] is Owner.GPU_OPERATOR
    ]
    return tuple(daemonset(name, lands=Lands.GPU) for name in (*owned, *OPERATOR_OPERANDS_ALWAYS))


class GpuOperator(AppDeclaration):
    construct_id = "gpu-operator"
    pin = GPU_OPERATOR
    footprint = Footprint(
        GPU_OPERATOR.version,
        (
            deployment("", 200, 100),
            deployment("node-feature-discovery-master", 100, 128),
            deployment("node-feature-discovery-gc", 10, 128),
            daemonset("node-feature-discovery-worker", 5, 64),
        ),
        RENDERED,
    )
    # The NFD worker mounts host paths, and the operands the operator creates run privileged (driver, toolkit,
    # device plugin, validator). The stack labels the namespace, not the operator (`psa` off, install.py).
    pod_security = PodSecurityLevel.PRIVILEGED

    def enabled(self, environment: Environment) -> bool:
        return environment.apps.nvidia.enabled

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return (GPU_SCHEDULING,)

    def waits_for(self, environment: Environment) -> tuple[Capability, ...]:
        return (PROMETHEUS,)  # else the DCGM exporter's monitor is skipped until the operator reconciles again

    def pool_workloads(self, environment: Environment, pool: NodePoolSpec) -> tuple[Workload, ...]:
        return operator_operands(pool.gpu.owners) if pool.gpu else ()


DECLARATION = GpuOperator()
