"""The machine catalogue: every machine type the product knows, once per cloud, with what one node of it brings.

Validation (does `gpu.instanceType` name a known GPU machine, do the models fit it), the node pools (the GPUs of a
pool) and the capacity plan (vCPUs, memory and pods of one node) all read `MACHINES`; nothing else lists machine
types. Memory is in GiB throughout: every cloud's size table used here gives whole GiB (Google and Azure write
"GB" for the same binary unit).

Also here: the accelerator vocabulary of `gpu.pools` (`Accelerator`), the smallest machine per accelerator and GPU
count (`machine_for_accelerator`), what each cloud offers (`accelerators_offered`) and how each cloud marks spot
nodes (`SPOT`). What a machine costs is in catalogue/prices.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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
    # Azure's NVads A10 v5: the A10, not AWS's A10G (a different part); 24 GB [F research/gpu-pools.md s4].
    A10 = "A10"
    # Azure's NC H100 v5 (1-2 GPUs) carry the H100 NVL, 94 GB; the 8-GPU ND H100 v5 the 80 GB SXM part (trap 3).
    H100_NVL_94GB = "H100-NVL-94GB"
    H200_141GB = "H200-141GB"
    B200 = "B200"


@dataclass(frozen=True)
class GpuFacts:
    memory_gib: int | None  # nominal (data sheet); None where no source read gives it
    bfloat16: bool  # Turing (T4) has no bfloat16 units; vLLM refuses --dtype bfloat16 there
    # What the GPU reports to the node (below the nominal figure); None where no source read gives it.
    reported_gib: float | None = None


# Nominal memory: NVIDIA data sheets of each GPU; A10, H100 NVL and H200 as research/gpu-pools.md s4 lists them.
# B200: no nominal figure per GPU was read (the research has only "~179-180 [I]"), so it is left unknown.
# Reported memory: what the device reports as its total (nvidia-smi's "MiB" total, which is what vLLM sizes
# against: torch.cuda.mem_get_info), as research/first-token.md s G collected it from many published nvidia-smi
# outputs: T4 15360, A10G 23028, L4 23034, L40S 46068, A100 40960 / 81920, H100 81559, H200 143771, B200 183359 MiB.
# Azure's A10 and the H100 NVL: no output was read, so unknown.
GPU_FACTS: dict[GpuModel, GpuFacts] = {
    GpuModel.T4: GpuFacts(16, bfloat16=False, reported_gib=15_360 / 1024),
    GpuModel.A10G: GpuFacts(24, bfloat16=True, reported_gib=23_028 / 1024),
    GpuModel.L4: GpuFacts(24, bfloat16=True, reported_gib=23_034 / 1024),
    GpuModel.L40S: GpuFacts(48, bfloat16=True, reported_gib=46_068 / 1024),
    GpuModel.A100_40GB: GpuFacts(40, bfloat16=True, reported_gib=40_960 / 1024),
    GpuModel.A100_80GB: GpuFacts(80, bfloat16=True, reported_gib=81_920 / 1024),
    GpuModel.H100_80GB: GpuFacts(80, bfloat16=True, reported_gib=81_559 / 1024),
    GpuModel.A10: GpuFacts(24, bfloat16=True),
    GpuModel.H100_NVL_94GB: GpuFacts(94, bfloat16=True),
    GpuModel.H200_141GB: GpuFacts(141, bfloat16=True, reported_gib=143_771 / 1024),
    GpuModel.B200: GpuFacts(None, bfloat16=True, reported_gib=183_359 / 1024),
}


class Accelerator(StrEnum):
    """The GPU a `gpu.pools` entry asks for, whatever the cloud calls its machines."""

    T4 = "t4"
    A10G = "a10g"
    L4 = "l4"
    L40S = "l40s"
    A100 = "a100"
    A100_80GB = "a100-80gb"
    H100 = "h100"
    H200 = "h200"
    B200 = "b200"


# The GPU models each accelerator means. `h100` is the 80 GB SXM part and, on Azure's 1-2 GPU sizes, the 94 GB
# H100 NVL: the machine's own model keeps the difference. `a10g` is AWS's A10G only: Azure's A10 is another part
# (and its 6/12/18-vCPU sizes are fractions of one), so no accelerator names it; Azure sells no a10g, l4, l40s or
# stand-alone b200 (its B200s come only as the Arm GB200), and Google no a10g or l40s [research/gpu-pools.md s1].
ACCELERATOR_MODELS: dict[Accelerator, tuple[GpuModel, ...]] = {
    Accelerator.T4: (GpuModel.T4,),
    Accelerator.A10G: (GpuModel.A10G,),
    Accelerator.L4: (GpuModel.L4,),
    Accelerator.L40S: (GpuModel.L40S,),
    Accelerator.A100: (GpuModel.A100_40GB,),
    Accelerator.A100_80GB: (GpuModel.A100_80GB,),
    Accelerator.H100: (GpuModel.H100_80GB, GpuModel.H100_NVL_94GB),
    Accelerator.H200: (GpuModel.H200_141GB,),
    Accelerator.B200: (GpuModel.B200,),
}


@dataclass(frozen=True)
class Gpus:
    """The GPUs that come with a machine type."""

    count: int
    model: GpuModel

    @property
    def memory_gib(self) -> int | None:
        """Memory of one GPU (nominal); None where unknown."""
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
    """What one node costs on demand in one region (catalogue/prices.py holds them), as one source gave it."""

    usd_per_hour: float
    source: str
    as_of: date  # the date the source's figure was current


@dataclass(frozen=True)
class Machine:
    vcpus: int
    memory_gib: int
    pods: VpcCniPods | MaxPodsSetting
    gpus: Gpus | None  # None: no GPUs of its own (GKE's N1 takes attached ones, see ATTACHED_GPU_FAMILIES)
    source: str  # where vCPUs, memory, pods and GPUs were read

    @property
    def memory_mib(self) -> int:
        return self.memory_gib * 1024

    @property
    def max_pods(self) -> int:
        """Pods one node runs: on EKS the VPC CNI's figure within the managed node group's cap, elsewhere the
        pool's setting."""
        if isinstance(self.pods, VpcCniPods):
            return min(self.pods.max_pods, managed_node_group_pod_cap(self.vcpus))
        return self.pods.max_pods


def managed_node_group_pod_cap(vcpus: int) -> int:
    """EKS managed node groups cap maxPods at 110 below 30 vCPUs and at 250 from 30, whatever the ENIs allow
    (docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html, as research/gpu-pools.md s2 read it);
    every node group of this product is a managed one."""
    return 110 if vcpus < 30 else 250


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
# Rows added with the accelerator vocabulary. p5.4xlarge, p5en.48xlarge and p6-b200.48xlarge: ENIs and IPv4 per ENI
# read in instance-info.jsonl @81fec2e itself (4x30, 4x50, 4x50: 118, 198, 198 pods, as research s2 gives).
_GCE_N1 = "vCPUs, GiB: Cyclenerd/google-cloud-pricing-cost-calculator build/gcp.yml @dac3128 (N1)"
_GCE_A3_HIGH = "vCPUs, GiB, GPUs: Cyclenerd/google-cloud-pricing-cost-calculator build/gcp.yml @dac3128 (A3 High)"
_GCE_SKY = "vCPUs, GiB, GPUs: skypilot-org/skypilot-catalog catalogs/v8/gcp/vms.csv (research/gpu-pools.md s3)"

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
        _eks(_EC2_GPU, GpuModel.H100_80GB, {"p5.4xlarge": (16, 256, 4, 30, 1), "p5.48xlarge": (192, 2048, 2, 50, 8)}),
        # p5e.48xlarge (8 H200) is left out: sold through capacity blocks only, no on-demand price (research s2, s8).
        _eks(_EC2_GPU, GpuModel.H200_141GB, {"p5en.48xlarge": (192, 2048, 4, 50, 8)}),
        _eks(_EC2_GPU, GpuModel.B200, {"p6-b200.48xlarge": (192, 2048, 4, 50, 8)}),
    ),
    Cloud.GOOGLE: _one_table(
        _fixed_pods(
            _GCE_GENERAL,
            GKE_MAX_PODS,
            None,
            {"e2-standard-2": (2, 8, 0), "e2-standard-4": (4, 16, 0), "e2-standard-16": (16, 64, 0)},
        ),
        _fixed_pods(_GCE_GENERAL, GKE_MAX_PODS, None, {"n1-standard-4": (4, 15, 0)}),
        # N1 types for 2 and 4 attached T4s (GKE_ATTACHED_T4_MACHINES below).
        _fixed_pods(_GCE_N1, GKE_MAX_PODS, None, {"n1-standard-8": (8, 30, 0), "n1-standard-16": (16, 60, 0)}),
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
        _fixed_pods(
            _GCE_A3_HIGH,
            GKE_MAX_PODS,
            GpuModel.H100_80GB,
            {"a3-highgpu-1g": (26, 234, 1), "a3-highgpu-2g": (52, 468, 2), "a3-highgpu-4g": (104, 936, 4)},
        ),
        _fixed_pods(_GCE_SKY, GKE_MAX_PODS, GpuModel.H200_141GB, {"a3-ultragpu-8g": (224, 2952, 8)}),
        _fixed_pods(_GCE_SKY, GKE_MAX_PODS, GpuModel.B200, {"a4-highgpu-8g": (224, 3968, 8)}),
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
        # Whole A10s only: NV6/12/18ads_A10_v5 carry 1/6, 1/3 and 1/2 of one and are not listed (FRACTIONAL_GPU_TYPES).
        _fixed_pods(
            _AZURE_GPU,
            AKS_MAX_PODS,
            GpuModel.A10,
            {"Standard_NV36ads_A10_v5": (36, 440, 1), "Standard_NV72ads_A10_v5": (72, 880, 2)},
        ),
        _fixed_pods(
            _AZURE_GPU,
            AKS_MAX_PODS,
            GpuModel.H100_NVL_94GB,
            {"Standard_NC40ads_H100_v5": (40, 320, 1), "Standard_NC80adis_H100_v5": (80, 640, 2)},
        ),
        _fixed_pods(_AZURE_GPU, AKS_MAX_PODS, GpuModel.H200_141GB, {"Standard_ND96isr_H200_v5": (96, 1850, 8)}),
    ),
}

# Machine types whose GPUs come with the type: what `gpu.instanceType` may name when models must fit the pool.
GPU_MACHINES: dict[Cloud, dict[str, Gpus]] = {
    cloud: {name: machine.gpus for name, machine in machines.items() if machine.gpus is not None}
    for cloud, machines in MACHINES.items()
}

# Sizes that carry a fraction of one GPU: never a pool's machine, whatever a row might say. Azure's NVads A10 v5
# below 36 vCPUs (1/6, 1/3, 1/2 of an A10) and EC2's g6f/gr6f (fractional L4; the autoscaler's table lists 0 GPUs)
# [research/gpu-pools.md s1, s2, s4]. Names, or for EC2 family prefixes.
FRACTIONAL_GPU_TYPES: dict[Cloud, tuple[str, ...]] = {
    Cloud.AWS: ("g6f.", "gr6f."),
    Cloud.AZURE: ("Standard_NV6ads_A10_v5", "Standard_NV12ads_A10_v5", "Standard_NV18ads_A10_v5"),
}


def is_fractional_gpu(cloud: Cloud, machine_type: str) -> bool:
    return machine_type.startswith(FRACTIONAL_GPU_TYPES.get(cloud, ()))


# GKE attaches T4s to N1 machines (the only vocabulary GPU it attaches; A2/A3/A4/G2 bring their own). The N1 type
# per T4 count keeps the one-T4 tier's share, 4 vCPUs and 15 GiB per GPU; counts 1, 2 and 4 as research s1 lists
# them (Google's per-count limits were not re-read there).
GKE_ATTACHED_T4_MACHINES: dict[int, str] = {1: "n1-standard-4", 2: "n1-standard-8", 4: "n1-standard-16"}


@dataclass(frozen=True)
class SpotFacts:
    """How a cloud marks its spot nodes: the label it sets, and the taint it adds (effect NoSchedule) if any."""

    label: tuple[str, str]
    taint: tuple[str, str] | None


SPOT: dict[Cloud, SpotFacts] = {
    # EKS managed node groups label every node with its capacity type (ON_DEMAND or SPOT) and taint none
    # [awsdocs amazon-eks-user-guide managed-node-groups.adoc, research/gpu-pools.md s6].
    Cloud.AWS: SpotFacts(label=("eks.amazonaws.com/capacityType", "SPOT"), taint=None),
    # GKE labels spot nodes; Standard pools get no automatic spot taint (only Autopilot's Spot Pods do)
    # [GKE concepts/spot-vms and ComputeClass docs, research s6; "no taint on Standard" is [I] there].
    Cloud.GOOGLE: SpotFacts(label=("cloud.google.com/gke-spot", "true"), taint=None),
    # AKS labels and taints every node of a Spot pool [AKS docs spot-node-pool.md (2025-04), research s6].
    Cloud.AZURE: SpotFacts(
        label=("kubernetes.azure.com/scalesetpriority", "spot"),
        taint=("kubernetes.azure.com/scalesetpriority", "spot"),
    ),
}
