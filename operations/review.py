"""`make review ENV=<name>`: plans both stacks of one environment and says what each change does to running work.

Usage: python -m operations.review <environment name>  (ENVIRONMENTS selects the files; the stacks must be synthesised
in $STACKS_DIR, default cdktf.out/stacks). Each stack is planned the way `cdktf diff` does it, in its own folder:
`terraform init`, `terraform plan -out`, `terraform show -json` (the plan is left there as review.tfplan).
Exit 0: nothing replaces or deletes a cluster or a node pool; 2: something does (read the bold lines first);
1: bad input, or a plan failed.

A namespace the plan would create though Helm created it already (environments deployed before the apps stack
created its namespaces, operations/helm_namespaces.py) gets an import block in recovery_imports.tf.json, which
`make deploy` applies and then removes, and the stack is planned again with it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from operations import terraform
from operations.adopt import write_imports, written_imports
from operations.change_review import Action, Change, Kind, classify, render
from operations.helm_namespaces import namespaces_helm_created
from operations.selection import STACKS_DIR, named_environment_file

PLAN_FILE = "review.tfplan"
NEEDS_ATTENTION = 2


class PlanFailed(Exception):
    pass


def plan_json(stack_dir: Path, plan_file: str = PLAN_FILE) -> dict[str, Any]:
    """The stack's plan as `terraform show -json` gives it; the plan itself stays in the folder as `plan_file`."""
    if not (stack_dir / terraform.CONFIG_FILE).is_file():
        raise PlanFailed(f"{stack_dir} is not synthesised (run `make synth` first)")
    try:
        terraform.run(stack_dir, "init", "-input=false")
        terraform.run(stack_dir, "plan", f"-out={plan_file}", "-input=false")
        plan: dict[str, Any] = json.loads(terraform.run(stack_dir, "show", "-json", plan_file))
    except terraform.TerraformFailed as error:
        raise PlanFailed(str(error)) from None
    return plan


def review_stack(stack_name: str) -> list[Change]:
    stack_dir = STACKS_DIR / stack_name
    plan = plan_json(stack_dir)
    imports = namespaces_helm_created(plan)
    if imports:
        for address, name in imports.items():
            print(f"{stack_name}: namespace {name} ({address}): imported, Helm created it before this stack did")
        # beside the ones an earlier review wrote, which this plan already imports
        write_imports(stack_dir, {**written_imports(stack_dir), **imports})
        plan = plan_json(stack_dir)
    return classify(stack_name, plan)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m operations.review <environment name>", file=sys.stderr)
        return 2
    environment_file = named_environment_file(argv[1])
    if environment_file is None:
        return 1
    environment = environment_file.environment
    try:
        changes = review_stack(environment.cluster_stack_name)
    except PlanFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        changes += review_stack(environment.apps_stack_name)
    except PlanFailed as error:
        creates_cluster = any(c.kind is Kind.CLUSTER and c.action is Action.CREATE for c in changes)
        if not creates_cluster:
            print(f"error: {error}", file=sys.stderr)
            return 1
        # The apps stack reads the cluster it installs into; before the cluster exists it cannot be planned.
        print(f"{environment.apps_stack_name}: planned once the cluster exists (it reads the cluster to connect)")
    print(render(changes, bold=sys.stdout.isatty()))
    return NEEDS_ATTENTION if any(change.stops_unattended for change in changes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
