"""`make bench`'s own parts: its generated environments are valid, and its jsii call counter still counts."""

from __future__ import annotations

from pathlib import Path

from bench.benchmark import count_jsii_calls, generated_environments
from catalogue.node_sizes import Cloud
from validation.loader import load_environments


def test_generated_environments_take_the_clouds_in_turn_and_pass_the_loader(tmp_path: Path) -> None:
    loaded = load_environments(generated_environments(tmp_path, 4))
    assert [file.environment.cloud for file in loaded] == [Cloud.AWS, Cloud.GOOGLE, Cloud.AZURE, Cloud.AWS]
    assert all(file.environment.gpu.enabled and not file.warnings for file in loaded)


def test_generated_environments_of_one_cloud_have_distinct_names(tmp_path: Path) -> None:
    loaded = load_environments(generated_environments(tmp_path, 3, ("aws",)))
    assert {file.environment.cloud for file in loaded} == {Cloud.AWS}
    assert len({file.environment.name for file in loaded}) == 3


def test_jsii_call_counter_sees_the_round_trips_of_a_real_synth(tmp_path: Path) -> None:
    calls = count_jsii_calls(generated_environments(tmp_path, 1, ("aws",)))
    # An AWS environment is ~70 resources and constructs; zero would mean the hook no longer reaches jsii.
    assert calls.round_trips > 100
    assert 0 < calls.node_seconds < calls.seconds
