"""Who owns the GPU driver, the container toolkit and the device plugin, per cloud and per GPU Operator.

This table is the single source: the node pool settings (node image, the cloud's driver switch) and
the GPU Operator values are both derived from it, so they cannot disagree. A component with two owners
gives two device plugins fighting; one with none gives GPU nodes whose GPUs never become allocatable.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from catalogue.node_sizes import Cloud


class Owner(StrEnum):
    NODE_IMAGE = "node-image"  # baked into the GPU node image
    CLOUD = "cloud"  # installed by the managed Kubernetes service when the pool is created
    GPU_OPERATOR = "gpu-operator"  # installed by the NVIDIA GPU Operator release in the apps stack
    DEVICE_PLUGIN_RELEASE = "device-plugin-release"  # the NVIDIA device plugin chart in the apps stack


@dataclass(frozen=True)
class GpuSoftwareOwners:
    driver: Owner
    toolkit: Owner
    device_plugin: Owner

    def components(self) -> dict[str, Owner]:
        return {"driver": self.driver, "toolkit": self.toolkit, "devicePlugin": self.device_plugin}


# (cloud, apps.nvidia.enabled) -> owners.
DRIVER_OWNERSHIP: dict[tuple[Cloud, bool], GpuSoftwareOwners] = {
    # EKS AL2023 NVIDIA AMI: driver + toolkit on the image, no device plugin -> the operator adds it.
    (Cloud.AWS, True): GpuSoftwareOwners(Owner.NODE_IMAGE, Owner.NODE_IMAGE, Owner.GPU_OPERATOR),
    # Bottlerocket NVIDIA variant ships driver, toolkit and the Kubernetes device plugin.
    (Cloud.AWS, False): GpuSoftwareOwners(Owner.NODE_IMAGE, Owner.NODE_IMAGE, Owner.NODE_IMAGE),
    # GKE: driver installation disabled and GKE's device plugin switched off by node label; Ubuntu image.
    (Cloud.GOOGLE, True): GpuSoftwareOwners(Owner.GPU_OPERATOR, Owner.GPU_OPERATOR, Owner.GPU_OPERATOR),
    # GKE installs driver and its own device plugin; Google advises no operator then.
    (Cloud.GOOGLE, False): GpuSoftwareOwners(Owner.CLOUD, Owner.CLOUD, Owner.CLOUD),
    # AKS gpu_driver = "None": the operator installs everything.
    (Cloud.AZURE, True): GpuSoftwareOwners(Owner.GPU_OPERATOR, Owner.GPU_OPERATOR, Owner.GPU_OPERATOR),
    # AKS gpu_driver = "Install" brings driver + runtime but no device plugin -> the device plugin chart.
    (Cloud.AZURE, False): GpuSoftwareOwners(Owner.CLOUD, Owner.CLOUD, Owner.DEVICE_PLUGIN_RELEASE),
}


def gpu_software_owners(cloud: Cloud, *, gpu_operator: bool) -> GpuSoftwareOwners:
    return DRIVER_OWNERSHIP[(cloud, gpu_operator)]
