"""Whether `apps.vllm.models` fit the GPU pool the same file creates, and what each engine requests.

Errors are checked by the loader (so they name the file and field); warnings become CDKTF annotations through
validation/warnings.py. Both read the GPUs of a node from the machine catalogue, as the node pool does.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from catalogue.machines import GPU_FACTS, GPU_MACHINES
from catalogue.node_sizes import ENGINE_SHARE_PER_GPU, known_gpu_node
from spec.environment import Environment, VllmModelSpec
from spec.problems import FieldProblem

MODELS_FIELD = "apps.vllm.models"


@dataclass(frozen=True)
class EngineRequests:
    cpu: int
    memory: str
    tensor_parallel_size: int
    pipeline_parallel_size: int  # the GPUs of a replica beyond one tensor-parallel group run as pipeline stages


def engine_requests(environment: Environment, model: VllmModelSpec) -> EngineRequests:
    """What one replica asks for: the model's own values, else the tier's per-GPU share times its GPUs."""
    share = ENGINE_SHARE_PER_GPU[environment.gpu.node_size]
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
    """Every reason the models could never be scheduled on this environment's GPU pool; empty when they fit."""
    vllm, gpu = environment.apps.vllm, environment.gpu
    if not vllm.models:
        return []
    if not vllm.enabled:
        return [FieldProblem(MODELS_FIELD, "models need apps.vllm.enabled: true")]
    if not gpu.enabled:
        return [FieldProblem(MODELS_FIELD, "models need gpu.enabled: true; there is no GPU node to run them on")]
    node = known_gpu_node(environment.cloud, gpu.node_size, gpu.instance_type)
    if node is None:
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
    problems = []
    for index, model in enumerate(vllm.models):
        where = f"{MODELS_FIELD}.{index}"
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
    needed = sum(most_replicas(model) * model.gpus for model in vllm.models)
    capacity = gpu.max_node_count * node.gpu_count
    if needed > capacity:
        problems.append(
            FieldProblem(
                MODELS_FIELD,
                f"replicas (maxReplicas where autoscaled) x gpus add up to {needed} GPUs; the pool has at most "
                f"{capacity} "
                f"(gpu.maxNodeCount {gpu.max_node_count} x {node.gpu_count} per {node.machine_type})",
            )
        )
    return problems


def serving_warnings(environment: Environment) -> list[str]:
    """Models that fit but will surprise: a cold pool, a data type the GPU lacks, a volume replicas cannot share."""
    vllm, gpu = environment.apps.vllm, environment.gpu
    node = known_gpu_node(environment.cloud, gpu.node_size, gpu.instance_type)
    if not vllm.models or not gpu.enabled or node is None:
        return []
    warnings = []
    if gpu.min_node_count == 0:
        warnings.append(
            f"{MODELS_FIELD} with gpu.minNodeCount: 0: the pool starts without GPU nodes, so each engine waits "
            "for the autoscaler to add one (minutes) before it answers its first request"
        )
    for index, model in enumerate(vllm.models):
        where = f"{MODELS_FIELD}.{index}"
        if model.dtype == "bfloat16" and not GPU_FACTS[node.gpu_model].bfloat16:
            warnings.append(
                f"{where}.dtype: {node.gpu_model} GPUs ({node.machine_type}) do not support bfloat16 and vLLM "
                "refuses it there; use float16"
            )
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
