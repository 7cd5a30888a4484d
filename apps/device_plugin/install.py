"""The standalone NVIDIA device plugin, for GPU nodes whose driver comes from the cloud but no plugin does."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack

from apps.declaration import GPU_SCHEDULING
from apps.device_plugin import DECLARATION
from apps.installer import InstallContext, Installed
from catalogue.charts import NVIDIA_DEVICE_PLUGIN
from catalogue.node_sizes import GPU_NODE_LABEL
from constructs import Construct
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues, Toleration
from spec.pools import gpu_pool_taints


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


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    label_key, label_value = GPU_NODE_LABEL
    values = DevicePluginValues(
        node_selector={label_key: label_value},
        tolerations=[Toleration(key=t.key, value=t.value) for t in gpu_pool_taints(context.environment)],
    )
    release = DevicePluginRelease(stack, DECLARATION.construct_id, values=values, after=context.after)
    return Installed(provides={GPU_SCHEDULING: [release.release]})
