"""What one node of a machine type leaves to pods: each cloud's documented reservations.

The machine itself (vCPUs, memory, pods per node) comes from catalogue/machines.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.machines import MACHINES, Cloud, Machine

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
    """What one node of `machine_type` offers pods; None where the machine catalogue does not know the type."""
    machine = MACHINES[cloud].get(machine_type)
    return allocatable(cloud, machine) if machine else None
