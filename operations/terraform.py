"""The one way operations/ runs Terraform in a synthesised stack's folder (deploy check, review, adopt, unlock).

Every command gets the same process environment (`environment`: the caller's, unattended, in the stack's own
workspace), colour off (`-no-color`), and, when it fails, one line with Terraform's own reason (`failure_reason`),
led by what to do when that reason is a cloud SDK's credential error (operations/credentials.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from operations import credentials

CONFIG_FILE = "cdk.tf.json"
# SGR sequences (colour, bold): Terraform writes them before it reads -no-color, e.g. for CLI configuration warnings.
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# The border Terraform draws around each diagnostic: ╷ opens it, │ starts each line inside, ╵ closes it.
OPENS, INSIDE, CLOSES = "╷", "│", "╵"
# Printed above the CLI configuration's own diagnostics (warnings on every command): never the reason.
CLI_CONFIG_HEADER = "There are some problems with the CLI configuration:"
ERROR_PREFIX = "Error: "


class TerraformFailed(Exception):
    """`terraform <command> in <folder> failed: <reason>`, one line."""


def environment(stack_dir: Path) -> dict[str, str]:
    """The caller's process environment plus what every Terraform command here runs with."""
    config_path = stack_dir / CONFIG_FILE
    config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    # TF_IN_AUTOMATION: no "run terraform apply next" advice; TF_INPUT=0: fail instead of waiting for an answer.
    settings = {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    if "tags" in config.get("terraform", {}).get("cloud", {}).get("workspaces", {}):
        # Tagged Terraform Cloud workspaces: several match the tags; the stack's own is named after it.
        settings["TF_WORKSPACE"] = stack_dir.name
    return {**os.environ, **settings}


def run(stack_dir: Path, command: str, *arguments: str, timeout: float | None = None) -> str:
    """`terraform <command> -no-color <arguments>` in the stack's folder: its standard output, else TerraformFailed.

    `command` is the subcommand, one word or two (`state pull`): -no-color has to follow it.
    """
    described = f"terraform {command} in {stack_dir}"
    try:
        completed = subprocess.run(
            ["terraform", *command.split(), "-no-color", *arguments],
            cwd=stack_dir,
            env=environment(stack_dir),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise TerraformFailed(f"{described} did not finish within {timeout:g} s") from None
    except OSError as error:  # no terraform on PATH, or no such folder
        raise TerraformFailed(f"{described} could not start: {error.strerror}: {error.filename}") from None
    if completed.returncode != 0:
        reason = failure_reason(completed.stdout, completed.stderr)
        # Absent or expired credentials surface as SDK errors ("no EC2 IMDS role found", "ExpiredToken"): say the
        # same as the preflight, then what Terraform said.
        advice = credentials.explained(completed.stdout + completed.stderr)
        raise TerraformFailed(f"{described} failed: {f'{advice} (Terraform: {reason})' if advice else reason}")
    return completed.stdout


def failure_reason(stdout: str, stderr: str) -> str:
    """Terraform's reason for failing, in one line: the first error's summary, else its first message that is not a
    warning (older commands print plain lines such as "Failed to unlock state: ..."), else "no output".

    Errors come as diagnostics on stderr, boxed or (with -no-color) plain, or in the JSON stream on stdout (`-json`).
    """
    for diagnostic in _json_diagnostics(stdout):
        if diagnostic.get("severity") == "error" and diagnostic.get("summary"):
            return str(diagnostic["summary"])
    messages = _messages(stderr)
    for message, _ in messages:
        if message.startswith(ERROR_PREFIX):
            return message.removeprefix(ERROR_PREFIX).strip()
    for message, boxed in messages:
        # A box that held no error held a warning; so does a plain "Warning:" line.
        if not boxed and not message.startswith("Warning:") and message != CLI_CONFIG_HEADER:
            return message
    return "no output"


def _json_diagnostics(stdout: str) -> list[dict[str, Any]]:
    """The diagnostics of a `-json` command's message stream (one JSON object per line); none in plain output."""
    diagnostics: list[dict[str, Any]] = []
    for line in stdout.splitlines():
        try:
            message = json.loads(line) if line.startswith("{") else None
        except json.JSONDecodeError:
            continue
        if isinstance(message, dict) and isinstance(message.get("diagnostic"), dict):
            diagnostics.append(message["diagnostic"])
    return diagnostics


def _messages(stderr: str) -> list[tuple[str, bool]]:
    """Each non-blank line without colour codes and border, and whether it stood inside a diagnostic's border."""
    lines: list[tuple[str, bool]] = []
    boxed = False
    for raw in stderr.splitlines():
        line = ANSI_ESCAPE.sub("", raw).strip()
        if line.startswith(OPENS):
            boxed = True
        elif line.startswith(CLOSES):
            boxed = False
        elif line.removeprefix(INSIDE).strip():
            lines.append((line.removeprefix(INSIDE).strip(), boxed or line.startswith(INSIDE)))
    return lines
