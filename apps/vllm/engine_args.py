"""Engine settings vLLM itself would refuse at start, refused at synth: `extraArgs` flags, `dtype`, kvaware routing.

The facts, each with its line in vLLM 0.33.0, are catalogue/vllm_engine.py; this module only applies them. They hold
for engines that run vLLM 0.33.0 (the pinned image, catalogue/charts.py's VLLM_ENGINE_IMAGE, or any image tagged
v0.33.0): a model that names an image of another vLLM version is not checked, since its flags are that version's.
Pure rules over the validated environment: no cdktf.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from apps.vllm.serving import MODELS_FIELD, model_pools
from catalogue.machines import GPU_FACTS, GpuModel
from catalogue.vllm_engine import (
    FLOAT16_DTYPES,
    FLOAT16_REFUSED,
    HELP_OPTIONS,
    MODEL_FAMILIES,
    MODEL_OPTION,
    REMOVED_FLAGS,
    SERVE_OPTIONS,
    VLLM_VERSION,
    ModelFamily,
    RemovedFlag,
)
from spec.apps import VllmModelSpec
from spec.environment import Environment
from spec.problems import FieldProblem

ROUTING_FIELD = "apps.vllm.routingLogic"
SERVE = f"vllm serve {VLLM_VERSION}"

# argparse reads an argument that looks like a negative number as a value (the parser has no such option).
NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")
# `-O <n>` is --optimization-level only with one of these after it (vllm/utils/argparse_utils.py:400-406).
OPTIMIZATION_LEVELS = ("0", "1", "2", "3")

KVAWARE_REFUSAL = (
    "kvaware sends each request to the engine whose LMCache already holds the prompt's KV cache, which LMCache's "
    "controller in the router learns from the engines; these engines run no LMCache (vLLM "
    f"{VLLM_VERSION} does not ship it and no LMCache connector is configured), so there is nothing to route on; use "
    "prefixaware (the router's own prefix table) or roundrobin"
)


def _accepted_options() -> frozenset[str]:
    """Every option string `vllm serve` takes: the declared ones, the --no- and --enable-/--disable- forms of the
    boolean ones (EnableDisableAction, vllm/utils/argparse_utils.py:120-145), and argparse's help."""
    accepted = set(HELP_OPTIONS)
    for declared in SERVE_OPTIONS:
        accepted.update(declared.options)
        if not declared.boolean:
            continue
        for option in declared.options:
            if not option.startswith("--"):
                continue  # BooleanOptionalAction negates long options only
            accepted.add(f"--no-{option[2:]}")
            for prefix, inverse in (("--enable-", "--disable-"), ("--disable-", "--enable-")):
                if option.startswith(prefix):
                    accepted.add(inverse + option.removeprefix(prefix))
    return frozenset(accepted)


ACCEPTED_OPTIONS = _accepted_options()
REMOVED = {removed.flag: removed for removed in REMOVED_FLAGS}
# argparse reads every argument after a `--` as positional, and `vllm serve` has only the chart's model for one.
END_OF_OPTIONS = "-- ends the options: vLLM would refuse every argument after it as unrecognized; remove it"
# Arguments the parser takes that still keep the engine from serving.
REFUSED_THOUGH_PARSED = {
    **{
        option: f"{option} makes vllm serve print its help and exit instead of serving; remove it"
        for option in HELP_OPTIONS
    },
    MODEL_OPTION: (
        f"{MODEL_OPTION} makes vllm serve take its value as the model and refuse the one the chart passes (the model "
        "field) as an unrecognized argument; set model instead"
    ),
}


def engine_arg_problems(environment: Environment) -> list[FieldProblem]:
    """Each `extraArgs` flag, `dtype` and `routingLogic` that vLLM 0.33.0 would refuse (or, for `auto` on a GPU
    that leaves a model only float32, would resolve silently to a dtype twice the size); empty when none."""
    vllm = environment.apps.vllm
    placed = model_pools(environment)
    problems = []
    for index, model in enumerate(vllm.models):
        if not runs_catalogued_vllm(model):
            continue
        where = f"{MODELS_FIELD}.{index}"
        problems += extra_arg_problems(f"{where}.extraArgs", model.extra_args)
        pool = placed.get(model.name)
        gpu = pool.gpu.tier.gpu_model if pool is not None and pool.gpu is not None else None
        refused = dtype_problem(model.model, model.dtype or "auto", gpu)
        if refused is not None:
            problems.append(FieldProblem(f"{where}.dtype", refused))
    if vllm.routing_logic == "kvaware":
        problems.append(FieldProblem(ROUTING_FIELD, KVAWARE_REFUSAL))
    return problems


def runs_catalogued_vllm(model: VllmModelSpec) -> bool:
    """Whether the model's engine image is tagged with the vLLM version the catalogue was read from."""
    name = model.image.rsplit("/", 1)[-1]
    return ":" in name and name.rsplit(":", 1)[1] == f"v{VLLM_VERSION}"


# --- extraArgs --------------------------------------------------------------------------------------------------


def extra_arg_problems(field: str, arguments: Sequence[str]) -> list[FieldProblem]:
    """The flags among `arguments` that vLLM would not take, each at `<field>.<position>`. An argument that does not
    start with `-` (or is a negative number, or holds a space) is a value, as argparse reads it, and is not checked."""
    problems = []
    for position, argument in enumerate(arguments):
        if not _is_option(argument):
            continue
        following = arguments[position + 1] if position + 1 < len(arguments) else None
        problem = flag_problem(argument, following)
        if problem is not None:
            problems.append(FieldProblem(f"{field}.{position}", problem))
    return problems


def flag_problem(argument: str, following: str | None = None) -> str | None:
    """Why `vllm serve` would refuse the flag `argument` (`following` is the argument after it), or None."""
    if argument.startswith("-O"):
        return _optimization_problem(argument, following)
    if argument == "--":
        return None if following is None else END_OF_OPTIONS
    name = flag_name(argument)
    if name in REFUSED_THOUGH_PARSED:
        return REFUSED_THOUGH_PARSED[name]
    if name in ACCEPTED_OPTIONS or _short_option_with_value(name):
        return None
    if name in REMOVED:
        return _removed(REMOVED[name])
    return _unknown(name)


def _optimization_problem(argument: str, following: str | None) -> str | None:
    """-O3, -O=3, -Odecode and -O 3 are --optimization-level (vllm/utils/argparse_utils.py:395-406); a bare -O is
    that only with a level after it, else argparse sees an unknown -O."""
    if argument != "-O" or following in OPTIMIZATION_LEVELS:
        return None
    return f"-O is the short form of --optimization-level only with a level (0-3) after it; {SERVE} refuses it"


def _unknown(name: str) -> str:
    prefixed = sorted(option for option in ACCEPTED_OPTIONS if option.startswith(name))
    if len(prefixed) == 1:  # argparse's allow_abbrev, which vLLM leaves on
        return (
            f"{name} is not a {SERVE} flag: vLLM would read it as an abbreviation of {prefixed[0]}, which a later "
            f"flag can make ambiguous; write {prefixed[0]}"
        )
    if prefixed:
        shown = ", ".join(prefixed[:3]) + (", ..." if len(prefixed) > 3 else "")
        return f"{name} is not a {SERVE} flag, and vLLM refuses it as an ambiguous abbreviation ({shown})"
    close = difflib.get_close_matches(name, sorted(ACCEPTED_OPTIONS), n=1)
    if close:
        return f"{name} is not a {SERVE} flag (did you mean {close[0]}?)"
    return f"{name} is not a {SERVE} flag; vLLM stops with 'unrecognized arguments'"


def flag_name(argument: str) -> str:
    """The option an argument names, as vLLM's parser sees it: the part before `=`, with `_` read as `-` in a long
    option (vllm/utils/argparse_utils.py:374-394), and `--json-option.key` (or `.key+`) read as `--json-option`
    (argparse_utils.py:462-500)."""
    name = argument.split("=", 1)[0]
    if name.startswith("--"):
        before, dot, after = name.partition(".")
        name = before.replace("_", "-") + dot + after
    return name.split(".", 1)[0] if "." in name else name


def _is_option(argument: str) -> bool:
    if not argument.startswith("-") or argument == "-" or NEGATIVE_NUMBER.match(argument):
        return False
    return " " not in argument.split("=", 1)[0]


def _short_option_with_value(name: str) -> bool:
    """argparse takes `-qfp8` as `-q fp8`: a one-letter option with its value attached."""
    return not name.startswith("--") and len(name) > 2 and name[:2] in ACCEPTED_OPTIONS and name[:2] not in HELP_OPTIONS


def _removed(removed: RemovedFlag) -> str:
    when = f"in vLLM {removed.removed_in}" if removed.removed_in else f"before vLLM {VLLM_VERSION}"
    return f"{removed.flag} was removed {when} ({removed.why}) and {SERVE} refuses it; {removed.instead}"


# --- dtype ------------------------------------------------------------------------------------------------------


def model_family(model_id: str) -> ModelFamily | None:
    """The family of FLOAT16_REFUSED a Hugging Face model id names, by its name alone; None for any other id."""
    for family in MODEL_FAMILIES:
        if re.search(family.id_pattern, model_id, re.IGNORECASE):
            return family
    return None


def dtype_problem(model_id: str, dtype: str, gpu: GpuModel | None) -> str | None:
    """Why vLLM would refuse `dtype` for this model on this GPU (None: unknown pool), or None when it would not."""
    family = model_family(model_id)
    no_bfloat16 = gpu is not None and not GPU_FACTS[gpu].bfloat16
    if family is not None and dtype in FLOAT16_DTYPES:
        types = ", ".join(family.model_types)
        reasons = sorted({FLOAT16_REFUSED[model_type] for model_type in family.model_types})
        use = f"float32 ({gpu} GPUs have no bfloat16)" if no_bfloat16 else "bfloat16 or float32"
        return (
            f"vLLM {VLLM_VERSION} refuses {dtype} for {family.name} (model type {types}, read from the name "
            f"{model_id}: {'; '.join(reasons)}); use {use}"
        )
    if dtype == "bfloat16" and no_bfloat16:
        use = f"float32 ({family.name} refuses float16)" if family is not None else "float16"
        return f"vLLM {VLLM_VERSION} refuses bfloat16 on {gpu} GPUs (compute capability below 8.0); use {use}"
    if dtype == "auto" and family is not None and no_bfloat16:
        return (
            f"{family.name} (read from the name {model_id}) runs only in float32 on {gpu} GPUs: they have no "
            f"bfloat16 and vLLM {VLLM_VERSION} refuses float16 for it, so auto would fall back to float32 with a "
            "warning only, at twice the weight memory; set dtype: float32 (or run it on a pool with bfloat16)"
        )
    return None
