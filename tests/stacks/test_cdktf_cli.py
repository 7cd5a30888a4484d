"""`make synth`'s real path: the cdktf CLI runs cdktf.json's app command (.venv/bin/python main.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.terraform_tools import PROJECT_ROOT, cdktf_synth

pytestmark = pytest.mark.slow(seconds=10)  # the start order: tests/conftest.py


@pytest.fixture(scope="module")
def default_synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("cli") / "out"
    return out, cdktf_synth(out, "environments/dev.yaml")


def test_cdktf_synth_writes_both_stacks_of_the_default_environment(
    default_synth: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, result = default_synth
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == ["dev-apps", "dev-cluster"]
    assert manifest["stacks"]["dev-apps"]["dependencies"] == ["dev-cluster"]


def test_a_successful_synth_prints_each_annotation_once_at_its_level_and_no_error(
    default_synth: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, result = default_synth
    output = result.stdout + result.stderr
    assert "[ERROR]" not in output
    capacity = [line for line in output.splitlines() if "capacity: system pool" in line]
    assert len(capacity) == 1, capacity
    assert "INFO [dev-cluster]: capacity: system pool" in capacity[0]
    assert "WARN [dev-apps]: endpointAccess:" in output


def test_a_successful_synth_says_where_the_stacks_are_and_what_comes_next(
    default_synth: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, result = default_synth
    assert f"wrote dev-cluster and dev-apps to {out / 'stacks'}/; next: make review ENV=dev" in result.stdout


def test_cdktf_synth_fails_on_a_bad_file_and_names_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bad\ncloud: aws\nnodeSize: huge\n")
    result = cdktf_synth(tmp_path / "out", str(bad))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"error: {bad}: name:" in output
    assert f"error: {bad}: nodeSize:" in output
    assert "[ERROR]" not in output  # under cdktf the lines go to stdout: its report shows them, not as errors


def test_make_synth_prints_each_problem_of_a_bad_file_once_and_stops_before_cdktf(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bad\ncloud: aws\nnodeSize: huge\n")
    result = subprocess.run(
        ["make", "--no-print-directory", "synth", f"ENVIRONMENTS={bad}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert output.count(f"error: {bad}: name:") == 1, output
    assert output.count(f"error: {bad}: nodeSize:") == 1, output
    assert "cdktf encountered an error" not in output
