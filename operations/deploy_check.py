"""`make deploy` and `make review` run this first: it stops before anything changes when the deploy would fail or
silently break the running environment.

Usage: python -m operations.deploy_check <environment name>  (ENVIRONMENTS selects the files, as for main.py; the
cluster stack must be synthesised in $STACKS_DIR, default cdktf.out/stacks, so that its state can be read).
Exit 0: deploy may go ahead; 1: stopped, with the way out: the apps stack could not reach a private API
endpoint, publicAccessCidrs holds a documentation range (RFC 5737: a placeholder, nobody's address), or the file
would orphan the running cluster (region, cloud, project, subscription changed) or skip a Kubernetes minor version;
2: bad input.

What was deployed comes from the cluster stack's own state, through its backend (`terraform output -json`):
the `identity` and `kubernetes_version` outputs. A changed `name` is a different state location, so it cannot be
told apart from a new environment here: the old one keeps running until destroyed with its own file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from operations import terraform
from operations.selection import STACKS_DIR, named_environment_file
from operations.upgrade_checks import identity_problem, upgrade_problem
from spec.deployed import Identity
from validation.loader import EnvironmentFile
from validation.warnings import placeholder_cidr_warning, unreachable_api_warning

STOPPED = "deploy stopped before creating or changing anything"


class StateUnreadable(Exception):
    pass


def deployed_outputs(stack_dir: Path) -> dict[str, Any]:
    """The outputs in the stack's state, through its own backend: {} when nothing was deployed yet."""
    if not (stack_dir / terraform.CONFIG_FILE).is_file():
        raise StateUnreadable(f"{stack_dir} is not synthesised (run `make synth` first)")
    try:
        terraform.run(stack_dir, "init", "-input=false")
        outputs: dict[str, Any] = json.loads(terraform.run(stack_dir, "output", "-json") or "{}")
    except terraform.TerraformFailed as error:
        raise StateUnreadable(str(error)) from None
    return {name: output["value"] for name, output in outputs.items()}


def state_problem(environment_file: EnvironmentFile, outputs: dict[str, Any]) -> str | None:
    environment = environment_file.environment
    deployed = Identity.from_outputs(outputs)
    if deployed is None:
        return None  # nothing deployed yet
    problem = identity_problem(deployed, environment)
    if problem is None and "kubernetes_version" in outputs:
        problem = upgrade_problem(environment.cloud, outputs["kubernetes_version"], environment.version)
    return problem


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m operations.deploy_check <environment name>", file=sys.stderr)
        return 2
    environment_file = named_environment_file(argv[1])
    if environment_file is None:
        return 2
    problem = check(environment_file)
    if problem:
        print(f"error: {problem}; {STOPPED}", file=sys.stderr)
        return 1
    return 0


def check(environment_file: EnvironmentFile) -> str | None:
    """The first reason to stop, as one line naming the file (or what could not be read), else None."""
    environment = environment_file.environment
    # Both from the file alone, before the state is read: a placeholder CIDR would let the cluster be created (and
    # billed) and then keep the apps stack out of it.
    problem = unreachable_api_warning(environment) or placeholder_cidr_warning(environment)
    if problem:
        return f"{environment_file.path}: {problem}"
    try:
        outputs = deployed_outputs(STACKS_DIR / environment.cluster_stack_name)
    except StateUnreadable as error:
        return f"cannot read what {environment.name!r} runs now: {error}"
    problem = state_problem(environment_file, outputs)
    return f"{environment_file.path}: {problem}" if problem else None


if __name__ == "__main__":
    sys.exit(main(sys.argv))
