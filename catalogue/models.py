"""Open models by Hugging Face id: what their weights and KV cache take on a GPU (for the memory fit check).

Figures from research/first-token.md s F (2026-12): Hugging Face config.json copies shipped in PyPI
`aiconfigurator-core` 0.12.0 `model_configs/` ("a"), ai-dynamo/aiconfigurator's Llama-3.3-70B config ("r"), the PyPI
`llmfit` 1.1.17 catalogue's parameter counts ("l", third party), config snippets in public code ("s"). The KV cache
of a token is 2 (K and V) x layers x KV heads x head size x 2 bytes; sliding-window layers are counted as full
attention, which is what vLLM allocates when its hybrid allocator is off: the check is conservative.
Instruct variants share their base model's architecture. gpt-oss (MXFP4 weights) is left out: its checkpoint size
was not found in a source, and a size from its name would count 2 bytes per parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GIB = 1024**3
BF16_BYTES = 2  # every model below is published in bfloat16


@dataclass(frozen=True)
class ModelFacts:
    parameters_b: float  # billions
    layers: int
    kv_heads: int
    head_dim: int
    native_context: int  # tokens; vLLM's default max_model_len
    source: str

    @property
    def weights_gib(self) -> float:
        return self.parameters_b * 1e9 * BF16_BYTES / GIB

    def kv_cache_gib(self, tokens: int) -> float:
        return 2 * self.layers * self.kv_heads * self.head_dim * BF16_BYTES * tokens / GIB


def _llama(parameters_b: float, layers: int, head_dim: int = 128, source: str = "a, l") -> ModelFacts:
    return ModelFacts(parameters_b, layers, 8, head_dim, 131072, source)


MODELS: dict[str, ModelFacts] = {
    "meta-llama/Llama-3.1-8B-Instruct": _llama(8.03, 32),
    "meta-llama/Llama-3.1-70B-Instruct": _llama(70.55, 80),
    "meta-llama/Llama-3.3-70B-Instruct": _llama(70.55, 80, source="r, l"),
    "meta-llama/Llama-3.1-405B-Instruct": _llama(405.85, 126),
    "meta-llama/Llama-3.2-1B-Instruct": _llama(1.24, 16, head_dim=64, source="s, l"),
    "meta-llama/Llama-3.2-3B-Instruct": _llama(3.21, 28, source="l"),
    "Qwen/Qwen2.5-0.5B-Instruct": ModelFacts(0.49, 24, 2, 64, 32768, "l"),
    "Qwen/Qwen2.5-1.5B-Instruct": ModelFacts(1.54, 28, 2, 128, 32768, "l"),
    "Qwen/Qwen2.5-7B-Instruct": ModelFacts(7.62, 28, 4, 128, 32768, "l"),
    "Qwen/Qwen2.5-32B-Instruct": ModelFacts(32.76, 64, 8, 128, 32768, "l"),
    "Qwen/Qwen2.5-72B-Instruct": ModelFacts(72.71, 80, 8, 128, 32768, "l"),
    "Qwen/Qwen3-8B": ModelFacts(8.19, 36, 8, 128, 40960, "a, l"),
    "Qwen/Qwen3-32B": ModelFacts(32.76, 64, 8, 128, 40960, "a, l"),
    "Qwen/Qwen3-235B-A22B": ModelFacts(235.09, 94, 4, 128, 40960, "a, l"),
    "mistralai/Mistral-7B-Instruct-v0.3": ModelFacts(7.25, 32, 8, 128, 32768, "l"),
    "mistralai/Mixtral-8x7B-Instruct-v0.1": ModelFacts(46.70, 32, 8, 128, 32768, "a, l"),
    "google/gemma-2-9b-it": ModelFacts(9.24, 42, 8, 256, 8192, "s, l"),
    "google/gemma-2-27b-it": ModelFacts(27.23, 46, 16, 128, 8192, "s, l"),
    "google/gemma-3-27b-it": ModelFacts(27.43, 62, 16, 128, 131072, "s"),
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B": ModelFacts(32.76, 64, 8, 128, 131072, "l"),
    "deepseek-ai/DeepSeek-R1-Distill-Llama-70B": _llama(70.55, 80, source="l"),
}

# A parameter count in a model's name: "70B", "1.5B", "8x7B" (experts x size), "405b"; not "A22B", which names
# the active parameters of a mixture of experts (Qwen3-235B-A22B).
SIZE_IN_NAME = re.compile(r"(?<![A-Za-z0-9.])(?:(\d+)x)?(\d+(?:\.\d+)?)[bB](?![a-zA-Z0-9])")


def parameters_in_name(model: str) -> float | None:
    """Billions of parameters a model id states in its name (the last such figure), or None."""
    found = SIZE_IN_NAME.findall(model.rsplit("/", 1)[-1])
    if not found:
        return None
    experts, size = found[-1]
    return float(size) * (int(experts) if experts else 1)
