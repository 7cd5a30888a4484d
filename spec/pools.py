"""Cloud-neutral node pool specs, derived from an environment, the catalogue and the driver ownership table.

Each cloud's node pool construct turns one `NodePoolSpec` into its own resource; none of them looks
anything up in the catalogue itself.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field, replace
from enum import StrEnum

from catalogue.accelerators import accelerators_offered, machine_for_accelerator
from catalogue.gpu_drivers import GpuSoftwareOwners, gpu_software_owners
from catalogue.machines import GPU_MACHINES, SPOT
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
    NodeSize,
    known_gpu_node,
)
from spec.environment import Environment
from spec.gpu import GpuPoolSpec
from spec.problems import FieldProblem

# Every node of a `gpu.pools` entry carries its pool's name, which engines select (the single pool `gpu` does not:
# its nodes keep the labels they were created with).
POOL_LABEL = "gpu-pool"


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
    spot: bool = False  # spot (preemptible) capacity: cheaper, reclaimed by the cloud at short notice
    share: NodeSize = "small"  # the size whose per-GPU CPU and memory an engine asks for by default


# Hex digits of the hash that ends a pool's name: enough to differ from the pool it replaces, short enough for
# AKS's 12-character pool names.
REPLACEMENT_SUFFIX_LENGTH = 6


def gpu_pool_taints(environment: Environment, *, beyond_gpu: bool = False) -> list[Taint]:
    """Every taint some GPU pool carries, each once (what a DaemonSet for every GPU node must tolerate)."""
    gpu_taint = Taint(GPU_TAINT_KEY, GPU_TAINT_VALUE[environment.cloud])
    taints = dict.fromkeys(taint for pool in node_pools(environment) if pool.gpu for taint in pool.taints)
    return [taint for taint in taints if not (beyond_gpu and taint == gpu_taint)]


def pool_selector(pool: NodePoolSpec) -> dict[str, str]:
    """The labels that pick this pool's nodes: the GPU label, and the pool's name where its nodes carry it."""
    label_key, label_value = GPU_NODE_LABEL
    own = {POOL_LABEL: pool.labels[POOL_LABEL]} if POOL_LABEL in pool.labels else {}
    return {label_key: label_value, **own}


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
    return [system_pool(environment), *([gpu] if gpu else []), *listed_gpu_pools(environment)]


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
    """The one pool `gpu` of a file without `gpu.pools` (its addresses and names predate the list)."""
    spec = environment.gpu
    if not spec.enabled or spec.pools is not None:
        return None
    tier = gpu_node_shape(environment)
    return _gpu_pool(
        environment,
        name="gpu",
        fields=PoolFields(
            size="gpu.nodeSize", min_nodes="gpu.minNodeCount", max_nodes="gpu.maxNodeCount", zones="gpu.zones"
        ),
        tier=tier,
        min_nodes=spec.min_node_count,
        max_nodes=spec.max_node_count,
        zones=_gpu_zones(environment, tier, spec.zones),
        scale_down_after_minutes=spec.scale_down_after_minutes,
        share=spec.node_size,
    )


def listed_gpu_pools(environment: Environment) -> list[NodePoolSpec]:
    """The pools of `gpu.pools`, each labelled with its name so a workload can choose it; a pool whose machine the
    catalogue cannot name is left out (the loader refuses the file: `pool_problems`)."""
    pools = []
    for index, pool in enumerate(environment.gpu.pools or []):
        tier = listed_pool_tier(environment, pool)
        if tier is None:
            continue
        where = f"gpu.pools.{index}"
        shape = "accelerator" if pool.accelerator else "instanceType" if pool.instance_type else "nodeSize"
        spot = pool.capacity == "spot"
        pools.append(
            _gpu_pool(
                environment,
                name=pool.name,
                fields=PoolFields(
                    size=f"{where}.{shape}",
                    min_nodes=f"{where}.minNodeCount",
                    max_nodes=f"{where}.maxNodeCount",
                    zones=f"{where}.zones",
                ),
                tier=tier,
                min_nodes=pool.min_node_count,
                max_nodes=pool.max_node_count,
                zones=_gpu_zones(environment, tier, pool.zones),
                scale_down_after_minutes=pool.scale_down_after_minutes or environment.gpu.scale_down_after_minutes,
                share=pool.node_size or "small",
                # No spot label: every cloud labels its spot nodes itself, and EKS refuses labels under its prefix.
                extra_labels={POOL_LABEL: pool.name},
                extra_taints=_spot_taints(environment.cloud) if spot else (),
                spot=spot,
            )
        )
    return pools


def listed_pool_tier(environment: Environment, pool: GpuPoolSpec) -> GpuTier | None:
    """The machine of a `gpu.pools` entry: by accelerator, named type, or size tier; None where none fits."""
    cloud = environment.cloud
    if pool.accelerator is not None:
        return machine_for_accelerator(cloud, pool.accelerator, pool.gpus_per_node or 1)
    if pool.instance_type is not None:
        return known_gpu_node(cloud, "small", pool.instance_type)
    return GPU_TIERS[cloud][pool.node_size or "small"]


def _spot_taints(cloud: Cloud) -> tuple[Taint, ...]:
    taint = SPOT[cloud].taint
    return (Taint(*taint),) if taint else ()


def _gpu_pool(
    environment: Environment,
    *,
    name: str,
    fields: PoolFields,
    tier: GpuTier,
    min_nodes: int,
    max_nodes: int,
    zones: tuple[str, ...] | None,
    scale_down_after_minutes: int,
    share: NodeSize,
    extra_labels: dict[str, str] | None = None,
    extra_taints: tuple[Taint, ...] = (),
    spot: bool = False,
) -> NodePoolSpec:
    owners = gpu_software_owners(environment.cloud, gpu_operator=environment.apps.nvidia.enabled)
    label_key, label_value = GPU_NODE_LABEL
    labels = {label_key: label_value}
    if environment.cloud is Cloud.AWS:  # GKE and AKS label GPU nodes for their autoscaler themselves
        labels[AWS_ACCELERATOR_LABEL] = AWS_ACCELERATOR_VALUES[tier.gpu_model]
    return NodePoolSpec(
        name=name,
        role=PoolRole.GPU,
        fields=fields,
        machine_type=tier.machine_type,
        min_nodes=min_nodes,
        max_nodes=max_nodes,
        disk_gib=NODE_DISK_GIB["gpu"],
        labels={**labels, **(extra_labels or {})},
        taints=(Taint(GPU_TAINT_KEY, GPU_TAINT_VALUE[environment.cloud]), *extra_taints),
        gpu=GpuSettings(tier=tier, owners=owners),
        zones=zones,
        scale_down_after_minutes=scale_down_after_minutes,
        spot=spot,
        share=share,
    )


def gpu_node_shape(environment: Environment) -> GpuTier:
    """The GPUs of one GPU node: the catalogue's, or for an unknown `instanceType` the tier's (an assumption)."""
    spec = environment.gpu
    known = known_gpu_node(environment.cloud, spec.node_size, spec.instance_type)
    # apps/vllm/serving.py refuses an unknown instanceType when models must fit; without models the tier's GPUs are
    # assumed, as before the catalogue knew machine types.
    return known or replace(GPU_TIERS[environment.cloud][spec.node_size], machine_type=str(spec.instance_type))


def _gpu_zones(environment: Environment, tier: GpuTier, given: list[str] | None) -> tuple[str, ...] | None:
    if given is not None:
        return tuple(given)
    if tier.accelerator is None:  # the GPU comes with the machine type; the cloud picks zones that have it
        return None
    known = GKE_GPU_ZONES.get((environment.resolved_region, tier.accelerator))
    return tuple(known) if known else None


def pool_problems(environment: Environment) -> list[FieldProblem]:
    """Every `gpu.pools` entry the environment's cloud cannot build, each naming the field and what the cloud has."""
    problems = []
    cloud = environment.cloud
    offered = accelerators_offered(cloud)
    for index, pool in enumerate(environment.gpu.pools or []):
        where = f"gpu.pools.{index}"
        if pool.accelerator is not None and pool.accelerator not in offered:
            choices = "; ".join(f"{name} ({', '.join(map(str, counts))} per node)" for name, counts in offered.items())
            problems.append(
                FieldProblem(f"{where}.accelerator", f"{cloud} sells no {pool.accelerator} GPUs; it offers {choices}")
            )
        elif pool.accelerator is not None and listed_pool_tier(environment, pool) is None:
            counts = ", ".join(map(str, offered[pool.accelerator]))
            problems.append(
                FieldProblem(
                    f"{where}.gpusPerNode",
                    f"{cloud} has no machine with {pool.gpus_per_node} {pool.accelerator} GPUs; "
                    f"it has {counts} per node",
                )
            )
        elif pool.instance_type is not None and listed_pool_tier(environment, pool) is None:
            known = sorted(GPU_MACHINES[cloud])
            close = difflib.get_close_matches(pool.instance_type, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; {len(known)} {cloud} GPU types are known"
            problems.append(
                FieldProblem(
                    f"{where}.instanceType",
                    f"{pool.instance_type!r} is not a GPU machine type of the catalogue, so its GPUs are unknown{hint}",
                )
            )
    return problems
