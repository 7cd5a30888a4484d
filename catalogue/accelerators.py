"""Which machine carries a pool's accelerator and GPU count on each cloud, and what each cloud offers.

Reads the machine table, the node sizes (GKE's accelerator strings, default regions) and the prices (a tie between
two equally sized machines goes to the cheaper), so it sits above all three.
"""

from __future__ import annotations

import math

from catalogue.machines import (
    ACCELERATOR_MODELS,
    GKE_ATTACHED_T4_MACHINES,
    GPU_MACHINES,
    MACHINES,
    Accelerator,
    Cloud,
    GpuModel,
    Gpus,
    is_fractional_gpu,
)
from catalogue.node_sizes import DEFAULT_REGIONS, GKE_ACCELERATORS, GpuTier
from catalogue.prices import price_per_hour


def _accelerator_of(model: GpuModel) -> Accelerator | None:
    return next((accelerator for accelerator, models in ACCELERATOR_MODELS.items() if model in models), None)


def _whole_gpu_machines(cloud: Cloud) -> dict[str, Gpus]:
    return {name: gpus for name, gpus in GPU_MACHINES[cloud].items() if not is_fractional_gpu(cloud, name)}


def machine_for_accelerator(cloud: Cloud, accelerator: Accelerator, gpus_per_node: int) -> GpuTier | None:
    """The smallest machine type of `cloud` (fewest vCPUs, then GiB, then on-demand price in the cloud's default
    region) that carries exactly `gpus_per_node` whole GPUs of `accelerator`; None where the cloud has none."""
    if cloud is Cloud.GOOGLE and accelerator is Accelerator.T4:
        machine_type = GKE_ATTACHED_T4_MACHINES.get(gpus_per_node)
        if machine_type is None:
            return None
        return GpuTier(machine_type, gpus_per_node, GpuModel.T4, GKE_ACCELERATORS[GpuModel.T4])
    fits = [
        name
        for name, gpus in _whole_gpu_machines(cloud).items()
        if gpus.count == gpus_per_node and gpus.model in ACCELERATOR_MODELS[accelerator]
    ]

    def size(name: str) -> tuple[int, int, float, str]:
        machine = MACHINES[cloud][name]
        price = price_per_hour(cloud, name, DEFAULT_REGIONS[cloud])
        return (machine.vcpus, machine.memory_gib, price.usd_per_hour if price else math.inf, name)

    if not fits:
        return None
    smallest = min(fits, key=size)
    model = GPU_MACHINES[cloud][smallest].model
    return GpuTier(smallest, gpus_per_node, model, GKE_ACCELERATORS[model] if cloud is Cloud.GOOGLE else None)


def accelerators_offered(cloud: Cloud) -> dict[Accelerator, tuple[int, ...]]:
    """Each accelerator `cloud` sells, with the whole-GPU counts per node it has machine types for (ascending)."""
    counts: dict[Accelerator, set[int]] = {}
    for gpus in _whole_gpu_machines(cloud).values():
        accelerator = _accelerator_of(gpus.model)
        if accelerator is not None:
            counts.setdefault(accelerator, set()).add(gpus.count)
    if cloud is Cloud.GOOGLE:
        counts.setdefault(Accelerator.T4, set()).update(GKE_ATTACHED_T4_MACHINES)
    return {accelerator: tuple(sorted(counts[accelerator])) for accelerator in Accelerator if accelerator in counts}
