"""Which GPU pool each model of `apps.vllm.models` runs on, whether it fits there, and what each engine requests.

Errors are checked by the loader (so they name the file and field); warnings become CDKTF annotations through
validation/warnings.py. Both read the GPUs of a node from the machine catalogue, as the node pool does.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from catalogue.machines import GPU_MACHINES
from catalogue.node_sizes import ENGINE_SHARE_PER_GPU, known_gpu_node
from spec.apps import VllmModelSpec
from spec.environment import Environment
from spec.pools import NodePoolSpec, node_pools
from spec.problems import FieldProblem

MODELS_FIELD = "apps.vllm.models"
MEBIBYTES_PER_UNIT = {"Mi": 1, "Gi": 1024, "Ti": 1024 * 1024}


@dataclass(frozen=True)
class EngineRequests:
    cpu: int
    memory: str
    tensor_parallel_size: int
    pipeline_parallel_size: int  # the GPUs of a replica beyond one tensor-parallel group run as pipeline stages

    @property
    def memory_mib(self) -> int:
        return int(self.memory[:-2]) * MEBIBYTES_PER_UNIT[self.memory[-2:]]


def model_pools(environment: Environment) -> dict[str, NodePoolSpec]:
    """The GPU pool each model runs on: the one it names, else the pool with the fewest GPUs per node that still
    holds one replica (the first listed among equals). A model no pool can take is left out (`fit_problems`)."""
    pools = [pool for pool in node_pools(environment) if pool.gpu is not None]
    placed = {}
    for model in environment.apps.vllm.models:
        if model.pool is not None:
            named = [pool for pool in pools if pool.name == model.pool]
        else:
            named = (
                sorted(
                    (pool for pool in pools if pool.gpu and pool.gpu.tier.gpu_count >= model.gpus),
                    key=lambda pool: pool.gpu.tier.gpu_count if pool.gpu else 0,
                )
                or pools[:1]
            )  # nothing fits: the first pool, so the fit check names it
        if named:
            placed[model.name] = named[0]
    return placed


def engine_requests(model: VllmModelSpec, pool: NodePoolSpec) -> EngineRequests:
    """What one replica asks for: the model's own values, else its pool's per-GPU share times its GPUs."""
    share = ENGINE_SHARE_PER_GPU[pool.share]
    tensor_parallel = model.tensor_parallel_size or model.gpus
    return EngineRequests(
        cpu=model.cpu if model.cpu is not None else share.cpu * model.gpus,
        memory=model.memory if model.memory is not None else f"{share.memory_gib * model.gpus}Gi",
        tensor_parallel_size=tensor_parallel,
        pipeline_parallel_size=model.gpus // tensor_parallel,
    )


def replicas_at_rest(model: VllmModelSpec) -> int:
    """The replicas a model runs with no load: its fixed count, or the autoscaler's floor (0 for scale to zero)."""
    return model.autoscaling.min_replicas if model.autoscaling is not None else model.replicas


def most_replicas(model: VllmModelSpec) -> int:
    """The replicas a model may run at once: its fixed count, or the autoscaler's ceiling."""
    return model.autoscaling.max_replicas if model.autoscaling is not None else model.replicas


def autoscaling_problems(environment: Environment) -> list[FieldProblem]:
    """An autoscaled model needs the monitoring stack (KEDA reads its Prometheus) and no fixed replica count."""
    problems = []
    for index, model in enumerate(environment.apps.vllm.models):
        if model.autoscaling is None:
            continue
        where = f"{MODELS_FIELD}.{index}"
        if "replicas" in model.model_fields_set:
            problems.append(
                FieldProblem(
                    f"{where}.replicas",
                    "set either replicas (a fixed count) or autoscaling (minReplicas..maxReplicas), not both",
                )
            )
        if not environment.apps.monitoring.enabled:
            problems.append(
                FieldProblem(
                    f"{where}.autoscaling",
                    "needs apps.monitoring.enabled: true (KEDA scales on the queue length its Prometheus scrapes)",
                )
            )
    return problems


def fit_problems(environment: Environment) -> list[FieldProblem]:
    """Every reason the models could never be scheduled on this environment's GPU pools; empty when they fit."""
    vllm, gpu = environment.apps.vllm, environment.gpu
    if not vllm.models:
        return []
    if not vllm.enabled:
        return [FieldProblem(MODELS_FIELD, "models need apps.vllm.enabled: true")]
    if not gpu.enabled:
        return [FieldProblem(MODELS_FIELD, "models need gpu.enabled: true; there is no GPU node to run them on")]
    if gpu.pools is None and known_gpu_node(environment.cloud, gpu.node_size, gpu.instance_type) is None:
        known = GPU_MACHINES[environment.cloud]
        close = difflib.get_close_matches(str(gpu.instance_type), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" ({len(known)} {environment.cloud} types are known)"
        return [
            FieldProblem(
                "gpu.instanceType",
                f"{gpu.instance_type!r} is not in the machine catalogue, so the GPUs per node are unknown and "
                f"apps.vllm.models cannot be checked to fit{hint}",
            )
        ]
    placed = model_pools(environment)
    names = [pool.name for pool in node_pools(environment) if pool.gpu is not None]
    problems = []
    for index, model in enumerate(vllm.models):
        where = f"{MODELS_FIELD}.{index}"
        pool = placed.get(model.name)
        if model.pool is not None and gpu.pools is None:
            problems.append(FieldProblem(f"{where}.pool", "applies only with gpu.pools (the file has one GPU pool)"))
            continue
        if pool is None or pool.gpu is None:
            problems.append(
                FieldProblem(f"{where}.pool", f"no GPU pool is named {model.pool!r}; gpu.pools has {', '.join(names)}")
            )
            continue
        node = pool.gpu.tier
        if model.gpus > node.gpu_count:
            problems.append(
                FieldProblem(
                    f"{where}.gpus",
                    f"{model.name} needs {model.gpus} GPUs per replica; a {node.machine_type} node has "
                    f"{node.gpu_count}, and one replica runs on one node",
                )
            )
        parallel = model.tensor_parallel_size
        if parallel is not None and model.gpus % parallel:
            problems.append(
                FieldProblem(
                    f"{where}.tensorParallelSize",
                    f"{parallel} does not divide gpus ({model.gpus}); vLLM runs gpus / tensorParallelSize "
                    "pipeline stages of tensorParallelSize GPUs each",
                )
            )
    for pool in {id(pool): pool for pool in placed.values()}.values():
        assert pool.gpu is not None
        node = pool.gpu.tier
        needed = sum(most_replicas(m) * m.gpus for m in vllm.models if placed.get(m.name) is pool)
        capacity = pool.max_nodes * node.gpu_count
        if needed > capacity:
            on = "" if gpu.pools is None else f" on pool {pool.name}"
            problems.append(
                FieldProblem(
                    MODELS_FIELD,
                    f"replicas (maxReplicas where autoscaled) x gpus add up to {needed} GPUs{on}; the pool has at "
                    f"most {capacity} ({pool.fields.max_nodes} {pool.max_nodes} x {node.gpu_count} per "
                    f"{node.machine_type})",
                )
            )
    return problems


def serving_warnings(environment: Environment) -> list[str]:
    """Models that fit but will surprise: a cold pool, a data type the GPU lacks, a volume replicas cannot share."""
    vllm, gpu = environment.apps.vllm, environment.gpu
    placed = model_pools(environment)
    if not vllm.models or not gpu.enabled or (gpu.pools is None and not _known_single_pool(environment)):
        return []
    warnings = []
    for pool in {id(pool): pool for pool in placed.values()}.values():
        if pool.min_nodes == 0:
            warnings.append(
                f"{MODELS_FIELD} with {pool.fields.min_nodes}: 0: the pool starts without GPU nodes, so each engine "
                "waits for the autoscaler to add one (minutes) before it answers its first request"
            )
    used = {pool.name for pool in placed.values()}
    for index, listed in enumerate(gpu.pools or []):
        if listed.name not in used:
            warnings.append(
                f"gpu.pools.{index}: no model of apps.vllm.models runs on pool {listed.name}, so its GPUs serve only "
                "workloads you deploy yourself (they must tolerate the GPU taint and select the pool)"
            )
    for index, model in enumerate(vllm.models):
        where = f"{MODELS_FIELD}.{index}"
        if model.storage is not None and most_replicas(model) > 1:
            warnings.append(
                f"{where}.storage: the chart creates one ReadWriteOnce volume for all {most_replicas(model)} replicas "
                "of a model; replicas on other nodes cannot mount it"
            )
        if model.autoscaling is not None and model.autoscaling.min_replicas == 0:
            warnings.append(
                f"{where}.autoscaling.minReplicas: 0 scales {model.name} to zero when idle: the first request then "
                "waits for a cold start (a GPU node if none is free, the image, the weights: minutes) and the router "
                "answers 503 meanwhile, so clients must retry; and a router pod started while the model is at zero "
                "answers a fatal 404 instead (vllm-project/production-stack#1003, open), which can keep it from "
                "waking without operator action"
            )
    return warnings


def _known_single_pool(environment: Environment) -> bool:
    gpu = environment.gpu
    return known_gpu_node(environment.cloud, gpu.node_size, gpu.instance_type) is not None
