"""Default regions, system pool sizes and GPU tiers per cloud, as data.

Everything that picks a machine type, a region or a GPU count reads it from here; what a machine type is (vCPUs,
memory, pods, GPUs) is in catalogue/machines.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from catalogue.machines import GPU_MACHINES, GpuModel
from catalogue.machines import Cloud as Cloud  # noqa: PLC0414 - re-exported (mypy strict): most modules import it here

NodeSize = Literal["small", "medium", "large"]
NODE_SIZES: tuple[NodeSize, ...] = ("small", "medium", "large")


@dataclass(frozen=True)
class GpuTier:
    """One GPU node shape: the machine type, its GPUs and, where the cloud attaches GPUs separately, the accelerator."""

    machine_type: str
    gpu_count: int
    gpu_model: GpuModel
    accelerator: str | None = None  # GKE attaches GPUs as guest accelerators; EKS/AKS sizes include them


DEFAULT_REGIONS: dict[Cloud, str] = {
    Cloud.AWS: "us-east-1",
    Cloud.GOOGLE: "us-east1",
    Cloud.AZURE: "eastus",
}

SYSTEM_MACHINE_TYPES: dict[Cloud, dict[NodeSize, str]] = {
    # Not the seed's t3.small/medium/large: a t3.small holds 11 pods (VPC CNI) and ~1.4 GiB, less than EKS's own
    # pods plus the GPU Operator, the autoscaler and the vLLM router need (capacity/plan.py plans it).
    Cloud.AWS: {"small": "t3.medium", "medium": "t3.large", "large": "t3.xlarge"},
    Cloud.GOOGLE: {"small": "e2-standard-2", "medium": "e2-standard-4", "large": "e2-standard-16"},
    Cloud.AZURE: {"small": "Standard_D2_v2", "medium": "Standard_D3_v2", "large": "Standard_D4_v2"},
}

# GKE machine families that take GPUs as separately attached accelerators: the tier's accelerator and count apply.
ATTACHED_GPU_FAMILIES: dict[Cloud, tuple[str, ...]] = {Cloud.GOOGLE: ("n1-",)}

# GKE's accelerator type per GPU model (for machine types whose GPUs come built in).
GKE_ACCELERATORS: dict[GpuModel, str] = {
    GpuModel.T4: "nvidia-tesla-t4",
    GpuModel.L4: "nvidia-l4",
    GpuModel.A100_40GB: "nvidia-tesla-a100",
    GpuModel.A100_80GB: "nvidia-a100-80gb",
    GpuModel.H100_80GB: "nvidia-h100-80gb",
    # A3 Ultra and A4: the accelerator types GKE's GPU guide names for them (research/gpu-pools.md s3).
    GpuModel.H200_141GB: "nvidia-h200-141gb",
    GpuModel.B200: "nvidia-b200",
}


def _built_in_gpus(cloud: Cloud, machine_type: str) -> GpuTier | None:
    """A node shape whose GPUs come with `machine_type`, as the machine catalogue has them; None if it has none."""
    gpus = GPU_MACHINES[cloud].get(machine_type)
    if gpus is None:
        return None
    accelerator = GKE_ACCELERATORS[gpus.model] if cloud is Cloud.GOOGLE else None
    return GpuTier(machine_type, gpus.count, gpus.model, accelerator)


def _tier(cloud: Cloud, machine_type: str) -> GpuTier:
    tier = _built_in_gpus(cloud, machine_type)
    if tier is None:
        raise ValueError(f"GPU tier {machine_type} has no GPUs in catalogue/machines.py")
    return tier


# Tiers name machine types only; their GPUs are the catalogue's, except GKE's N1, whose T4 is attached.
GPU_TIERS: dict[Cloud, dict[NodeSize, GpuTier]] = {
    Cloud.AWS: {
        "small": _tier(Cloud.AWS, "g5.xlarge"),
        "medium": _tier(Cloud.AWS, "g5.12xlarge"),
        "large": _tier(Cloud.AWS, "p4d.24xlarge"),
    },
    Cloud.GOOGLE: {
        "small": GpuTier("n1-standard-4", 1, GpuModel.T4, "nvidia-tesla-t4"),
        "medium": _tier(Cloud.GOOGLE, "a2-highgpu-4g"),
        "large": _tier(Cloud.GOOGLE, "a2-highgpu-8g"),
    },
    Cloud.AZURE: {
        "small": _tier(Cloud.AZURE, "Standard_NC4as_T4_v3"),
        "medium": _tier(Cloud.AZURE, "Standard_NC64as_T4_v3"),
        "large": _tier(Cloud.AZURE, "Standard_ND96asr_v4"),
    },
}


def known_gpu_node(cloud: Cloud, node_size: NodeSize, instance_type: str | None) -> GpuTier | None:
    """The GPUs of one node of the GPU pool, or None for an `instanceType` this catalogue does not know."""
    tier = GPU_TIERS[cloud][node_size]
    if instance_type is None:
        return tier
    if instance_type.startswith(ATTACHED_GPU_FAMILIES.get(cloud, ())):
        return replace(tier, machine_type=instance_type)
    return _built_in_gpus(cloud, instance_type)


@dataclass(frozen=True)
class EngineShare:
    cpu: int  # whole cores
    memory_gib: int


# A model's CPU and memory request per GPU when it does not say: below each cloud's per-GPU share of the tier's
# machine (small: 4 vCPUs and 15-28 GiB per GPU; medium: 12 vCPUs and 48+ GiB; large: 12 vCPUs and 85+ GiB),
# leaving room for the kubelet's reserve and the GPU daemonsets.
ENGINE_SHARE_PER_GPU: dict[NodeSize, EngineShare] = {
    "small": EngineShare(cpu=2, memory_gib=8),
    "medium": EngineShare(cpu=8, memory_gib=32),
    "large": EngineShare(cpu=8, memory_gib=64),
}

# Node disk per pool role: inference images (CUDA + vLLM) are 10-20 GB each, so GPU nodes get room for several.
NODE_DISK_GIB = {"system": 50, "gpu": 200}

# GKE: zones that offer each accelerator, for the regions we default to or ship examples in. A regional GPU
# pool otherwise spreads over the region's default zones, and GKE refuses the pool if one of them lacks the
# GPU (T4s are not sold in us-east1-b). Source: `gcloud compute accelerator-types list`, published listings.
GKE_GPU_ZONES: dict[tuple[str, str], list[str]] = {
    ("us-east1", "nvidia-tesla-t4"): ["us-east1-c", "us-east1-d"],
    ("us-central1", "nvidia-tesla-t4"): ["us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"],
    ("us-central1", "nvidia-tesla-a100"): ["us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"],
    # The accelerators `gpu.pools` can ask for, as Cyclenerd tools/acceleratortypezone.csv (2026-08-10) and the
    # SkyPilot catalogue list them (research/gpu-pools.md s3). A region with no row for an accelerator has no
    # zone for it there (us-east1: no A100 80GB, H100 or H200).
    ("us-east1", "nvidia-l4"): ["us-east1-b", "us-east1-d"],
    ("us-central1", "nvidia-l4"): ["us-central1-a", "us-central1-b", "us-central1-c"],
    ("us-central1", "nvidia-a100-80gb"): ["us-central1-a", "us-central1-c"],
    ("us-central1", "nvidia-h100-80gb"): ["us-central1-a", "us-central1-b", "us-central1-c"],
    ("us-central1", "nvidia-h200-141gb"): ["us-central1-b"],
    ("us-east1", "nvidia-b200"): ["us-east1-b"],
    ("us-central1", "nvidia-b200"): ["us-central1-b"],
}

# Every GPU pool carries this label and taint; only pods that tolerate the taint land on GPU nodes.
GPU_NODE_LABEL = ("gpu", "true")
# EKS GPU nodes also carry the label the Cluster Autoscaler's GPU processor keys on (its aws_cloud_provider.go
# GPULabel): a Ready node with it but no allocatable GPU yet is treated as still starting, so the autoscaler waits
# for the device plugin instead of adding another node (cloudprovider/aws/README.md, "Special note on GPU
# instances"). Only the key is checked; the values follow the README's examples (nvidia-tesla-t4, nvidia-a10g, ...).
AWS_ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator"
AWS_ACCELERATOR_VALUES: dict[GpuModel, str] = {
    GpuModel.T4: "nvidia-tesla-t4",
    GpuModel.A10G: "nvidia-a10g",
    GpuModel.L4: "nvidia-l4",
    GpuModel.L40S: "nvidia-l40s",
    GpuModel.A100_40GB: "nvidia-tesla-a100",
    GpuModel.A100_80GB: "nvidia-a100-80gb",
    GpuModel.H100_80GB: "nvidia-h100-80gb",
    GpuModel.H200_141GB: "nvidia-h200-141gb",
    GpuModel.B200: "nvidia-b200",
}
GPU_TAINT_KEY = "nvidia.com/gpu"
# GKE taints GPU nodes itself with value "present"; using the same value avoids a second taint.
GPU_TAINT_VALUE: dict[Cloud, str] = {Cloud.AWS: "true", Cloud.GOOGLE: "present", Cloud.AZURE: "true"}

# EKS spreads the VPC over three zones; without an explicit list they are <region>a, b and c.
DEFAULT_AWS_ZONE_SUFFIXES = ("a", "b", "c")
