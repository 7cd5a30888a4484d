"""checkov over every stack of every shipped environment: no failed check beyond the reasoned skips."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT_ROOT
from tests.support.synthesized_stacks import SynthesizedStack

pytestmark = pytest.mark.slow(seconds=10)  # the start order: tests/conftest.py


CHECKOV_CONFIG = PROJECT_ROOT / ".checkov.yaml"
CLOUD_PROVIDERS = {"aws": "aws", "google": "google", "azurerm": "azure"}


def checkov_report(stacks_dir: Path) -> list[dict[str, object]]:
    checkov = Path(sys.executable).with_name("checkov")
    completed = subprocess.run(
        [str(checkov), "--config-file", str(CHECKOV_CONFIG), "-d", str(stacks_dir), "-o", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if not completed.stdout.strip().startswith(("{", "[")):
        pytest.fail(f"checkov did not report (exit {completed.returncode}): {completed.stderr[-3000:]}")
    report = json.loads(completed.stdout)
    return report if isinstance(report, list) else [report]


def cloud_of_stack(stack: SynthesizedStack) -> str:
    return next(cloud for provider, cloud in CLOUD_PROVIDERS.items() if provider in stack.json.get("provider", {}))


def test_every_skipped_check_has_a_reason() -> None:
    lines = CHECKOV_CONFIG.read_text().splitlines()
    skips = yaml.safe_load(CHECKOV_CONFIG.read_text())["skip-check"]
    for skip in skips:
        index = next(i for i, line in enumerate(lines) if line.strip() == f"- {skip}")
        assert lines[index - 1].strip().startswith("#"), f"{skip} has no reason on the line above it"


def without_moved_blocks(stacks: list[SynthesizedStack], target: Path) -> Path:
    """The stacks as checkov can read them: its terraform_json parser rejects a whole file with a top-level `moved`
    (checkov 3.3.30), and a moved block only renames addresses, so dropping it hides nothing from the checks."""
    for stack in stacks:
        folder = target / stack.name
        folder.mkdir(parents=True)
        config = {key: value for key, value in stack.json.items() if key != "moved"}
        (folder / "cdk.tf.json").write_text(json.dumps(config))
    return target


def test_checkov_finds_no_failed_check_in_any_stack(all_stacks: list[SynthesizedStack], tmp_path: Path) -> None:
    reports = checkov_report(without_moved_blocks(all_stacks, tmp_path / "stacks"))
    unparsed = [path for report in reports for path in report["results"]["parsing_errors"]]  # type: ignore[index]
    assert unparsed == [], "checkov could not parse these stacks, so it checked nothing in them"
    failed = [check for report in reports for check in report["results"]["failed_checks"]]  # type: ignore[index]
    passed = [check for report in reports for check in report["results"]["passed_checks"]]  # type: ignore[index]
    clouds = {f"/{stack.name}/cdk.tf.json": cloud_of_stack(stack) for stack in all_stacks}
    passed_per_cloud = Counter(clouds[str(check["file_path"])] for check in passed)
    failed_per_cloud = Counter(clouds[str(check["file_path"])] for check in failed)
    print(f"checkov per cloud: passed {dict(passed_per_cloud)}, failed {dict(failed_per_cloud)}")
    assert passed
    assert [f"{c['check_id']} {c['file_path']} {c['resource']}" for c in failed] == []
