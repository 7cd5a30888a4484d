"""Engine settings vLLM 0.33.0 would refuse at start are refused at synth: one behaviour per row of each table."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from apps.vllm.engine_args import (
    ACCEPTED_OPTIONS,
    ROUTING_FIELD,
    engine_arg_problems,
    flag_name,
    model_family,
)
from catalogue.charts import VLLM_ENGINE_IMAGE
from catalogue.vllm_engine import (
    FLOAT16_REFUSED,
    HELP_OPTIONS,
    MODEL_FAMILIES,
    REMOVED_FLAGS,
    SERVE_OPTIONS,
    VLLM_VERSION,
    ModelFamily,
    RemovedFlag,
)
from spec.environment import Environment
from tests.conftest import PROJECT_ROOT, environment

OPT = {"name": "opt", "model": "facebook/opt-125m"}
GEMMA_2 = "google/gemma-2-9b-it"
T4_POOL = {"instanceType": "g4dn.xlarge"}  # AWS's one-T4 machine; the default small pool is an A10G


def served(*models: dict[str, Any], gpu: dict[str, Any] | None = None, **vllm: Any) -> Environment:
    """An AWS environment whose GPU pool (an A10G unless `gpu` says otherwise) serves `models`."""
    return environment(
        gpu={"enabled": True, **(gpu or {})},
        apps={"vllm": {"enabled": True, "models": [{**OPT, **model} for model in models], **vllm}},
    )


def args(*arguments: str) -> Environment:
    return served({"extraArgs": list(arguments)})


@dataclass(frozen=True)
class Case:
    id: str
    environment: Environment
    field: str | None  # None: nothing is refused
    fragments: tuple[str, ...] = ()  # each in the one problem


ARG = "apps.vllm.models.0.extraArgs"
DTYPE = "apps.vllm.models.0.dtype"

EXTRA_ARGS = [
    Case("a-known-flag", args("--enforce-eager"), None),
    Case("a-flag-with-its-value-after-equals", args("--max-num-seqs=8"), None),
    Case("a-value-after-a-flag-is-not-a-flag", args("--served-model-name", "swap-space"), None),
    Case("a-negative-number-is-a-value", args("--seed", "-1"), None),
    Case("underscores-read-as-dashes", args("--max_num_seqs=8"), None),
    Case("a-boolean-s-no-form", args("--no-enable-prefix-caching"), None),
    Case("disable-log-requests-is-the-inverse-of-enable", args("--disable-log-requests"), None),
    Case("a-short-alias", args("-q", "awq"), None),
    Case("a-json-option-s-dotted-key", args("--compilation-config.mode", "3"), None),
    Case("the-optimization-level-shorthand", args("-O3"), None),
    Case("swap-space-removed", args("--swap-space", "4"), f"{ARG}.0", ("--swap-space was removed in vLLM 0.18.0",)),
    Case("swap-space-with-underscores", args("--swap_space=4"), f"{ARG}.0", ("--swap-space was removed",)),
    Case("task-removed", args("--task=embed"), f"{ARG}.0", ("removed in vLLM 0.13.0", "--runner pooling")),
    Case("device-removed", args("--device", "cuda"), f"{ARG}.0", ("--device was removed in vLLM 0.10.0",)),
    Case(
        "removed-without-a-known-release",
        args("--num-scheduler-steps", "8"),
        f"{ARG}.0",
        (f"removed before vLLM {VLLM_VERSION}",),
    ),
    Case("unknown-with-a-suggestion", args("--enforce-eagr"), f"{ARG}.0", ("did you mean --enforce-eager?",)),
    Case("unknown-without-a-suggestion", args("--zzzzzz"), f"{ARG}.0", ("unrecognized arguments",)),
    Case("an-abbreviation", args("--max-num-seq=8"), f"{ARG}.0", ("abbreviation of --max-num-seqs",)),
    Case("an-ambiguous-abbreviation", args("--kv-cache-d", "fp8"), f"{ARG}.0", ("ambiguous",)),
    Case("the-position-is-the-field", args("--enforce-eager", "--swap-space", "4"), f"{ARG}.1", ("--swap-space",)),
    Case("help-exits-instead-of-serving", args("--help"), f"{ARG}.0", ("exit instead of serving",)),
    Case("model-clashes-with-the-chart-s-positional", args("--model", "x/y"), f"{ARG}.0", ("set model instead",)),
    Case("a-bare-o-without-a-level", args("-O"), f"{ARG}.0", ("-O",)),
    Case("options-after-an-end-of-options", args("--", "--enforce-eager"), f"{ARG}.0", ("ends the options",)),
    Case(
        "another-vllm-image-is-not-checked",
        served({"image": "vllm/vllm-openai:v0.20.0", "extraArgs": ["--swap-space", "4"]}),
        None,
    ),
]

DTYPES = [
    Case("gemma-2-float16", served({"model": GEMMA_2, "dtype": "float16"}), DTYPE, ("refuses float16 for Gemma 2",)),
    Case("gemma-2-half", served({"model": GEMMA_2, "dtype": "half"}), DTYPE, ("refuses half for Gemma 2",)),
    Case("gemma-2-bfloat16-on-an-a10g", served({"model": GEMMA_2, "dtype": "bfloat16"}), None),
    Case("gemma-2-auto-on-an-a10g", served({"model": GEMMA_2}), None),
    Case(
        "gemma-2-auto-on-a-t4",
        served({"model": GEMMA_2}, gpu=T4_POOL),
        DTYPE,
        ("runs only in float32 on T4", "set dtype: float32"),
    ),
    Case("gemma-2-float32-on-a-t4", served({"model": GEMMA_2, "dtype": "float32"}, gpu=T4_POOL), None),
    Case(
        "gemma-2-float16-on-a-t4",
        served({"model": GEMMA_2, "dtype": "float16"}, gpu=T4_POOL),
        DTYPE,
        ("use float32 (T4 GPUs have no bfloat16)",),
    ),
    Case(
        "gemma-2-bfloat16-on-a-t4",
        served({"model": GEMMA_2, "dtype": "bfloat16"}, gpu=T4_POOL),
        DTYPE,
        ("refuses bfloat16 on T4", "use float32"),
    ),
    Case("bfloat16-on-a-t4", served({"dtype": "bfloat16"}, gpu=T4_POOL), DTYPE, ("bfloat16 on T4", "use float16")),
    Case("float16-on-a-t4", served({"dtype": "float16"}, gpu=T4_POOL), None),
    Case("auto-on-a-t4", served({}, gpu=T4_POOL), None),
    Case("gemma-3-float16", served({"model": "google/gemma-3-27b-it", "dtype": "float16"}), DTYPE, ("Gemma 3",)),
    Case("gemma-3n-is-another-type", served({"model": "google/gemma-3n-E2B-it", "dtype": "float16"}), None),
    Case("gemma-1-is-another-type", served({"model": "google/gemma-2b", "dtype": "float16"}), None),
    Case("glm-4-0414-float16", served({"model": "zai-org/GLM-4-9B-0414", "dtype": "float16"}), DTYPE, ("GLM-4",)),
    Case("glm-4-chat-is-another-type", served({"model": "zai-org/glm-4-9b-chat-hf", "dtype": "float16"}), None),
]

ROUTING = [
    Case("kvaware-without-lmcache", served({}, routingLogic="kvaware"), ROUTING_FIELD, ("LMCache", "prefixaware")),
    Case("prefixaware", served({}, routingLogic="prefixaware"), None),
    Case("the-chart-s-default", served({}), None),
]

CASES = EXTRA_ARGS + DTYPES + ROUTING


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_engine_arg_rules(case: Case) -> None:
    problems = engine_arg_problems(case.environment)
    if case.field is None:
        assert problems == []
        return
    assert [problem.field for problem in problems] == [case.field]
    for fragment in case.fragments:
        assert fragment in problems[0].problem
    assert "\n" not in problems[0].problem


def test_every_problem_is_reported_not_only_the_first() -> None:
    env = served(
        {"model": GEMMA_2, "dtype": "float16", "extraArgs": ["--swap-space", "4", "--task", "embed"]},
        routingLogic="kvaware",
    )
    fields = [problem.field for problem in engine_arg_problems(env)]
    assert fields == [f"{ARG}.0", f"{ARG}.2", DTYPE, ROUTING_FIELD]


# --- the catalogue itself -----------------------------------------------------------------------------------------


def test_the_counts_read_from_the_parser() -> None:
    options = [option for declared in SERVE_OPTIONS for option in declared.options]
    assert (len(SERVE_OPTIONS), len(options), len(set(options))) == (320, 344, 344)
    assert sum(declared.boolean for declared in SERVE_OPTIONS) == 89
    assert len(ACCEPTED_OPTIONS) == 485


def test_every_declaration_names_its_line() -> None:
    for declared in SERVE_OPTIONS:
        assert re.fullmatch(r"vllm/[a-z_/]+\.py:[1-9][0-9]*", declared.declared_at), declared


def test_the_catalogue_is_of_the_pinned_engine_image() -> None:
    assert VLLM_ENGINE_IMAGE.endswith(f":v{VLLM_VERSION}")


@pytest.mark.parametrize("removed", REMOVED_FLAGS, ids=[removed.flag for removed in REMOVED_FLAGS])
def test_a_removed_flag_is_neither_accepted_nor_a_unique_abbreviation(removed: RemovedFlag) -> None:
    assert removed.flag not in ACCEPTED_OPTIONS
    assert len([option for option in ACCEPTED_OPTIONS if option.startswith(removed.flag)]) != 1
    assert removed.evidence


def test_help_is_argparse_s_own() -> None:
    assert set(HELP_OPTIONS) <= ACCEPTED_OPTIONS


@pytest.mark.parametrize("family", MODEL_FAMILIES, ids=[family.name for family in MODEL_FAMILIES])
def test_each_family_knows_its_registry_example(family: ModelFamily) -> None:
    assert model_family(family.example) == family
    assert set(family.model_types) <= set(FLOAT16_REFUSED)


@pytest.mark.parametrize(
    ("argument", "name"),
    [
        ("--max_num_seqs=8", "--max-num-seqs"),
        ("--compilation-config.pass_config.x", "--compilation-config"),
        ("--kv_transfer_config.kv_role+", "--kv-transfer-config"),
        ("-tp=2", "-tp"),
    ],
)
def test_the_flag_name_as_vllm_s_parser_reads_it(argument: str, name: str) -> None:
    assert flag_name(argument) == name


def test_the_rules_import_no_cdktf() -> None:
    probe = "import sys, apps.vllm.engine_args; sys.exit('cdktf' in sys.modules or 'constructs' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, check=False).returncode == 0
