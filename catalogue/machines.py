"""The machine catalogue: every machine type the product knows, once per cloud, with what one node of it brings.

Validation (does `gpu.instanceType` name a known GPU machine, do the models fit it), the node pools (the GPUs of a
pool) and the capacity plan (vCPUs, memory and pods of one node) all read `MACHINES`; nothing else lists machine
types. Memory is in GiB throughout: every cloud's size table used here gives whole GiB (Google and Azure write
"GB" for the same binary unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
class Gpus:
    """The GPUs that come with a machine type."""

    count: int
    model: GpuModel

    @property
    def memory_gib(self) -> int:
        """Memory of one GPU."""
        return GPU_FACTS[self.model].memory_gib


@dataclass(frozen=True)
class VpcCniPods:
    """EKS pods per node with the VPC CNI and no prefix delegation: a limit of the machine's network interfaces."""

    enis: int
    ipv4_per_eni: int

    @property
    def max_pods(self) -> int:
        # Each ENI's first address is its own, not a pod's; + 2 for aws-node and kube-proxy on the host network.
        return self.enis * (self.ipv4_per_eni - 1) + 2


@dataclass(frozen=True)
class MaxPodsSetting:
    """GKE and AKS pods per node: the pool's max-pods setting, not a limit of the machine."""

    max_pods: int


GKE_MAX_PODS = MaxPodsSetting(110)  # GKE Standard's default max pods per node (no max_pods_per_node is set)
AKS_MAX_PODS = MaxPodsSetting(110)  # constructs/azure/node_pools.py MAX_PODS, set on every AKS pool


@dataclass(frozen=True)
class Price:
    """What one node costs on demand in one region, as one source gave it on one date."""

    region: str
    usd_per_hour: float
    source: str
    date: str  # ISO 8601 date the source's figure was current


@dataclass(frozen=True)
class Machine:
    vcpus: int
    memory_gib: int
    pods: VpcCniPods | MaxPodsSetting
    gpus: Gpus | None  # None: no GPUs of its own (GKE's N1 takes attached ones, see ATTACHED_GPU_FAMILIES)
    source: str  # where vCPUs, memory, pods and GPUs were read
    # None until priced: prices come later, USD/hour per region, each with its source and date.
    prices: tuple[Price, ...] | None = None

    @property
    def memory_mib(self) -> int:
        return self.memory_gib * 1024

    @property
    def max_pods(self) -> int:
        return self.pods.max_pods


def _eks(
    source: str, gpu_model: GpuModel | None, rows: dict[str, tuple[int, int, int, int, int]]
) -> dict[str, Machine]:
    """One EC2 family; each row is `name: (vCPUs, GiB, ENIs, IPv4 per ENI, GPUs)`."""
    return {
        name: Machine(vcpus, gib, VpcCniPods(enis, ipv4), Gpus(count, gpu_model) if gpu_model else None, source)
        for name, (vcpus, gib, enis, ipv4, count) in rows.items()
    }


def _fixed_pods(
    source: str, pods: MaxPodsSetting, gpu_model: GpuModel | None, rows: dict[str, tuple[int, int, int]]
) -> dict[str, Machine]:
    """One GKE or AKS family; each row is `name: (vCPUs, GiB, GPUs)`."""
    return {
        name: Machine(vcpus, gib, pods, Gpus(count, gpu_model) if gpu_model else None, source)
        for name, (vcpus, gib, count) in rows.items()
    }


def _one_table(*families: dict[str, Machine]) -> dict[str, Machine]:
    """One cloud's families merged; a type named twice would silently take the later row, so it is refused."""
    table: dict[str, Machine] = {}
    for family in families:
        if repeated := table.keys() & family.keys():
            raise ValueError(f"machine types listed twice: {sorted(repeated)}")
        table.update(family)
    return table


# Where each family's figures were read (research/ is ../shared/reference/research). EC2 ENIs and IPv4 per ENI are
# the EC2 API's as awslabs/amazon-eks-ami lists them; for multi-card types (p5) card 0's, the only card the CNI uses.
_ENIS = "ENIs, IPv4 per ENI: awslabs/amazon-eks-ami nodeadm/internal/kubelet/instance-info.jsonl @81fec2e"
_EC2_T3 = f"vCPUs, GiB: EC2 burstable instance table; {_ENIS}"
_EC2_GPU = f"vCPUs, GiB, GPUs: kubernetes/autoscaler ec2_instance_types.go (research/gpu-pools.md s2); {_ENIS}"
_GCE_GENERAL = "vCPUs, GiB: Compute Engine general-purpose machine types (E2, N1)"
_GCE_GPU = "vCPUs, GiB, GPUs: Cloud Billing Catalog via Cyclenerd pricing.yml @fd66b26 (research/gpu-pools.md s3)"
_AZURE_GENERAL = "vCPUs, GiB: Azure Dv2-series sizes"
_AZURE_GPU = "vCPUs, GiB, GPUs: MicrosoftDocs/azure-compute-docs sizes/gpu-accelerated (research/gpu-pools.md s4)"

MACHINES: dict[Cloud, dict[str, Machine]] = {
    Cloud.AWS: _one_table(
        _eks(
            _EC2_T3,
            None,
            {
                "t3.small": (2, 2, 3, 4, 0),
                "t3.medium": (2, 4, 3, 6, 0),
                "t3.large": (2, 8, 3, 12, 0),
                "t3.xlarge": (4, 16, 4, 15, 0),
            },
        ),
        _eks(
            _EC2_GPU,
            GpuModel.T4,
            {
                "g4dn.xlarge": (4, 16, 3, 10, 1),
                "g4dn.2xlarge": (8, 32, 3, 10, 1),
                "g4dn.4xlarge": (16, 64, 3, 10, 1),
                "g4dn.8xlarge": (32, 128, 4, 15, 1),
                "g4dn.16xlarge": (64, 256, 4, 15, 1),
                "g4dn.12xlarge": (48, 192, 8, 30, 4),
                "g4dn.metal": (96, 384, 15, 50, 8),
            },
        ),
        _eks(
            _EC2_GPU,
            GpuModel.A10G,
            {
                "g5.xlarge": (4, 16, 4, 15, 1),
                "g5.2xlarge": (8, 32, 4, 15, 1),
                "g5.4xlarge": (16, 64, 8, 30, 1),
                "g5.8xlarge": (32, 128, 8, 30, 1),
                "g5.16xlarge": (64, 256, 8, 30, 1),
                "g5.12xlarge": (48, 192, 15, 50, 4),
                "g5.24xlarge": (96, 384, 15, 50, 4),
                "g5.48xlarge": (192, 768, 7, 50, 8),
            },
        ),
        _eks(
            _EC2_GPU,
            GpuModel.L4,
            {
                "g6.xlarge": (4, 16, 4, 15, 1),
                "g6.2xlarge": (8, 32, 4, 15, 1),
                "g6.4xlarge": (16, 64, 8, 30, 1),
                "g6.8xlarge": (32, 128, 8, 30, 1),
                "g6.16xlarge": (64, 256, 15, 50, 1),
                "g6.12xlarge": (48, 192, 8, 30, 4),
                "g6.24xlarge": (96, 384, 15, 50, 4),
                "g6.48xlarge": (192, 768, 15, 50, 8),
            },
        ),
        _eks(
            _EC2_GPU,
            GpuModel.L40S,
            {
                "g6e.xlarge": (4, 32, 4, 15, 1),
                "g6e.2xlarge": (8, 64, 4, 15, 1),
                "g6e.4xlarge": (16, 128, 8, 30, 1),
                "g6e.8xlarge": (32, 256, 8, 30, 1),
                "g6e.16xlarge": (64, 512, 15, 50, 1),
                "g6e.12xlarge": (48, 384, 10, 30, 4),
                "g6e.24xlarge": (96, 768, 10, 50, 4),
                "g6e.48xlarge": (192, 1536, 10, 50, 8),
            },
        ),
        _eks(_EC2_GPU, GpuModel.A100_40GB, {"p4d.24xlarge": (96, 1152, 15, 50, 8)}),
        _eks(_EC2_GPU, GpuModel.A100_80GB, {"p4de.24xlarge": (96, 1152, 15, 50, 8)}),
        _eks(_EC2_GPU, GpuModel.H100_80GB, {"p5.48xlarge": (192, 2048, 2, 50, 8)}),
    ),
    Cloud.GOOGLE: _one_table(
        _fixed_pods(
            _GCE_GENERAL,
            GKE_MAX_PODS,
            None,
            {"e2-standard-2": (2, 8, 0), "e2-standard-4": (4, 16, 0), "e2-standard-16": (16, 64, 0)},
        ),
        _fixed_pods(_GCE_GENERAL, GKE_MAX_PODS, None, {"n1-standard-4": (4, 15, 0)}),
        _fixed_pods(
            _GCE_GPU,
            GKE_MAX_PODS,
            GpuModel.A100_40GB,
            {
                "a2-highgpu-1g": (12, 85, 1),
                "a2-highgpu-2g": (24, 170, 2),
                "a2-highgpu-4g": (48, 340, 4),
                "a2-highgpu-8g": (96, 680, 8),
                "a2-megagpu-16g": (96, 1360, 16),
            },
        ),
        _fixed_pods(
            _GCE_GPU,
            GKE_MAX_PODS,
            GpuModel.A100_80GB,
            {
                "a2-ultragpu-1g": (12, 170, 1),
                "a2-ultragpu-2g": (24, 340, 2),
                "a2-ultragpu-4g": (48, 680, 4),
                "a2-ultragpu-8g": (96, 1360, 8),
            },
        ),
        _fixed_pods(
            _GCE_GPU,
            GKE_MAX_PODS,
            GpuModel.L4,
            {
                "g2-standard-4": (4, 16, 1),
                "g2-standard-8": (8, 32, 1),
                "g2-standard-12": (12, 48, 1),
                "g2-standard-16": (16, 64, 1),
                "g2-standard-32": (32, 128, 1),
                "g2-standard-24": (24, 96, 2),
                "g2-standard-48": (48, 192, 4),
                "g2-standard-96": (96, 384, 8),
            },
        ),
        _fixed_pods(_GCE_GPU, GKE_MAX_PODS, GpuModel.H100_80GB, {"a3-highgpu-8g": (208, 1872, 8)}),
    ),
    Cloud.AZURE: _one_table(
        _fixed_pods(
            _AZURE_GENERAL,
            AKS_MAX_PODS,
            None,
            {"Standard_D2_v2": (2, 7, 0), "Standard_D3_v2": (4, 14, 0), "Standard_D4_v2": (8, 28, 0)},
        ),
        _fixed_pods(
            _AZURE_GPU,
            AKS_MAX_PODS,
            GpuModel.T4,
            {
                "Standard_NC4as_T4_v3": (4, 28, 1),
                "Standard_NC8as_T4_v3": (8, 56, 1),
                "Standard_NC16as_T4_v3": (16, 110, 1),
                "Standard_NC64as_T4_v3": (64, 440, 4),
            },
        ),
        _fixed_pods(
            _AZURE_GPU,
            AKS_MAX_PODS,
            GpuModel.A100_80GB,
            {
                "Standard_NC24ads_A100_v4": (24, 220, 1),
                "Standard_NC48ads_A100_v4": (48, 440, 2),
                "Standard_NC96ads_A100_v4": (96, 880, 4),
                "Standard_ND96amsr_A100_v4": (96, 1900, 8),
            },
        ),
        _fixed_pods(_AZURE_GPU, AKS_MAX_PODS, GpuModel.A100_40GB, {"Standard_ND96asr_v4": (96, 900, 8)}),
        _fixed_pods(_AZURE_GPU, AKS_MAX_PODS, GpuModel.H100_80GB, {"Standard_ND96isr_H100_v5": (96, 1900, 8)}),
    ),
}

# Machine types whose GPUs come with the type: what `gpu.instanceType` may name when models must fit the pool.
GPU_MACHINES: dict[Cloud, dict[str, Gpus]] = {
    cloud: {name: machine.gpus for name, machine in machines.items() if machine.gpus is not None}
    for cloud, machines in MACHINES.items()
}
