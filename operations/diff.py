"""`make diff ENV=<name>`: what Terraform would change in each stack of one environment, cluster stack first, one
line per resource.

Usage: python -m operations.diff <environment name>  (ENVIRONMENTS selects the files; the stacks must be
synthesised in $STACKS_DIR, default cdktf.out/stacks). Each stack is planned as `make review` plans it (the one
runner, operations/terraform.py), and the plan stays in the stack's folder as diff.tfplan, for
`terraform -chdir=<folder> show diff.tfplan` to print every attribute. While the cluster stack would create the
cluster, the apps stack is not planned: it reads the cluster to connect, so its plan could only fail.
Exit 0: planned, with or without changes; 1: a plan failed (Terraform's reason in one line); 2: bad input.
"""

from __future__ import annotations

import sys
from typing import Any

from operations.change_review import Action, Kind, classify
from operations.review import PlanFailed, plan_json
from operations.selection import STACKS_DIR, named_environment_file

PLAN_FILE = "diff.tfplan"

# Terraform's own symbols for its action lists (data source reads and no-ops are not changes).
SYMBOLS: dict[tuple[str, ...], str] = {
    ("create",): "+",
    ("update",): "~",
    ("delete",): "-",
    ("delete", "create"): "-/+",
    ("create", "delete"): "+/-",
}


def _changed_attributes(change: dict[str, Any]) -> list[str]:
    """The top-level attributes a change sets anew: for a replacement the ones that force it, else every one."""
    if change.get("replace_paths"):
        return sorted({str(path[0]) for path in change["replace_paths"] if path})
    before, after = change.get("before") or {}, change.get("after") or {}
    unknown = change.get("after_unknown") or {}
    return sorted(key for key in {*before, *after} if before.get(key) != after.get(key) or unknown.get(key))


def summary(stack: str, plan: dict[str, Any]) -> list[str]:
    """`<stack>: N to add, N to change, N to destroy` (Terraform's count), then one line per changed resource."""
    entries = [e for e in plan.get("resource_changes", []) if tuple(e["change"]["actions"]) in SYMBOLS]
    if not entries:
        return [f"{stack}: no changes"]
    actions = [tuple(entry["change"]["actions"]) for entry in entries]
    added = sum("create" in action for action in actions)
    changed = actions.count(("update",))
    destroyed = sum("delete" in action for action in actions)
    lines = [f"{stack}: {added} to add, {changed} to change, {destroyed} to destroy"]
    for entry, action in zip(entries, actions, strict=True):
        detail = ""
        if action not in {("create",), ("delete",)}:
            attributes = _changed_attributes(entry["change"])
            detail = f" ({', '.join(attributes)})" if attributes else ""
        lines.append(f"  {SYMBOLS[action]} {entry['address']}{detail}")
    return lines


def creates_cluster(stack: str, plan: dict[str, Any]) -> bool:
    return any(c.kind is Kind.CLUSTER and c.action is Action.CREATE for c in classify(stack, plan))


def diff(cluster_stack: str, apps_stack: str) -> int:
    plans: list[str] = []
    for stack in (cluster_stack, apps_stack):
        stack_dir = STACKS_DIR / stack
        try:
            plan = plan_json(stack_dir, PLAN_FILE)
        except PlanFailed as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        lines = summary(stack, plan)
        print("\n".join(lines), flush=True)
        if len(lines) > 1:
            plans.append(f"terraform -chdir={stack_dir} show {PLAN_FILE}")
        if stack == cluster_stack and creates_cluster(stack, plan):
            print(f"{apps_stack}: planned once the cluster exists (it reads the cluster to connect)")
            break
    if plans:
        print(f"every attribute: {'; '.join(plans)}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m operations.diff <environment name>", file=sys.stderr)
        return 2
    environment_file = named_environment_file(argv[1])
    if environment_file is None:
        return 2
    environment = environment_file.environment
    return diff(environment.cluster_stack_name, environment.apps_stack_name)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
