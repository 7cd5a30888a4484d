"""The standalone NVIDIA device plugin, for GPU nodes whose driver comes from the cloud but no plugin does."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack

from apps.installer import GPU_SCHEDULING, AppModule, Capability, InstallContext, Installed
from catalogue.charts import NVIDIA_DEVICE_PLUGIN
from catalogue.gpu_drivers import Owner, gpu_software_owners
from catalogue.node_sizes import GPU_NODE_LABEL, GPU_TAINT_KEY, GPU_TAINT_VALUE
from constructs import Construct
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues, Toleration
from spec.environment import Environment


class DevicePluginValues(HelmValues):
    # The chart's default affinity requires Node Feature Discovery labels (pci-10de.present, ...) that AKS never
    # sets, so its DaemonSet would schedule on no node while Helm reports success; our nodeSelector picks the pool.
    removed_defaults = ("affinity",)

    node_selector: dict[str, str]
    tolerations: list[Toleration]


class DevicePluginRelease(PinnedHelmRelease):
    def __init__(
        self, scope: Construct, construct_id: str, *, values: DevicePluginValues, after: Sequence[ITerraformDependable]
    ) -> None:
        super().__init__(scope, construct_id, pin=NVIDIA_DEVICE_PLUGIN, values=values, after=after)


class DevicePluginApp(AppModule):
    """No toggle of its own: installed where GPU nodes get a driver but no plugin (catalogue/gpu_drivers.py)."""

    construct_id = "nvidia-device-plugin"

    def enabled(self, environment: Environment) -> bool:
        owners = gpu_software_owners(environment.cloud, gpu_operator=environment.apps.nvidia.enabled)
        return environment.gpu.enabled and owners.device_plugin is Owner.DEVICE_PLUGIN_RELEASE

    def namespaces(self, environment: Environment) -> tuple[str, ...]:
        return (NVIDIA_DEVICE_PLUGIN.namespace,)

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return (GPU_SCHEDULING,)

    def install(self, stack: TerraformStack, context: InstallContext) -> Installed:
        label_key, label_value = GPU_NODE_LABEL
        values = DevicePluginValues(
            node_selector={label_key: label_value},
            tolerations=[Toleration(key=GPU_TAINT_KEY, value=GPU_TAINT_VALUE[context.environment.cloud])],
        )
        release = DevicePluginRelease(stack, self.construct_id, values=values, after=context.after)
        return Installed(provides={GPU_SCHEDULING: [release.release]})
