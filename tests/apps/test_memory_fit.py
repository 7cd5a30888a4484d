"""A model must fit its GPUs before apply: weights + one maxModelLen sequence of KV cache within 0.92 of what the
GPUs report (vLLM 0.33.0's default utilisation); otherwise the file is refused naming the field and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.vllm.memory import memory_fits, memory_notes, memory_problems
from catalogue.models import MODELS, parameters_in_name
from tests.conftest import environment
from validation.loader import ConfigError, load_environment_file
from validation.warnings import apps_infos


def one_model(model: dict[str, Any], **gpu: Any) -> dict[str, Any]:
    return {
        "gpu": {"enabled": True, **gpu},
        "apps": {"vllm": {"enabled": True, "models": [{"name": "m", **model}]}},
    }


def test_an_8b_model_with_an_8k_context_fits_one_a10g() -> None:
    # 8.03e9 x 2 B = 14.96 GiB; KV 128 KiB x 8192 = 1 GiB; 0.92 x 22.49 GiB = 20.69 GiB
    env = environment(**one_model({"model": "meta-llama/Llama-3.1-8B-Instruct", "maxModelLen": 8192}))
    (fit,) = memory_fits(env)
    assert (round(fit.weights_gib, 2), round(fit.kv_gib, 2), round(fit.usable_gib, 2)) == (14.96, 1.0, 20.69)
    assert fit.fits
    assert memory_problems(env) == []


def test_a_70b_model_on_one_a10g_is_refused_for_its_weights_naming_the_gpus_it_needs() -> None:
    env = environment(**one_model({"model": "meta-llama/Llama-3.1-70B-Instruct", "gpus": 1}))
    (problem,) = memory_problems(env)
    assert problem.field == "apps.vllm.models.0.gpus"
    assert "131.4 GiB of weights" in problem.problem
    assert "the weights alone do not fit; use gpus: 9 or more" in problem.problem


def test_an_8b_model_at_its_native_context_on_one_a10g_is_refused_naming_the_longest_that_fits() -> None:
    # 14.96 GiB of weights + 16 GiB of KV for 131072 tokens > 20.69 GiB; 5.73 GiB left = 46955 tokens, in 16s: 46944
    env = environment(**one_model({"model": "meta-llama/Llama-3.1-8B-Instruct"}))
    (problem,) = memory_problems(env)
    assert problem.field == "apps.vllm.models.0.maxModelLen"
    assert "set maxModelLen: 46944 or less" in problem.problem


def test_float32_doubles_the_weights() -> None:
    half = memory_fits(environment(**one_model({"model": "Qwen/Qwen2.5-1.5B-Instruct", "maxModelLen": 4096})))
    full = memory_fits(
        environment(**one_model({"model": "Qwen/Qwen2.5-1.5B-Instruct", "maxModelLen": 4096, "dtype": "float32"}))
    )
    assert full[0].weights_gib == pytest.approx(2 * half[0].weights_gib)


def test_a_model_outside_the_catalogue_is_estimated_from_its_name_with_a_warning_only() -> None:
    env = environment(**one_model({"model": "someone/Great-Model-72B", "maxModelLen": 4096}))
    assert memory_problems(env) == []
    warnings, infos = memory_notes(env)
    assert infos == []
    (warning,) = warnings
    assert warning.startswith("apps.vllm.models.0.gpus: estimated from the 72B in its name")


def test_a_model_without_a_size_in_its_name_is_noted_as_not_checked() -> None:
    env = environment(**one_model({"model": "someone/great-model", "maxModelLen": 4096}))
    warnings, infos = memory_notes(env)
    assert warnings == []
    assert infos == [
        "apps.vllm.models.0.model: someone/great-model is not in the model catalogue and its name states no size, "
        "so whether it fits GPU memory was not checked"
    ]
    assert infos[0] in apps_infos(env)


@pytest.mark.parametrize(
    ("model", "billions"),
    [("meta-llama/Llama-3.1-70B-Instruct", 70), ("Qwen/Qwen2.5-1.5B-Instruct", 1.5), ("x/Mixtral-8x7B", 56)],
)
def test_the_size_in_a_name_is_read_as_billions_of_parameters(model: str, billions: float) -> None:
    assert parameters_in_name(model) == billions


def test_every_catalogued_model_states_its_source_and_a_size_near_its_name() -> None:
    for name, facts in MODELS.items():
        assert facts.source, name
        stated = parameters_in_name(name)
        if stated is not None and "x" not in name.rsplit("/", 1)[-1].lower().split("-")[1]:
            assert abs(facts.parameters_b - stated) / stated < 0.3, name  # names round (1.24B is '1B')


def test_the_loader_refuses_a_70b_model_on_one_a10g_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "seventy.yaml"
    models = '[{name: big, model: "meta-llama/Llama-3.1-70B-Instruct", gpus: 1}]'
    path.write_text(
        f"name: seventy\ncloud: aws\ngpu: {{enabled: true}}\napps: {{vllm: {{enabled: true, models: {models}}}}}\n"
    )
    with pytest.raises(ConfigError, match=r"seventy.yaml: apps.vllm.models.0.gpus: .* use gpus: 9 or more"):
        load_environment_file(path)
