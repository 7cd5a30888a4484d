"""`make synth`'s real path: the cdktf CLI runs cdktf.json's app command (.venv/bin/python main.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.terraform_tools import cdktf_synth

pytestmark = pytest.mark.slow(seconds=10)  # the start order: tests/conftest.py


def test_cdktf_synth_writes_both_stacks_of_the_default_environment(tmp_path: Path) -> None:
    result = cdktf_synth(tmp_path / "out", "environments/dev.yaml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == ["dev-apps", "dev-cluster"]
    assert manifest["stacks"]["dev-apps"]["dependencies"] == ["dev-cluster"]


def test_cdktf_synth_fails_on_a_bad_file_and_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bad\ncloud: aws\n")
    result = cdktf_synth(tmp_path / "out", str(bad))
    assert result.returncode != 0
    assert f"error: {bad}: name:" in result.stdout + result.stderr
