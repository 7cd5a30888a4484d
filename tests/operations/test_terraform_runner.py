"""operations/terraform.py: every operation runs Terraform the same way, and a failure says what Terraform said."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Any

import pytest

from operations import terraform
from tests.support.terraform_tools import terraform_binary

RED, RESET, BOLD = "\x1b[31m", "\x1b[0m", "\x1b[1m"
# What Terraform 1.11 writes to stderr when the CLI configuration file is missing: before it reads -no-color, so
# boxed and coloured, on every command (the old adopt reported this as "failed: ╷").
CLI_CONFIG_WARNING = (
    "There are some problems with the CLI configuration:\n"
    f"{RED}╷{RESET}{RESET}\n"
    f"{RED}│{RESET} {RESET}{BOLD}Warning: {RESET}{RESET}{BOLD}Unable to open CLI configuration file{RESET}\n"
    f"{RED}│{RESET} {RESET}\n"
    f'{RED}│{RESET} {RESET}The CLI configuration file at "/root/.terraformrc" does not exist.\n'
    f"{RED}╵{RESET}{RESET}\n\n"
)
BOXED_ERROR = (
    f"{RED}╷{RESET}{RESET}\n"
    f"{RED}│{RESET} {RESET}{BOLD}{RED}Error: {RESET}{RESET}{BOLD}Error acquiring the state lock{RESET}\n"
    f"{RED}│{RESET} {RESET}\n"
    f"{RED}│{RESET} {RESET}Error message: operation error S3: PutObject, StatusCode: 412\n"
    f"{RED}╵{RESET}{RESET}\n"
)
PLAIN_ERROR = (
    '\nError: Backend initialization required, please run "terraform init"\n\n'
    'Reason: Initial configuration of the requested backend "s3"\n'
)


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        (CLI_CONFIG_WARNING + BOXED_ERROR, "Error acquiring the state lock"),
        (CLI_CONFIG_WARNING + PLAIN_ERROR, 'Backend initialization required, please run "terraform init"'),
        # force-unlock's refusal is a plain line, no diagnostic
        (
            CLI_CONFIG_WARNING + "Failed to unlock state: LocalState not locked\n",
            "Failed to unlock state: LocalState not locked",
        ),
        (CLI_CONFIG_WARNING, "no output"),  # only a warning: there is no reason to report
        ("", "no output"),
    ],
    ids=["boxed-error", "plain-error", "plain-line", "only-a-warning", "nothing"],
)
def test_the_reason_is_terraforms_own_first_line(stderr: str, reason: str) -> None:
    assert terraform.failure_reason("", stderr) == reason


def test_a_json_stream_s_first_error_is_the_reason() -> None:
    stream = [
        {"type": "version", "terraform": "1.11.4"},
        {"type": "diagnostic", "diagnostic": {"severity": "warning", "summary": "Deprecated attribute"}},
        {"type": "diagnostic", "diagnostic": {"severity": "error", "summary": "Error acquiring the state lock"}},
        {"type": "diagnostic", "diagnostic": {"severity": "error", "summary": "Second error"}},
    ]
    stdout = "\n".join(json.dumps(message) for message in stream)
    assert terraform.failure_reason(stdout, CLI_CONFIG_WARNING) == "Error acquiring the state lock"


def _stack(tmp_path: Path, config: dict[str, Any], name: str = "dev-cluster") -> Path:
    stack_dir = tmp_path / name
    stack_dir.mkdir()
    (stack_dir / terraform.CONFIG_FILE).write_text(json.dumps(config))
    return stack_dir


@pytest.mark.parametrize(("workspaces", "selected"), [({"tags": ["s"]}, "dev-cluster"), ({"name": "x"}, None)])
def test_tagged_cloud_workspaces_select_the_stacks_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workspaces: dict[str, Any], selected: str | None
) -> None:
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    stack_dir = _stack(tmp_path, {"terraform": {"cloud": {"workspaces": workspaces}}})
    assert terraform.environment(stack_dir).get("TF_WORKSPACE") == selected


def test_every_command_runs_unattended_with_the_caller_s_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "ops")
    monkeypatch.setenv("TF_INPUT", "1")
    settings = terraform.environment(_stack(tmp_path, {}))
    assert (settings["TF_IN_AUTOMATION"], settings["TF_INPUT"], settings["AWS_PROFILE"]) == ("1", "0", "ops")


def fake_terraform(folder: Path, *, exit_code: int = 0, stderr: str = "", stdout: str = "") -> Path:
    """A `terraform` on PATH that records its folder, two of its variables and its arguments, then answers as told."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    record = folder / "record"
    script = bin_dir / "terraform"
    script.write_text(
        "#!/bin/sh\n"
        f'{{ pwd; echo "$TF_IN_AUTOMATION $TF_WORKSPACE"; printf \'%s\\n\' "$@"; }} > {shlex.quote(str(record))}\n'
        f"printf %s {shlex.quote(stdout)}\n"
        f"printf %s {shlex.quote(stderr)} >&2\n"
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return record


@pytest.fixture
def recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    record = fake_terraform(tmp_path, stdout='{"vpc": {"value": "vpc-1"}}')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    return record


@pytest.mark.parametrize(
    ("command", "arguments", "argv"),
    [
        ("output", ("-json",), ["output", "-no-color", "-json"]),
        ("state pull", (), ["state", "pull", "-no-color"]),
        ("force-unlock", ("-force", "abc"), ["force-unlock", "-no-color", "-force", "abc"]),
    ],
)
def test_colour_is_off_after_the_subcommand_in_the_stack_s_folder(
    tmp_path: Path, recorded: Path, command: str, arguments: tuple[str, ...], argv: list[str]
) -> None:
    stack_dir = _stack(tmp_path, {"terraform": {"cloud": {"workspaces": {"tags": ["gpu"]}}}})
    assert terraform.run(stack_dir, command, *arguments) == '{"vpc": {"value": "vpc-1"}}'
    folder, variables, *seen_argv = recorded.read_text().splitlines()
    assert (Path(folder), variables, seen_argv) == (stack_dir, "1 dev-cluster", argv)


def test_a_failure_names_the_command_the_folder_and_terraform_s_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_terraform(tmp_path, exit_code=1, stderr=CLI_CONFIG_WARNING + BOXED_ERROR)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    stack_dir = _stack(tmp_path, {})
    with pytest.raises(terraform.TerraformFailed) as failed:
        terraform.run(stack_dir, "plan", "-input=false")
    assert str(failed.value) == f"terraform plan in {stack_dir} failed: Error acquiring the state lock"


def test_a_folder_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(terraform.TerraformFailed, match="could not start"):
        terraform.run(tmp_path / "missing", "output")


def test_real_terraform_s_reason_comes_through_its_cli_configuration_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terraform_binary()  # the real one: its output's shape is what this checks
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(tmp_path / "no-such-terraformrc"))  # Terraform warns, boxed
    backend = {"s3": {"bucket": "b", "key": "k", "region": "us-east-1"}}
    stack_dir = _stack(tmp_path, {"terraform": {"backend": backend}})  # never initialised
    with pytest.raises(terraform.TerraformFailed) as failed:
        terraform.run(stack_dir, "output", "-json")
    assert str(failed.value).endswith('failed: Backend initialization required, please run "terraform init"')
