"""The machine catalogue: default regions, system pool sizes and GPU tiers per cloud, as data.

Everything that picks a machine type, a region or a GPU count reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

NodeSize = Literal["small", "medium", "large"]
NODE_SIZES: tuple[NodeSize, ...] = ("small", "medium", "large")


class Cloud(StrEnum):
    AWS = "aws"
    GOOGLE = "google"
    AZURE = "azure"


@dataclass(frozen=True)
class GpuTier:
    """One GPU node shape: the machine type and, where the cloud attaches GPUs separately, the accelerator."""

    machine_type: str
    gpu_count: int
    accelerator: str | None = None  # GKE attaches GPUs as guest accelerators; EKS/AKS sizes include them


DEFAULT_REGIONS: dict[Cloud, str] = {
    Cloud.AWS: "us-east-1",
    Cloud.GOOGLE: "us-east1",
    Cloud.AZURE: "eastus",
}

SYSTEM_MACHINE_TYPES: dict[Cloud, dict[NodeSize, str]] = {
    Cloud.AWS: {"small": "t3.small", "medium": "t3.medium", "large": "t3.large"},
    Cloud.GOOGLE: {"small": "e2-standard-2", "medium": "e2-standard-4", "large": "e2-standard-16"},
    Cloud.AZURE: {"small": "Standard_D2_v2", "medium": "Standard_D3_v2", "large": "Standard_D4_v2"},
}

GPU_TIERS: dict[Cloud, dict[NodeSize, GpuTier]] = {
    Cloud.AWS: {
        "small": GpuTier("g5.xlarge", 1),
        "medium": GpuTier("g5.12xlarge", 4),
        "large": GpuTier("p4d.24xlarge", 8),
    },
    Cloud.GOOGLE: {
        "small": GpuTier("n1-standard-4", 1, "nvidia-tesla-t4"),
        "medium": GpuTier("a2-highgpu-4g", 4, "nvidia-tesla-a100"),
        "large": GpuTier("a2-highgpu-8g", 8, "nvidia-tesla-a100"),
    },
    Cloud.AZURE: {
        "small": GpuTier("Standard_NC4as_T4_v3", 1),
        "medium": GpuTier("Standard_NC64as_T4_v3", 4),
        "large": GpuTier("Standard_ND96asr_v4", 8),
    },
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
}

# Every GPU pool carries this label and taint; only pods that tolerate the taint land on GPU nodes.
GPU_NODE_LABEL = ("gpu", "true")
GPU_TAINT_KEY = "nvidia.com/gpu"
# GKE taints GPU nodes itself with value "present"; using the same value avoids a second taint.
GPU_TAINT_VALUE: dict[Cloud, str] = {Cloud.AWS: "true", Cloud.GOOGLE: "present", Cloud.AZURE: "true"}

# EKS spreads the VPC over three zones; without an explicit list they are <region>a, b and c.
DEFAULT_AWS_ZONE_SUFFIXES = ("a", "b", "c")
