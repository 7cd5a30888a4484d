"""`make deploy|review|diff|output|destroy` run this before anything starts Terraform: it says, in the user's words,
why the command cannot work or has nothing to do, without calling a cloud.

Usage: python -m operations.preflight <target> <environment name> [-- <command> ...]  (ENVIRONMENTS selects the
files, as for main.py; STACKS_DIR, default cdktf.out/stacks, is where the stacks run).
- output and destroy on an environment that was never deployed: "nothing deployed for <name> yet", exit 0 (there
  is nothing to show or to tear down, which is an answer, not a failure), and no `terraform init`. A local
  backend decides from its state files: absent, empty or without resources. A remote one (s3, gcs, azurerm,
  Terraform Cloud) cannot be read offline: if a stack's folder was initialised by an earlier run, `terraform state
  pull` there reads it through the backend alone (no provider, no registry); otherwise the command goes ahead and
  Terraform reads the state as before.
- credentials for the environment's cloud and for its state backend's cloud (output: the backend's only; its
  state is all it reads), from environment variables and well-known files (operations/credentials.py); exit 1.
- bad input (unknown target, bad file, no such environment): exit 2.
After the checks pass, the command after `--`, if any, replaces this process (cdktf keeps the terminal).
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any

from catalogue.node_sizes import Cloud
from operations import credentials, terraform
from operations.selection import STACKS_DIR, named_environment_file
from spec.backends import AzurermBackend, GcsBackend, LocalBackend, S3Backend
from spec.environment import Environment

# Terraform's own record that a folder was initialised, with the backend it was initialised for.
INITIALISED = Path(".terraform") / "terraform.tfstate"

# Per target: whether it needs the environment's cloud (beside the backend's), and what "nothing deployed" means.
NEEDS_ENVIRONMENT_CLOUD = {"deploy": True, "review": True, "diff": True, "destroy": True, "output": False}
NOTHING_TO_DO = {"output": "no outputs", "destroy": "nothing to destroy"}


class Outcome(Enum):
    GO = "go"
    NOTHING_DEPLOYED = "nothing deployed"
    STOPPED = "stopped"


def backend_cloud(environment: Environment) -> Cloud | None:
    """The cloud whose credentials reading and writing the state takes (None: a local file, or Terraform Cloud)."""
    match environment.backend:
        case S3Backend():
            return Cloud.AWS
        case GcsBackend():
            return Cloud.GOOGLE
        case AzurermBackend():
            return Cloud.AZURE
    return None


def local_state_file(stacks_dir: Path, stack_name: str, backend: LocalBackend) -> Path:
    """Where a stack's local backend keeps its state: stacks/backends.py writes `../../../<path>/<stack>.tfstate`,
    relative to the stack's folder, so that the state sits beside cdktf.out wherever that is."""
    return Path(os.path.normpath(stacks_dir / stack_name / f"../../../{backend.path}/{stack_name}.tfstate"))


def _managed_resources(state: dict[str, Any]) -> int:
    return sum(
        len(resource.get("instances") or [])
        for resource in state.get("resources") or []
        if resource.get("mode") == "managed"
    )


def deployed_locally(state_files: list[Path]) -> bool | None:
    """Whether any of the state files records a resource; None when one cannot be read (Terraform will say why)."""
    for path in state_files:
        if not path.is_file() or path.stat().st_size == 0:
            continue
        try:
            recorded = _records_resources(path.read_text())
        except OSError:
            return None
        if recorded is not False:
            return recorded
    return False


def deployed_remotely(stack_dirs: list[Path]) -> bool | None:
    """Whether a remote state records a resource, read through the backend of folders an earlier run initialised;
    None when a folder was never initialised or the state cannot be read."""
    for stack_dir in stack_dirs:
        if not (stack_dir / INITIALISED).is_file():
            return None
        try:
            # `state pull` prints nothing for a state never written (`state list` fails on it)
            recorded = _records_resources(terraform.run(stack_dir, "state pull"))
        except terraform.TerraformFailed:
            return None
        if recorded is not False:
            return recorded
    return False


def _records_resources(text: str) -> bool | None:
    """Whether a state document records a resource; None when it is no state (Terraform will say why)."""
    try:
        state = json.loads(text) if text.strip() else {}
    except ValueError:
        return None
    return bool(_managed_resources(state)) if isinstance(state, dict) else None


def _shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd())) if path.is_absolute() and path.is_relative_to(Path.cwd()) else str(path)


def nothing_deployed(environment: Environment, stacks_dir: Path) -> str | None:
    """Why nothing of the environment is deployed (where its state would be), or None when something is, or may be."""
    stacks = [environment.cluster_stack_name, environment.apps_stack_name]
    if isinstance(environment.backend, LocalBackend):
        files = [local_state_file(stacks_dir, stack, environment.backend) for stack in stacks]
        if deployed_locally(files) is False:
            return f"no resources in {' or '.join(_shown(path) for path in files)}"
        return None
    if deployed_remotely([stacks_dir / stack for stack in stacks]) is False:
        return f"no resources in the {environment.backend.type} state of {' or '.join(stacks)}"
    return None


def missing_credentials(target: str, environment: Environment) -> str | None:
    clouds = [environment.cloud] if NEEDS_ENVIRONMENT_CLOUD[target] else []
    backend = backend_cloud(environment)
    if backend is not None and backend not in clouds:
        clouds.append(backend)
    return next((problem for cloud in clouds if (problem := credentials.missing(cloud))), None)


def _nothing_to_do(target: str, environment: Environment, stacks_dir: Path) -> str | None:
    empty = nothing_deployed(environment, stacks_dir) if target in NOTHING_TO_DO else None
    return f"nothing deployed for {environment.name} yet ({empty}): {NOTHING_TO_DO[target]}" if empty else None


def preflight(target: str, environment: Environment, stacks_dir: Path) -> tuple[Outcome, str | None]:
    """GO, NOTHING_DEPLOYED with the line to print, or STOPPED with the problem."""
    # A local state is read without credentials; a remote one with the backend's, so after they are checked.
    local = isinstance(environment.backend, LocalBackend)
    if local and (nothing := _nothing_to_do(target, environment, stacks_dir)):
        return Outcome.NOTHING_DEPLOYED, nothing
    problem = missing_credentials(target, environment)
    if problem:
        return Outcome.STOPPED, problem
    if not local and (nothing := _nothing_to_do(target, environment, stacks_dir)):
        return Outcome.NOTHING_DEPLOYED, nothing
    return Outcome.GO, None


def main(argv: list[str]) -> int:
    arguments, command = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    if len(arguments) != 3 or arguments[1] not in NEEDS_ENVIRONMENT_CLOUD:
        targets = "|".join(NEEDS_ENVIRONMENT_CLOUD)
        print(f"usage: python -m operations.preflight {targets} <environment name> [-- <command>]", file=sys.stderr)
        return 2
    target, name = arguments[1], arguments[2]
    environment_file = named_environment_file(name)
    if environment_file is None:
        return 2
    outcome, message = preflight(target, environment_file.environment, STACKS_DIR)
    if outcome is Outcome.NOTHING_DEPLOYED:
        print(message)
        return 0
    if outcome is Outcome.STOPPED:
        print(f"error: {message}; make {target} stopped before starting Terraform", file=sys.stderr)
        return 1
    if command:
        sys.stdout.flush()
        os.execvp(command[0], command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
