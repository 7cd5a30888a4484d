"""`make unlock` and `make adopt`: they install what they run first, and unlock runs Terraform through operations/.

Releasing a real lock on S3 is tests/e2e/test_e2e_faults.py's (after every SIGKILL); here a recording `terraform`
answers.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from operations import unlock
from tests.conftest import PROJECT_ROOT
from tests.operations.test_terraform_runner import CLI_CONFIG_WARNING, fake_terraform

LOCK_ID = "9e2b3c4d-0000-0000-0000-000000000000"


def _stack(tmp_path: Path) -> Path:
    stack_dir = tmp_path / "dev-cluster"
    stack_dir.mkdir()
    (stack_dir / "cdk.tf.json").write_text("{}")
    return stack_dir


def test_unlock_runs_force_unlock_in_the_stack_s_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    record = fake_terraform(tmp_path, stdout="Terraform state has been successfully unlocked!")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    stack_dir = _stack(tmp_path)
    assert unlock.main(["operations/unlock.py", str(stack_dir), LOCK_ID]) == 0
    folder, _, *argv = record.read_text().splitlines()
    assert (Path(folder), argv) == (stack_dir, ["force-unlock", "-no-color", "-force", LOCK_ID])
    assert LOCK_ID in capsys.readouterr().out


def test_a_refused_unlock_exits_1_with_terraform_s_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    refusal = CLI_CONFIG_WARNING + "Failed to unlock state: failed to retrieve lock info: no lock found\n"
    fake_terraform(tmp_path, exit_code=1, stderr=refusal)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    assert unlock.main(["operations/unlock.py", str(_stack(tmp_path)), LOCK_ID]) == 1
    error = capsys.readouterr().err
    assert error.endswith("failed: Failed to unlock state: failed to retrieve lock info: no lock found\n")
    assert error.count("\n") == 1


@pytest.mark.parametrize("arguments", [[], ["cdktf.out/stacks/dev-cluster"], ["cdktf.out/stacks/dev-cluster", " "]])
def test_unlock_without_a_folder_and_an_id_is_bad_input(arguments: list[str]) -> None:
    assert unlock.main(["operations/unlock.py", *arguments]) == 2


def test_unlock_of_a_folder_that_holds_no_stack_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert unlock.main(["operations/unlock.py", str(tmp_path), LOCK_ID]) == 2
    assert "cdk.tf.json: not found" in capsys.readouterr().err


def _make_dry_run(*arguments: str) -> list[str]:
    # -n prints the recipes without running them; -W Pipfile.lock pretends the pins changed, as on a fresh clone.
    result = subprocess.run(
        ["make", "-n", "-W", "Pipfile.lock", *arguments], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    ("target", "command"),
    [
        (("unlock", f"LOCK_ID={LOCK_ID}"), f"operations.unlock 'cdktf.out/stacks/dev-cluster' '{LOCK_ID}'"),
        (("adopt",), "operations.adopt 'cdktf.out/stacks/dev-cluster'"),
    ],
    ids=["unlock", "adopt"],
)
def test_make_installs_the_venv_before_it_runs_the_operation(target: tuple[str, ...], command: str) -> None:
    lines = _make_dry_run(*target, "ENV=dev")
    install = next(i for i, line in enumerate(lines) if "pipenv sync" in line)
    runs = next(i for i, line in enumerate(lines) if line.endswith(command))
    assert install < runs
