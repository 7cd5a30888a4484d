"""NVIDIA's device plugin where GPU nodes get a driver but no plugin (catalogue/gpu_drivers.py): no switch."""

from __future__ import annotations

from apps.declaration import (
    GPU_SCHEDULING,
    RENDERED,
    AppDeclaration,
    Capability,
    Footprint,
    Lands,
    PodSecurityLevel,
    daemonset,
)
from catalogue.charts import NVIDIA_DEVICE_PLUGIN
from catalogue.gpu_drivers import Owner, gpu_software_owners
from spec.environment import Environment
from spec.pools import PoolRole, node_pools


class DevicePlugin(AppDeclaration):
    construct_id = "nvidia-device-plugin"
    pin = NVIDIA_DEVICE_PLUGIN
    # the MPS control daemon renders too, but selects nvidia.com/mps.capable=true, which nothing sets: 0 pods
    footprint = Footprint(NVIDIA_DEVICE_PLUGIN.version, (daemonset("", lands=Lands.GPU),), RENDERED)
    # The plugin mounts the kubelet's device-plugin folder from the host; the MPS control daemon runs privileged.
    pod_security = PodSecurityLevel.PRIVILEGED

    def enabled(self, environment: Environment) -> bool:
        owners = gpu_software_owners(environment.cloud, gpu_operator=environment.apps.nvidia.enabled)
        gpu_pools = [pool for pool in node_pools(environment) if pool.role is PoolRole.GPU]
        return bool(gpu_pools) and owners.device_plugin is Owner.DEVICE_PLUGIN_RELEASE

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return (GPU_SCHEDULING,)


DECLARATION = DevicePlugin()
