"""The standalone NVIDIA device plugin, for GPU nodes whose driver comes from the cloud but no plugin does."""

from __future__ import annotations

from config.charts import NVIDIA_DEVICE_PLUGIN
from constructs import Construct
from constructs.apps.helm_release import PinnedHelmRelease
from constructs.apps.helm_values import HelmValues, Toleration


class DevicePluginValues(HelmValues):
    # The chart's default affinity requires Node Feature Discovery labels (pci-10de.present, ...) that AKS never
    # sets, so its DaemonSet would schedule on no node while Helm reports success; our nodeSelector picks the pool.
    removed_defaults = ("affinity",)

    node_selector: dict[str, str]
    tolerations: list[Toleration]


class DevicePluginRelease(PinnedHelmRelease):
    def __init__(self, scope: Construct, construct_id: str, *, values: DevicePluginValues) -> None:
        super().__init__(scope, construct_id, pin=NVIDIA_DEVICE_PLUGIN, values=values)
