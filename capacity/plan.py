"""Who scales each cloud's node pools, whether the environment can be scaled as written, and whether it fits.

Errors are checked by the loader (so they name the file and field); the plan itself is shown by the cluster stack
(one info annotation per pool, a warning where the autoscaler must add nodes, and the `capacity_plan` output).
"""

from __future__ import annotations

from dataclasses import dataclass

from apps import enabled_apps
from apps.cluster_autoscaler import IMAGE_TAGS
from apps.declaration import Lands, Workload
from capacity.reservations import Allocatable, node_allocatable
from capacity.system_pods import CLOUD_SYSTEM_PODS
from catalogue.node_sizes import Cloud
from spec.environment import Environment
from spec.pools import NodePoolSpec, PoolFields, node_pools
from spec.problems import FieldProblem

# GKE has no per-pool idle time (constructs/google/cluster.py AUTOSCALING_PROFILE): only its own value is true.
GKE_SCALE_DOWN_MINUTES = 10


def scaling_problems(environment: Environment) -> list[FieldProblem]:
    problems = []
    if environment.cloud is Cloud.AWS and environment.version not in IMAGE_TAGS:
        problems.append(
            FieldProblem(
                "version",
                f"no Cluster Autoscaler image is pinned for Kubernetes {environment.version} on EKS "
                f"(apps/cluster_autoscaler knows {', '.join(IMAGE_TAGS)}), so nothing would resize the node "
                "groups; use one of those",
            )
        )
    gpu = environment.gpu
    idle_times = [("gpu.scaleDownAfterMinutes", gpu.scale_down_after_minutes)]
    idle_times += [
        (f"gpu.pools.{index}.scaleDownAfterMinutes", pool.scale_down_after_minutes)
        for index, pool in enumerate(gpu.pools or [])
        if pool.scale_down_after_minutes is not None
    ]
    for field, minutes in idle_times:
        if environment.cloud is Cloud.GOOGLE and minutes != GKE_SCALE_DOWN_MINUTES:
            problems.append(
                FieldProblem(
                    field,
                    f"GKE's autoscaler removes idle nodes after about {GKE_SCALE_DOWN_MINUTES} minutes and offers no "
                    f"setting to change that; remove the field or set {GKE_SCALE_DOWN_MINUTES}",
                )
            )
    pool_idle = {pool.scale_down_after_minutes for pool in node_pools(environment) if pool.gpu is not None}
    if environment.cloud is Cloud.AZURE and len(pool_idle) > 1:
        problems.append(
            FieldProblem(
                "gpu.pools",
                "AKS has one idle time per cluster (its autoscaler profile), but the pools' scaleDownAfterMinutes "
                f"differ ({', '.join(str(minutes) for minutes in sorted(m for m in pool_idle if m))}); make them equal",
            )
        )
    return problems + capacity_problems(environment)


# --- What runs where


@dataclass(frozen=True)
class Pod:
    """A pod to place (Deployment/StatefulSet replicas), or one pod per node (`per_node`, DaemonSets)."""

    name: str
    cpu_m: int
    memory_mi: int
    gpus: int = 0
    per_node: bool = False


def _pods(workloads: tuple[Workload, ...], lands: set[Lands]) -> list[Pod]:
    return [
        Pod(w.name, w.cpu_m, w.memory_mi, gpus=w.gpus, per_node=w.per_node)
        for w in workloads
        if w.lands in lands
        for _ in range(1 if w.per_node else w.replicas)
    ]


def pool_pods(environment: Environment, pool: NodePoolSpec) -> list[Pod]:
    """The system pods of the cloud, every enabled app's pods, and what the environment adds (engines, operands)."""
    lands = {Lands.EVERY_NODE, Lands.GPU if pool.gpu else Lands.SYSTEM}
    apps = enabled_apps(environment)
    workloads = [
        *CLOUD_SYSTEM_PODS[environment.cloud].workloads,
        *(workload for app in apps for workload in app.workloads(environment)),
        *(workload for app in apps for workload in app.pool_workloads(environment, pool)),
    ]
    return _pods(tuple(workloads), lands)


# --- The plan


@dataclass(frozen=True)
class PoolPlan:
    pool: str
    fields: PoolFields
    machine_type: str
    min_nodes: int
    max_nodes: int
    pods: int  # pods to place, plus the per-node pods of one node
    cpu_m: int
    memory_mi: int
    gpus: int
    node: Allocatable | None  # None: the machine type is not in the machine catalogue
    gpus_per_node: int
    nodes_at_rest: int | None  # None: unknown (machine type not in the table)
    too_big: str | None = None  # a pod that no node of this type can hold

    def line(self) -> str:
        needs = f"{self.pods} pods, {self.cpu_m / 1000:g} CPU, {self.memory_mi / 1024:.1f} GiB"
        needs += f", {self.gpus} GPUs" if self.gpus else ""
        if self.node is None:
            return f"{self.pool} pool ({self.machine_type}): needs {needs}; one node: not in the capacity table"
        holds = f"{self.node.pods} pods, {self.node.cpu_m / 1000:g} CPU, {self.node.memory_mi / 1024:.1f} GiB"
        holds += f", {self.gpus_per_node} GPUs" if self.gpus_per_node else ""
        return (
            f"{self.pool} pool ({self.machine_type}): needs {needs}; one node holds {holds}; "
            f"{self.nodes_at_rest} node(s) at rest (min {self.min_nodes}, max {self.max_nodes})"
        )

    def output(self) -> dict[str, object]:
        """The machine-readable plan (unknown values left out, as a Terraform map holds no nulls)."""
        values = {
            "pool": self.pool,
            "machine_type": self.machine_type,
            "pods": self.pods,
            "cpu_millicores": self.cpu_m,
            "memory_mib": self.memory_mi,
            "gpus": self.gpus,
            "node_pods": self.node.pods if self.node else None,
            "node_cpu_millicores": self.node.cpu_m if self.node else None,
            "node_memory_mib": self.node.memory_mi if self.node else None,
            "nodes_at_rest": self.nodes_at_rest,
            "min_nodes": self.min_nodes,
            "max_nodes": self.max_nodes,
        }
        return {key: value for key, value in values.items() if value is not None}


def plan_pool(environment: Environment, pool: NodePoolSpec) -> PoolPlan:
    pods = pool_pods(environment, pool)
    per_node = [p for p in pods if p.per_node]
    placed = [p for p in pods if not p.per_node]
    gpus_per_node = pool.gpu.tier.gpu_count if pool.gpu else 0
    node = node_allocatable(environment.cloud, pool.machine_type)
    nodes, too_big = (None, None) if node is None else _pack(placed, per_node, node, gpus_per_node)
    return PoolPlan(
        pool=pool.name,
        fields=pool.fields,
        machine_type=pool.machine_type,
        min_nodes=pool.min_nodes,
        max_nodes=pool.max_nodes,
        pods=len(placed) + len(per_node),
        cpu_m=sum(p.cpu_m for p in pods),
        memory_mi=sum(p.memory_mi for p in pods),
        gpus=sum(p.gpus for p in placed),
        node=node,
        gpus_per_node=gpus_per_node,
        nodes_at_rest=nodes,
        too_big=too_big,
    )


def _pack(placed: list[Pod], per_node: list[Pod], node: Allocatable, gpus: int) -> tuple[int, str | None]:
    """Nodes needed: first-fit decreasing over pod slots, CPU, memory and GPUs, after each node's DaemonSet pods."""
    free = (
        node.pods - len(per_node),
        node.cpu_m - sum(p.cpu_m for p in per_node),
        node.memory_mi - sum(p.memory_mi for p in per_node),
        gpus,
    )
    nodes: list[list[int]] = []
    for pod in sorted(placed, key=lambda p: (p.gpus, p.cpu_m, p.memory_mi), reverse=True):
        need = (1, pod.cpu_m, pod.memory_mi, pod.gpus)
        if any(n > f for n, f in zip(need, free, strict=True)):
            return len(nodes), pod.name
        target = next((n for n in nodes if all(x >= y for x, y in zip(n, need, strict=True))), None)
        if target is None:
            target = list(free)
            nodes.append(target)
        for index, amount in enumerate(need):
            target[index] -= amount
    return len(nodes), None  # DaemonSet pods alone need no node: they follow whatever nodes exist


def capacity_plan(environment: Environment) -> list[PoolPlan]:
    return [plan_pool(environment, pool) for pool in node_pools(environment)]


def capacity_problems(environment: Environment) -> list[FieldProblem]:
    problems = []
    for plan in capacity_plan(environment):
        if plan.too_big is not None:
            problems.append(
                FieldProblem(
                    plan.fields.size,
                    f"{plan.too_big} does not fit one {plan.machine_type} node next to its DaemonSet pods "
                    f"({plan.line()}); choose a larger size",
                )
            )
        elif plan.nodes_at_rest is not None and plan.nodes_at_rest > plan.max_nodes:
            problems.append(
                FieldProblem(
                    plan.fields.max_nodes,
                    f"the {plan.pool} pool needs {plan.nodes_at_rest} nodes at rest and may grow to {plan.max_nodes}, "
                    f"so pods would stay Pending ({plan.line()})",
                )
            )
    return problems


def capacity_warnings(environment: Environment) -> list[str]:
    warnings = []
    for plan in capacity_plan(environment):
        if plan.nodes_at_rest is not None and plan.too_big is None and plan.min_nodes < plan.nodes_at_rest:
            warnings.append(
                f"{plan.fields.min_nodes}: the {plan.pool} pool starts with {plan.min_nodes} node(s) and needs "
                f"{plan.nodes_at_rest} at rest: the autoscaler adds {plan.nodes_at_rest - plan.min_nodes} during the "
                f"first apply, and Helm waits for them ({plan.line()})"
            )
    return warnings
