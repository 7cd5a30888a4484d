"""Whether a model fits its GPUs before apply: weights plus one `maxModelLen` sequence of KV cache within the
memory vLLM may use (each GPU's reported total x gpu-memory-utilization, 0.92 by default in vLLM 0.33.0:
vllm/config/cache.py). vLLM refuses to start otherwise, and the atomic release then rolls back after its timeout.

Catalogued models are checked exactly as above (activations and CUDA graphs come on top, so a fit that is close may
still fail: the check refuses only what cannot work). A model outside the catalogue is estimated from the size in
its name, with a warning; without one it is not checked, which an info line says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from apps.vllm.serving import MODELS_FIELD, model_pools
from catalogue.machines import GPU_FACTS
from catalogue.models import BF16_BYTES, GIB, MODELS, ModelFacts, parameters_in_name
from spec.apps import VllmModelSpec
from spec.environment import Environment
from spec.problems import FieldProblem

GPU_MEMORY_UTILIZATION = 0.92  # vLLM 0.33.0's default (vllm/config/cache.py)
DTYPE_BYTES = {"float32": 4, "float16": 2, "half": 2, "bfloat16": 2, "auto": BF16_BYTES}


@dataclass(frozen=True)
class MemoryFit:
    model: VllmModelSpec
    where: str  # the model's field path
    gpus: int
    usable_gib: float  # what vLLM may use on all of a replica's GPUs
    weights_gib: float
    kv_gib: float
    tokens: int
    facts: ModelFacts | None  # None: estimated from the name

    @property
    def fits(self) -> bool:
        return self.weights_gib + self.kv_gib <= self.usable_gib

    def summary(self) -> str:
        return (
            f"{self.model.model} needs {self.weights_gib:.1f} GiB of weights + {self.kv_gib:.1f} GiB of KV cache for "
            f"one {self.tokens}-token sequence; {self.gpus} GPU(s) give vLLM {self.usable_gib:.1f} GiB "
            f"({GPU_MEMORY_UTILIZATION} of what each reports)"
        )


def memory_fits(environment: Environment) -> list[MemoryFit]:
    """The fit of every model whose size and GPU are known (catalogued, or estimated from its name)."""
    placed = model_pools(environment)
    fits = []
    for index, model in enumerate(environment.apps.vllm.models):
        pool = placed.get(model.name)
        facts = MODELS.get(model.model)
        named = parameters_in_name(model.model)
        reported = GPU_FACTS[pool.gpu.tier.gpu_model].reported_gib if pool and pool.gpu else None
        if reported is None or (facts is None and named is None):
            continue
        dtype_bytes = DTYPE_BYTES[model.dtype or "auto"]
        parameters = facts.parameters_b if facts else named or 0.0
        tokens = model.max_model_len or (facts.native_context if facts else 0)
        fits.append(
            MemoryFit(
                model=model,
                where=f"{MODELS_FIELD}.{index}",
                gpus=model.gpus,
                usable_gib=model.gpus * reported * GPU_MEMORY_UTILIZATION,
                weights_gib=parameters * 1e9 * dtype_bytes / GIB,
                kv_gib=facts.kv_cache_gib(tokens) if facts else 0.0,
                tokens=tokens,
                facts=facts,
            )
        )
    return fits


def memory_problems(environment: Environment) -> list[FieldProblem]:
    """Catalogued models that cannot load: the field to change and the smallest change that fits."""
    return [_refusal(fit) for fit in memory_fits(environment) if fit.facts is not None and not fit.fits]


def memory_notes(environment: Environment) -> tuple[list[str], list[str]]:
    """(warnings, infos): estimates that do not fit, and models the check could not size."""
    fits = {fit.model.name: fit for fit in memory_fits(environment)}
    warnings, infos = [], []
    for index, model in enumerate(environment.apps.vllm.models):
        fit = fits.get(model.name)
        where = f"{MODELS_FIELD}.{index}"
        if fit is None:
            infos.append(
                f"{where}.model: {model.model} is not in the model catalogue and its name states no size, so "
                "whether it fits GPU memory was not checked"
            )
        elif fit.facts is None and not fit.fits:
            warnings.append(
                f"{where}.gpus: estimated from the {parameters_in_name(model.model):g}B in its name, "
                f"{fit.summary()}; vLLM will likely refuse to start it (not in the model catalogue: an estimate)"
            )
    return warnings, infos


def _refusal(fit: MemoryFit) -> FieldProblem:
    per_gpu = fit.usable_gib / fit.gpus
    if fit.weights_gib > fit.usable_gib or fit.facts is None:
        needed = math.ceil((fit.weights_gib + fit.kv_gib) / per_gpu)
        return FieldProblem(
            f"{fit.where}.gpus",
            f"{fit.summary()}: the weights alone do not fit; use gpus: {needed} or more (on a pool whose nodes have "
            "that many), or a pool with larger GPUs",
        )
    assert fit.facts is not None
    left = fit.usable_gib - fit.weights_gib
    tokens = int(left * GIB / (fit.facts.kv_cache_gib(1) * GIB)) // 16 * 16  # vLLM allocates 16-token blocks
    return FieldProblem(
        f"{fit.where}.maxModelLen",
        f"{fit.summary()}: set maxModelLen: {tokens} or less (or more gpus)",
    )
