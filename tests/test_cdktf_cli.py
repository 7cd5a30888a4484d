"""`make synth`'s real path: the cdktf CLI runs cdktf.json's app command (pipenv run python main.py)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

CDKTF = PROJECT_ROOT / "node_modules" / ".bin" / "cdktf"
PIPENV_DIR = PROJECT_ROOT / ".tools" / "path"


def run_cdktf_synth(outdir: Path, environments: str) -> subprocess.CompletedProcess[str]:
    if not CDKTF.exists() or not (PIPENV_DIR / "pipenv").exists():
        pytest.fail("cdktf-cli or pipenv is not installed; run the tests through `make test`")
    environment = {
        **{key: value for key, value in os.environ.items() if key != "NODE_OPTIONS"},
        "PATH": os.pathsep.join([str(CDKTF.parent), str(PIPENV_DIR), os.environ.get("PATH", "")]),
        "ENVIRONMENTS": environments,
        "CHECKPOINT_DISABLE": "1",
        "PIPENV_VERBOSITY": "-1",
        "PIPENV_VENV_IN_PROJECT": "1",
        "PIPENV_IGNORE_VIRTUALENVS": "1",
        "CI": "1",
    }
    return subprocess.run(
        [str(CDKTF), "synth", "--output", str(outdir)],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cdktf_synth_writes_both_stacks_of_the_default_environment(tmp_path: Path) -> None:
    result = run_cdktf_synth(tmp_path / "out", "environments/dev.yaml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == ["dev-apps", "dev-cluster"]
    assert manifest["stacks"]["dev-apps"]["dependencies"] == ["dev-cluster"]


def test_cdktf_synth_fails_on_a_bad_file_and_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bad\ncloud: aws\n")
    result = run_cdktf_synth(tmp_path / "out", str(bad))
    assert result.returncode != 0
    assert f"error: {bad}: name:" in result.stdout + result.stderr
