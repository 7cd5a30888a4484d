"""Do `apps.vllm.models` fit the GPU pool the same file creates? The fit rules and engine defaults, as tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from apps.vllm.serving import EngineRequests, engine_requests, fit_problems, model_pools, serving_warnings
from catalogue.machines import GPU_MACHINES, GpuModel
from catalogue.node_sizes import GKE_ACCELERATORS, GPU_TIERS, Cloud, GpuTier, known_gpu_node
from spec.pools import gpu_pool
from tests.conftest import environment

OPT = {"name": "opt", "model": "facebook/opt-125m"}


def serving(*models: dict[str, Any], cloud: str = "aws", gpu: dict[str, Any] | None = None, **vllm: Any) -> Any:
    """An environment with a GPU pool (small, 1-10 nodes unless `gpu` says otherwise) serving `models`."""
    return environment(
        cloud=cloud,
        gpu={"enabled": True, **(gpu or {})},
        apps={"vllm": {"enabled": True, "models": [{**OPT, **m} for m in models], **vllm}},
    )


@dataclass(frozen=True)
class Fit:
    id: str
    environment: Any
    field: str | None  # None: the models fit
    problem: str = ""


FITS = [
    Fit("one-gpu-model-on-the-small-tier", serving({}), None),
    Fit("no-models-no-pool", environment(apps={"vllm": {"enabled": True}}), None),
    Fit(
        "models-without-a-gpu-pool",
        environment(apps={"vllm": {"enabled": True, "models": [OPT]}}),
        "apps.vllm.models",
        "need gpu.enabled: true",
    ),
    Fit(
        "models-with-vllm-disabled",
        environment(gpu={"enabled": True}, apps={"vllm": {"models": [OPT]}}),
        "apps.vllm.models",
        "need apps.vllm.enabled: true",
    ),
    Fit("two-gpus-on-a-one-gpu-node", serving({"gpus": 2}), "apps.vllm.models.0.gpus", "a g5.xlarge node has 1"),
    Fit("four-gpus-on-the-medium-tier", serving({"gpus": 4}, gpu={"nodeSize": "medium"}), None),
    Fit(
        "eight-gpus-on-the-medium-tier",
        serving({"gpus": 8}, gpu={"nodeSize": "medium"}),
        "apps.vllm.models.0.gpus",
        "needs 8 GPUs per replica; a g5.12xlarge node has 4",
    ),
    Fit(
        "second-model-too-big",
        serving({}, {"name": "big", "gpus": 2}),
        "apps.vllm.models.1.gpus",
        "big needs 2 GPUs",
    ),
    Fit(
        "tensor-parallel-dividing-gpus", serving({"gpus": 4, "tensorParallelSize": 2}, gpu={"nodeSize": "medium"}), None
    ),
    Fit(
        "tensor-parallel-not-dividing-gpus",
        serving({"gpus": 4, "tensorParallelSize": 3}, gpu={"nodeSize": "medium"}),
        "apps.vllm.models.0.tensorParallelSize",
        "3 does not divide gpus (4)",
    ),
    Fit(
        "tensor-parallel-above-gpus",
        serving({"gpus": 1, "tensorParallelSize": 2}),
        "apps.vllm.models.0.tensorParallelSize",
        "2 does not divide gpus (1)",
    ),
    Fit("replicas-filling-the-pool", serving({"replicas": 2}, gpu={"maxNodeCount": 2}), None),
    Fit(
        "replicas-beyond-the-pool",
        serving({"replicas": 3}, gpu={"maxNodeCount": 2}),
        "apps.vllm.models",
        "add up to 3 GPUs; the pool has at most 2 (gpu.maxNodeCount 2 x 1 per g5.xlarge)",
    ),
    Fit(
        "models-together-beyond-the-pool",
        serving({"gpus": 4}, {"name": "b", "gpus": 4, "replicas": 2}, gpu={"nodeSize": "medium", "maxNodeCount": 2}),
        "apps.vllm.models",
        "add up to 12 GPUs; the pool has at most 8",
    ),
    Fit("zero-replicas-need-no-gpus", serving({"gpus": 1, "replicas": 0}, gpu={"maxNodeCount": 1}), None),
    Fit("known-instance-type-with-more-gpus", serving({"gpus": 4}, gpu={"instanceType": "g6.12xlarge"}), None),
    Fit(
        "known-instance-type-with-fewer-gpus",
        serving({"gpus": 4}, gpu={"nodeSize": "medium", "instanceType": "g6.xlarge"}),
        "apps.vllm.models.0.gpus",
        "a g6.xlarge node has 1",
    ),
    Fit(
        "unknown-instance-type",
        serving({}, gpu={"instanceType": "g6.xlarg"}),
        "gpu.instanceType",
        "'g6.xlarg' is not in the machine catalogue",
    ),
    Fit(
        "unknown-instance-type-suggests-a-known-one",
        serving({}, gpu={"instanceType": "g6.xlarg"}),
        "gpu.instanceType",
        "did you mean 'g6.xlarge'?",
    ),
    Fit(
        "google-n1-keeps-the-tier-s-attached-gpus",
        serving({"gpus": 2}, cloud="google", gpu={"instanceType": "n1-standard-8"}),
        "apps.vllm.models.0.gpus",
        "a n1-standard-8 node has 1",
    ),
    Fit(
        "google-g2-brings-its-own-gpus",
        serving({"gpus": 2}, cloud="google", gpu={"instanceType": "g2-standard-24"}),
        None,
    ),
    Fit(
        "azure-a100-v4-has-one-gpu",
        serving({"gpus": 2}, cloud="azure", gpu={"instanceType": "Standard_NC24ads_A100_v4"}),
        "apps.vllm.models.0.gpus",
        "has 1",
    ),
]


@pytest.mark.parametrize("case", FITS, ids=[case.id for case in FITS])
def test_fit_rules(case: Fit) -> None:
    problems = fit_problems(case.environment)
    if case.field is None:
        assert problems == []
    else:
        assert problems, "expected the models to be refused"
        assert problems[0].field == case.field
        assert case.problem in problems[0].problem


def test_every_problem_is_reported_not_only_the_first() -> None:
    problems = fit_problems(serving({"gpus": 2}, {"name": "b", "gpus": 1, "tensorParallelSize": 2}))
    assert [p.field for p in problems] == ["apps.vllm.models.0.gpus", "apps.vllm.models.1.tensorParallelSize"]


def test_an_unknown_instance_type_is_accepted_without_models() -> None:
    assert fit_problems(environment(gpu={"enabled": True, "instanceType": "x9.huge"})) == []


# --- warnings ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Warn:
    id: str
    environment: Any
    fragment: str | None  # None: no serving warning


WARNINGS = [
    Warn("warm-pool", serving({}), None),
    Warn("pool-scaling-from-zero", serving({}, gpu={"minNodeCount": 0}), "gpu.minNodeCount: 0"),
    Warn("bfloat16-on-a10g", serving({"dtype": "bfloat16"}), None),
    # bfloat16 on a T4 is no warning: the loader refuses it (tests/apps/test_engine_args.py)
    Warn("bfloat16-on-t4-is-refused-not-warned", serving({"dtype": "bfloat16"}, cloud="azure"), None),
    Warn("float16-on-t4", serving({"dtype": "float16"}, cloud="azure"), None),
    Warn("storage-for-one-replica", serving({"storage": "50Gi"}), None),
    Warn(
        "storage-shared-by-replicas",
        serving({"storage": "50Gi", "replicas": 2}),
        "apps.vllm.models.0.storage: the chart creates one ReadWriteOnce volume",
    ),
    Warn("no-models", environment(gpu={"enabled": True, "minNodeCount": 0}, apps={"vllm": {"enabled": True}}), None),
]


@pytest.mark.parametrize("case", WARNINGS, ids=[case.id for case in WARNINGS])
def test_serving_warnings(case: Warn) -> None:
    warnings = serving_warnings(case.environment)
    if case.fragment is None:
        assert warnings == []
    else:
        assert len(warnings) == 1
        assert case.fragment in warnings[0]


# --- what an engine requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node_size", "model", "expected"),
    [
        ("small", {}, EngineRequests(cpu=2, memory="8Gi", tensor_parallel_size=1, pipeline_parallel_size=1)),
        (
            "medium",
            {"gpus": 4},
            EngineRequests(cpu=32, memory="128Gi", tensor_parallel_size=4, pipeline_parallel_size=1),
        ),
        (
            "large",
            {"gpus": 2},
            EngineRequests(cpu=16, memory="128Gi", tensor_parallel_size=2, pipeline_parallel_size=1),
        ),
        (
            "medium",
            {"gpus": 4, "tensorParallelSize": 2, "cpu": 6, "memory": "40Gi"},
            EngineRequests(cpu=6, memory="40Gi", tensor_parallel_size=2, pipeline_parallel_size=2),
        ),
    ],
    ids=["small-default", "medium-four-gpus", "large-two-gpus", "explicit-values-and-pipeline"],
)
def test_engine_requests(node_size: str, model: dict[str, Any], expected: EngineRequests) -> None:
    env = serving(model, gpu={"nodeSize": node_size})
    spec = env.apps.vllm.models[0]
    assert engine_requests(spec, model_pools(env)[spec.name]) == expected


# --- the machine catalogue the fit check reads ---------------------------------------------------------------


def test_every_tier_agrees_with_the_machine_table() -> None:
    for cloud, tiers in GPU_TIERS.items():
        for size, tier in tiers.items():
            gpus = GPU_MACHINES[cloud].get(tier.machine_type)
            if cloud is not Cloud.GOOGLE or gpus is not None:  # GKE's small tier attaches its T4 to an n1
                assert gpus is not None, (cloud, size)
                assert (gpus.count, gpus.model) == (tier.gpu_count, tier.gpu_model), (cloud, size)


def test_every_google_tier_names_the_accelerator_of_its_gpu() -> None:
    for tier in GPU_TIERS[Cloud.GOOGLE].values():
        assert tier.accelerator == GKE_ACCELERATORS[tier.gpu_model]


def test_every_google_machine_gpu_has_an_accelerator_name() -> None:
    assert {gpus.model for gpus in GPU_MACHINES[Cloud.GOOGLE].values()} <= set(GKE_ACCELERATORS)


def test_a_known_instance_type_brings_its_own_gpus_to_the_pool() -> None:
    env = environment(cloud="google", gpu={"enabled": True, "instanceType": "g2-standard-24"})
    pool = gpu_pool(env)
    assert pool is not None
    assert pool.gpu is not None
    assert (pool.machine_type, pool.gpu.tier.gpu_count, pool.gpu.tier.accelerator) == ("g2-standard-24", 2, "nvidia-l4")


def test_an_unknown_instance_type_keeps_the_tier_s_gpus_in_the_pool() -> None:
    pool = gpu_pool(environment(gpu={"enabled": True, "nodeSize": "medium", "instanceType": "x9.huge"}))
    assert pool is not None
    assert pool.gpu is not None
    assert (pool.machine_type, pool.gpu.tier.gpu_count) == ("x9.huge", 4)


def test_the_catalogue_knows_instance_types_by_name() -> None:
    assert known_gpu_node(Cloud.AWS, "small", "x9.huge") is None
    assert known_gpu_node(Cloud.AWS, "small", "p5.48xlarge") == GpuTier("p5.48xlarge", 8, GpuModel.H100_80GB)
