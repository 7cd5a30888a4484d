"""What one node of a machine type leaves to pods: each cloud's documented reservations, and pods per node."""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.node_sizes import Cloud


@dataclass(frozen=True)
class Machine:
    vcpus: int
    memory_mib: int
    max_pods: int  # EKS: the VPC CNI limit, ENIs x (IPv4 addresses per ENI - 1) + 2; GKE/AKS: the max-pods setting


def _eks(vcpus: int, memory_gib: int, enis: int, ips_per_eni: int) -> Machine:
    return Machine(vcpus, memory_gib * 1024, enis * (ips_per_eni - 1) + 2)


GKE_MAX_PODS = 110  # GKE Standard's default max pods per node (no max_pods_per_node is set)
AKS_MAX_PODS = 110  # constructs/azure/node_pools.py MAX_PODS, set on every AKS pool

# vCPUs and memory: each cloud's machine type tables. EKS pods per node: VPC CNI without prefix delegation, ENIs and
# IPv4 per ENI from the EC2 "IP addresses per network interface per instance type" table, as
# amazon-vpc-cni-k8s misc/eni-max-pods.txt lists them (t3.small 11, t3.medium 17, g5.xlarge 58, ...).
MACHINES: dict[Cloud, dict[str, Machine]] = {
    Cloud.AWS: {
        "t3.small": _eks(2, 2, 3, 4),
        "t3.medium": _eks(2, 4, 3, 6),
        "t3.large": _eks(2, 8, 3, 12),
        "t3.xlarge": _eks(4, 16, 4, 15),
        "g4dn.xlarge": _eks(4, 16, 3, 10),
        "g5.xlarge": _eks(4, 16, 4, 15),
        "g5.2xlarge": _eks(8, 32, 4, 15),
        "g5.12xlarge": _eks(48, 192, 15, 50),
        "g5.48xlarge": _eks(192, 768, 7, 50),
        "g6.xlarge": _eks(4, 16, 4, 15),
        "p4d.24xlarge": _eks(96, 1152, 15, 50),
    },
    Cloud.GOOGLE: {
        "e2-standard-2": Machine(2, 8 * 1024, GKE_MAX_PODS),
        "e2-standard-4": Machine(4, 16 * 1024, GKE_MAX_PODS),
        "e2-standard-16": Machine(16, 64 * 1024, GKE_MAX_PODS),
        "n1-standard-4": Machine(4, 15 * 1024, GKE_MAX_PODS),
        "g2-standard-4": Machine(4, 16 * 1024, GKE_MAX_PODS),
        "a2-highgpu-1g": Machine(12, 85 * 1024, GKE_MAX_PODS),
        "a2-highgpu-4g": Machine(48, 340 * 1024, GKE_MAX_PODS),
        "a2-highgpu-8g": Machine(96, 680 * 1024, GKE_MAX_PODS),
    },
    Cloud.AZURE: {
        "Standard_D2_v2": Machine(2, 7 * 1024, AKS_MAX_PODS),
        "Standard_D3_v2": Machine(4, 14 * 1024, AKS_MAX_PODS),
        "Standard_D4_v2": Machine(8, 28 * 1024, AKS_MAX_PODS),
        "Standard_NC4as_T4_v3": Machine(4, 28 * 1024, AKS_MAX_PODS),
        "Standard_NC64as_T4_v3": Machine(64, 440 * 1024, AKS_MAX_PODS),
        "Standard_ND96asr_v4": Machine(96, 900 * 1024, AKS_MAX_PODS),
    },
}

# The kernel and firmware keep part of the nominal memory before the kubelet sees it (a t3.small reports ~1.9 of
# 2 GiB); research/rendering.md measured t3.small allocatable at 1.4-1.5 GiB, which this share reproduces.
KERNEL_MEMORY_SHARE = 0.05
EVICTION_MEMORY_MIB = 100  # memory.available hard eviction threshold, the same on all three clouds


def _tiered_cpu_reserve_m(vcpus: int) -> int:
    """EKS and GKE: 6% of the first core, 1% of the second, 0.5% of cores 3-4, 0.25% of the rest."""
    millicores = [60, 10, 5, 5] + [2.5] * max(0, vcpus - 4)
    return round(sum(millicores[:vcpus]))


# AKS: kube-reserved CPU by core count (learn.microsoft.com/azure/aks/node-resource-reservations).
AKS_CPU_RESERVE_M = {1: 60, 2: 100, 4: 140, 8: 180, 16: 260, 32: 420, 64: 740}


def _gke_memory_reserve_mib(memory_mib: int) -> float:
    """cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes: 25% of the first 4 GiB, 20% of the next 4,
    10% of the next 8, 6% of the next 112, 2% above 128 GiB."""
    tiers = [(4096, 0.25), (4096, 0.20), (8192, 0.10), (114688, 0.06), (float("inf"), 0.02)]
    reserved, left = 0.0, float(memory_mib)
    for size, share in tiers:
        part = min(left, size)
        reserved, left = reserved + part * share, left - part
    return reserved


@dataclass(frozen=True)
class Allocatable:
    cpu_m: int
    memory_mi: int
    pods: int


def allocatable(cloud: Cloud, machine: Machine) -> Allocatable:
    """What the scheduler may place on one node of `machine` (each cloud's documented reservations)."""
    memory: float
    if cloud is Cloud.AWS:  # EKS AMI: kube-reserved memory 255 MiB + 11 MiB per pod
        cpu, memory = _tiered_cpu_reserve_m(machine.vcpus), 255 + 11 * machine.max_pods
    elif cloud is Cloud.GOOGLE:
        cpu, memory = _tiered_cpu_reserve_m(machine.vcpus), _gke_memory_reserve_mib(machine.memory_mib)
    else:  # AKS 1.29+: 20 MiB per pod + 50 MiB, at most 25% of memory
        cores = max(core for core in AKS_CPU_RESERVE_M if core <= machine.vcpus)
        cpu, memory = AKS_CPU_RESERVE_M[cores], min(20 * machine.max_pods + 50, machine.memory_mib / 4)
    capacity_mi = machine.memory_mib * (1 - KERNEL_MEMORY_SHARE)
    return Allocatable(
        cpu_m=machine.vcpus * 1000 - cpu,
        memory_mi=int(capacity_mi - memory - EVICTION_MEMORY_MIB),
        pods=machine.max_pods,
    )


def node_allocatable(cloud: Cloud, machine_type: str) -> Allocatable | None:
    """What one node of `machine_type` offers pods; None where the machine table does not know the type."""
    machine = MACHINES[cloud].get(machine_type)
    return allocatable(cloud, machine) if machine else None
