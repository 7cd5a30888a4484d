"""The machine catalogue: default regions, system pool sizes and GPU tiers per cloud, as data.

Everything that picks a machine type, a region or a GPU count reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

NodeSize = Literal["small", "medium", "large"]
NODE_SIZES: tuple[NodeSize, ...] = ("small", "medium", "large")


class Cloud(StrEnum):
    AWS = "aws"
    GOOGLE = "google"
    AZURE = "azure"


class GpuModel(StrEnum):
    T4 = "T4"
    A10G = "A10G"
    L4 = "L4"
    L40S = "L40S"
    A100_40GB = "A100-40GB"
    A100_80GB = "A100-80GB"
    H100_80GB = "H100-80GB"


@dataclass(frozen=True)
class GpuFacts:
    memory_gib: int
    bfloat16: bool  # Turing (T4) has no bfloat16 units; vLLM refuses --dtype bfloat16 there


# NVIDIA data sheets of each GPU.
GPU_FACTS: dict[GpuModel, GpuFacts] = {
    GpuModel.T4: GpuFacts(16, bfloat16=False),
    GpuModel.A10G: GpuFacts(24, bfloat16=True),
    GpuModel.L4: GpuFacts(24, bfloat16=True),
    GpuModel.L40S: GpuFacts(48, bfloat16=True),
    GpuModel.A100_40GB: GpuFacts(40, bfloat16=True),
    GpuModel.A100_80GB: GpuFacts(80, bfloat16=True),
    GpuModel.H100_80GB: GpuFacts(80, bfloat16=True),
}


@dataclass(frozen=True)
class GpuMachine:
    gpu_count: int
    gpu_model: GpuModel


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

GPU_TIERS: dict[Cloud, dict[NodeSize, GpuTier]] = {
    Cloud.AWS: {
        "small": GpuTier("g5.xlarge", 1, GpuModel.A10G),
        "medium": GpuTier("g5.12xlarge", 4, GpuModel.A10G),
        "large": GpuTier("p4d.24xlarge", 8, GpuModel.A100_40GB),
    },
    Cloud.GOOGLE: {
        "small": GpuTier("n1-standard-4", 1, GpuModel.T4, "nvidia-tesla-t4"),
        "medium": GpuTier("a2-highgpu-4g", 4, GpuModel.A100_40GB, "nvidia-tesla-a100"),
        "large": GpuTier("a2-highgpu-8g", 8, GpuModel.A100_40GB, "nvidia-tesla-a100"),
    },
    Cloud.AZURE: {
        "small": GpuTier("Standard_NC4as_T4_v3", 1, GpuModel.T4),
        "medium": GpuTier("Standard_NC64as_T4_v3", 4, GpuModel.T4),
        "large": GpuTier("Standard_ND96asr_v4", 8, GpuModel.A100_40GB),
    },
}


def _family(gpu_model: GpuModel, counts: dict[int, tuple[str, ...]]) -> dict[str, GpuMachine]:
    return {machine: GpuMachine(count, gpu_model) for count, machines in counts.items() for machine in machines}


# Machine types whose GPUs come with the type: what `gpu.instanceType` may name when models must fit the pool.
# Sources: the AWS EC2 accelerated-computing instance table, Azure's NC/ND series pages and Google's GPU
# machine types page (A2, A3, G2).
GPU_MACHINES: dict[Cloud, dict[str, GpuMachine]] = {
    Cloud.AWS: {
        **_family(
            GpuModel.T4,
            {
                1: ("g4dn.xlarge", "g4dn.2xlarge", "g4dn.4xlarge", "g4dn.8xlarge", "g4dn.16xlarge"),
                4: ("g4dn.12xlarge",),
                8: ("g4dn.metal",),
            },
        ),
        **_family(
            GpuModel.A10G,
            {
                1: ("g5.xlarge", "g5.2xlarge", "g5.4xlarge", "g5.8xlarge", "g5.16xlarge"),
                4: ("g5.12xlarge", "g5.24xlarge"),
                8: ("g5.48xlarge",),
            },
        ),
        **_family(
            GpuModel.L4,
            {
                1: ("g6.xlarge", "g6.2xlarge", "g6.4xlarge", "g6.8xlarge", "g6.16xlarge"),
                4: ("g6.12xlarge", "g6.24xlarge"),
                8: ("g6.48xlarge",),
            },
        ),
        **_family(
            GpuModel.L40S,
            {
                1: ("g6e.xlarge", "g6e.2xlarge", "g6e.4xlarge", "g6e.8xlarge", "g6e.16xlarge"),
                4: ("g6e.12xlarge", "g6e.24xlarge"),
                8: ("g6e.48xlarge",),
            },
        ),
        **_family(GpuModel.A100_40GB, {8: ("p4d.24xlarge",)}),
        **_family(GpuModel.A100_80GB, {8: ("p4de.24xlarge",)}),
        **_family(GpuModel.H100_80GB, {8: ("p5.48xlarge",)}),
    },
    Cloud.GOOGLE: {
        **_family(
            GpuModel.A100_40GB,
            {1: ("a2-highgpu-1g",), 2: ("a2-highgpu-2g",), 4: ("a2-highgpu-4g",), 8: ("a2-highgpu-8g",)},
        ),
        **_family(GpuModel.A100_40GB, {16: ("a2-megagpu-16g",)}),
        **_family(
            GpuModel.A100_80GB,
            {1: ("a2-ultragpu-1g",), 2: ("a2-ultragpu-2g",), 4: ("a2-ultragpu-4g",), 8: ("a2-ultragpu-8g",)},
        ),
        **_family(
            GpuModel.L4,
            {
                1: ("g2-standard-4", "g2-standard-8", "g2-standard-12", "g2-standard-16", "g2-standard-32"),
                2: ("g2-standard-24",),
                4: ("g2-standard-48",),
                8: ("g2-standard-96",),
            },
        ),
        **_family(GpuModel.H100_80GB, {8: ("a3-highgpu-8g",)}),
    },
    Cloud.AZURE: {
        **_family(
            GpuModel.T4,
            {
                1: ("Standard_NC4as_T4_v3", "Standard_NC8as_T4_v3", "Standard_NC16as_T4_v3"),
                4: ("Standard_NC64as_T4_v3",),
            },
        ),
        **_family(
            GpuModel.A100_80GB,
            {
                1: ("Standard_NC24ads_A100_v4",),
                2: ("Standard_NC48ads_A100_v4",),
                4: ("Standard_NC96ads_A100_v4",),
                8: ("Standard_ND96amsr_A100_v4",),
            },
        ),
        **_family(GpuModel.A100_40GB, {8: ("Standard_ND96asr_v4",)}),
        **_family(GpuModel.H100_80GB, {8: ("Standard_ND96isr_H100_v5",)}),
    },
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
}


def known_gpu_node(cloud: Cloud, node_size: NodeSize, instance_type: str | None) -> GpuTier | None:
    """The GPUs of one node of the GPU pool, or None for an `instanceType` this catalogue does not know."""
    tier = GPU_TIERS[cloud][node_size]
    if instance_type is None:
        return tier
    if instance_type.startswith(ATTACHED_GPU_FAMILIES.get(cloud, ())):
        return replace(tier, machine_type=instance_type)
    machine = GPU_MACHINES[cloud].get(instance_type)
    if machine is None:
        return None
    accelerator = GKE_ACCELERATORS[machine.gpu_model] if cloud is Cloud.GOOGLE else None
    return GpuTier(instance_type, machine.gpu_count, machine.gpu_model, accelerator)


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
}
GPU_TAINT_KEY = "nvidia.com/gpu"
# GKE taints GPU nodes itself with value "present"; using the same value avoids a second taint.
GPU_TAINT_VALUE: dict[Cloud, str] = {Cloud.AWS: "true", Cloud.GOOGLE: "present", Cloud.AZURE: "true"}

# EKS spreads the VPC over three zones; without an explicit list they are <region>a, b and c.
DEFAULT_AWS_ZONE_SUFFIXES = ("a", "b", "c")
