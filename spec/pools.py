"""Cloud-neutral node pool specs, derived from an environment, the catalogue and the driver ownership table.

Each cloud's node pool construct turns one `NodePoolSpec` into its own resource; none of them looks
anything up in the catalogue itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from enum import StrEnum

from catalogue.gpu_drivers import GpuSoftwareOwners, gpu_software_owners
from catalogue.node_sizes import (
    AWS_ACCELERATOR_LABEL,
    AWS_ACCELERATOR_VALUES,
    GKE_GPU_ZONES,
    GPU_NODE_LABEL,
    GPU_TAINT_KEY,
    GPU_TAINT_VALUE,
    GPU_TIERS,
    NODE_DISK_GIB,
    SYSTEM_MACHINE_TYPES,
    Cloud,
    GpuTier,
    known_gpu_node,
)
from spec.environment import Environment


@dataclass(frozen=True)
class Taint:
    key: str
    value: str  # effect is always NoSchedule: GPU nodes refuse pods that do not ask for them


@dataclass(frozen=True)
class GpuSettings:
    tier: GpuTier
    owners: GpuSoftwareOwners


class PoolRole(StrEnum):
    """What a pool is for; consumers decide by role, never by a pool's name."""

    SYSTEM = "system"  # untainted: every pod that asks for no GPU
    GPU = "gpu"  # tainted: only pods that tolerate the GPU taint


@dataclass(frozen=True)
class PoolFields:
    """Where the environment file sets a pool (errors and warnings name these fields)."""

    size: str
    min_nodes: str
    max_nodes: str
    zones: str | None = None


@dataclass(frozen=True)
class NodePoolSpec:
    name: str
    role: PoolRole
    fields: PoolFields
    machine_type: str
    min_nodes: int
    max_nodes: int
    disk_gib: int
    labels: dict[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    gpu: GpuSettings | None = None
    zones: tuple[str, ...] | None = None  # None: wherever the cloud places the pool by default
    scale_down_after_minutes: int | None = None  # None: the autoscaler's default idle time


# Hex digits of the hash that ends a pool's name: enough to differ from the pool it replaces, short enough for
# AKS's 12-character pool names.
REPLACEMENT_SUFFIX_LENGTH = 6


def replaceable_name(base: str, *forcing: object, separator: str = "-") -> str:
    """`base` plus a stable hash of the inputs that force the cloud to replace the pool.

    A change to one of them gives the new pool a new name, so it can be created before the old one is deleted
    (create_before_destroy) instead of colliding with it; any other change keeps the name and updates in place.
    """
    text = json.dumps(forcing, sort_keys=True, default=str)
    return f"{base}{separator}{hashlib.sha256(text.encode()).hexdigest()[:REPLACEMENT_SUFFIX_LENGTH]}"


def node_pools(environment: Environment) -> list[NodePoolSpec]:
    """Every node pool of the environment, the system pool first: the one list clouds, plan and checks iterate."""
    gpu = gpu_pool(environment)
    return [system_pool(environment), *([gpu] if gpu else [])]


def system_pool(environment: Environment) -> NodePoolSpec:
    return NodePoolSpec(
        name="system",
        role=PoolRole.SYSTEM,
        fields=PoolFields(size="nodeSize", min_nodes="minNodeCount", max_nodes="maxNodeCount"),
        machine_type=SYSTEM_MACHINE_TYPES[environment.cloud][environment.node_size],
        min_nodes=environment.min_node_count,
        max_nodes=environment.max_node_count,
        disk_gib=NODE_DISK_GIB["system"],
    )


def gpu_pool(environment: Environment) -> NodePoolSpec | None:
    spec = environment.gpu
    if not spec.enabled:
        return None
    tier = gpu_node_shape(environment)
    owners = gpu_software_owners(environment.cloud, gpu_operator=environment.apps.nvidia.enabled)
    label_key, label_value = GPU_NODE_LABEL
    labels = {label_key: label_value}
    if environment.cloud is Cloud.AWS:  # GKE and AKS label GPU nodes for their autoscaler themselves
        labels[AWS_ACCELERATOR_LABEL] = AWS_ACCELERATOR_VALUES[tier.gpu_model]
    return NodePoolSpec(
        name="gpu",
        role=PoolRole.GPU,
        fields=PoolFields(
            size="gpu.nodeSize", min_nodes="gpu.minNodeCount", max_nodes="gpu.maxNodeCount", zones="gpu.zones"
        ),
        machine_type=tier.machine_type,
        min_nodes=spec.min_node_count,
        max_nodes=spec.max_node_count,
        disk_gib=NODE_DISK_GIB["gpu"],
        labels=labels,
        taints=(Taint(GPU_TAINT_KEY, GPU_TAINT_VALUE[environment.cloud]),),
        gpu=GpuSettings(tier=tier, owners=owners),
        zones=_gpu_zones(environment, tier),
        scale_down_after_minutes=spec.scale_down_after_minutes,
    )


def gpu_node_shape(environment: Environment) -> GpuTier:
    """The GPUs of one GPU node: the catalogue's, or for an unknown `instanceType` the tier's (an assumption)."""
    spec = environment.gpu
    known = known_gpu_node(environment.cloud, spec.node_size, spec.instance_type)
    # apps/vllm/serving.py refuses an unknown instanceType when models must fit; without models the tier's GPUs are
    # assumed, as before the catalogue knew machine types.
    return known or replace(GPU_TIERS[environment.cloud][spec.node_size], machine_type=str(spec.instance_type))


def _gpu_zones(environment: Environment, tier: GpuTier) -> tuple[str, ...] | None:
    if environment.gpu.zones is not None:
        return tuple(environment.gpu.zones)
    if tier.accelerator is None:  # the GPU comes with the machine type; the cloud picks zones that have it
        return None
    known = GKE_GPU_ZONES.get((environment.resolved_region, tier.accelerator))
    return tuple(known) if known else None
