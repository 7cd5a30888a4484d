"""GPU pools on the AWS emulator: a second pool is added and removed again without touching the first, and a change
of the first pool's capacity type plans its replacement create-first under a new name (cluster stack only: the apps
stack's providers have no binary here).

One emulator and one local state for the module, as in tests/e2e/test_e2e_day2.py. The fixture takes the environment
through its steps once and records each step's plan (`terraform show -json` of the saved plan that is then applied),
the plan after the apply, and what the emulator holds; each test reads one fact of that record.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml

from tests.support.aws_emulator import EMULATOR_REGION, client, emulated_environment, emulator, terraform_environment
from tests.support.terraform_tools import Terraform, synthesize

pytestmark = pytest.mark.e2e(seconds=90)  # the start order: tests/conftest.py

REGION = EMULATOR_REGION
NAME = "fleet"
STACK = f"{NAME}-cluster"
SMALL: dict[str, Any] = {"name": "small", "accelerator": "l4", "capacity": "spot", "minNodeCount": 1, "maxNodeCount": 2}
LARGE: dict[str, Any] = {"name": "large", "accelerator": "h100", "gpusPerNode": 8, "minNodeCount": 0, "maxNodeCount": 1}
BASE: dict[str, Any] = emulated_environment(NAME, gpu={"enabled": True, "pools": [SMALL]})
FILES: dict[str, dict[str, Any]] = {
    "base": BASE,
    "two": {**BASE, "gpu": {"enabled": True, "pools": [SMALL, LARGE]}},
    "ondemand": {**BASE, "gpu": {"enabled": True, "pools": [{**SMALL, "capacity": "onDemand"}]}},
}
# (step, the file planned at that step, whether its plan is applied). Removing the second pool gives back the base
# file byte for byte, so the "back" step plans the base synthesis again, now against the state with two pools.
STEPS: tuple[tuple[str, str, bool], ...] = (
    ("base", "base", True),
    ("two", "two", True),
    ("back", "base", True),
    ("ondemand", "ondemand", False),
)
NO_CHANGES = 0  # `terraform plan -detailed-exitcode`: 0 = no changes, 1 = error, 2 = changes
# Oracles independent of the catalogue: the EKS instance type and accelerator label of each pool.
EXPECTED_INSTANCE_TYPES = {"small": "g6.xlarge", "large": "p5.48xlarge"}
EXPECTED_ACCELERATOR_LABELS = {"small": "nvidia-l4", "large": "nvidia-h100-80gb"}
ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator"
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}
OWNERSHIP_TAG = f"k8s.io/cluster-autoscaler/{NAME}"
# A pool's resources are addressed `<type>.<pool>-pool_...` or `<type>.<pool>-pool-asg-tags_...` (construct ids).
POOL_ADDRESS = re.compile(r"^[a-z0-9_]+\.(?P<pool>[a-z0-9]+)-pool[_-]")
POOL_TYPES = {"aws_eks_node_group", "aws_launch_template", "aws_autoscaling_group_tag"}
# CreateNodegroup refuses labels under these prefixes ("Label cannot contain reserved prefixes [kubernetes.io/,
# k8s.io/, eks.amazonaws.com/]": aws/containers-roadmap#1451, kubernetes/cloud-provider-aws#242, eksctl#4007); moto
# does not check them, so the test below reads what the emulator was sent.
EKS_RESERVED_LABEL_PREFIXES = ("kubernetes.io/", "k8s.io/", "eks.amazonaws.com/")


@dataclass
class Step:
    """One step of the environment's life: its plan, and after an apply what runs."""

    plan: dict[str, Any] = field(default_factory=dict)
    applied: str = ""
    plan_after_apply: int = -1
    state: list[str] = field(default_factory=list)
    node_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    launch_templates: list[str] = field(default_factory=list)
    asg_tags: dict[str, dict[str, str]] = field(default_factory=dict)  # per node group name

    def changes(self) -> dict[str, tuple[str, ...]]:
        """The planned actions of each managed resource, by address (no-op included)."""
        return {
            change["address"]: tuple(change["change"]["actions"])
            for change in self.plan["resource_changes"]
            if change["mode"] == "managed"
        }

    def change(self, address: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = [c["change"] for c in self.plan["resource_changes"] if c["address"] == address]
        (change,) = found
        return change

    def group(self, pool: str) -> dict[str, Any]:
        (found,) = [group for name, group in self.node_groups.items() if name.startswith(f"{pool}-")]
        return found


@dataclass
class Life:
    steps: dict[str, Step] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def pool_of(address: str) -> str | None:
    match = POOL_ADDRESS.match(address)
    return match["pool"] if match else None


def addresses_of(addresses: list[str], pool: str) -> set[str]:
    return {address for address in addresses if pool_of(address) == pool}


def _what_runs(endpoint: str, step: Step) -> None:
    eks, ec2, autoscaling = (client(endpoint, service, REGION) for service in ("eks", "ec2", "autoscaling"))
    step.node_groups = {
        name: eks.describe_nodegroup(clusterName=NAME, nodegroupName=name)["nodegroup"]
        for name in eks.list_nodegroups(clusterName=NAME)["nodegroups"]
    }
    step.launch_templates = sorted(t["LaunchTemplateName"] for t in ec2.describe_launch_templates()["LaunchTemplates"])
    for name, group in step.node_groups.items():
        (asg,) = group["resources"]["autoScalingGroups"]
        tags = autoscaling.describe_tags(Filters=[{"Name": "auto-scaling-group", "Values": [asg["name"]]}])["Tags"]
        step.asg_tags[name] = {tag["Key"]: tag["Value"] for tag in tags}


@pytest.fixture(scope="module")
def life(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Life]:
    root = tmp_path_factory.mktemp("pools")
    recorded = Life()
    for variant, content in FILES.items():
        started = time.monotonic()
        (root / f"{variant}.yaml").write_text(yaml.safe_dump(content))
        synthesize([root / f"{variant}.yaml"], root / f"out-{variant}")  # all share <root>/state
        recorded.seconds[f"synth {variant}"] = time.monotonic() - started
    with (
        emulator() as endpoint,
        Terraform.offline(root / "terraform", terraform_environment(endpoint, REGION)).debug_provider() as terraform,
    ):
        try:
            for step_name, variant, apply in STEPS:
                stack_dir = root / f"out-{variant}" / "stacks" / STACK
                step = recorded.steps[step_name] = Step()
                started = time.monotonic()
                if not (stack_dir / ".terraform").is_dir():
                    terraform.must(stack_dir, "init", "-input=false", "-no-color")
                plan_file = root / f"{step_name}.tfplan"
                terraform.must(stack_dir, "plan", f"-out={plan_file}", "-input=false", "-no-color")
                step.plan = json.loads(terraform.must(stack_dir, "show", "-json", str(plan_file)).stdout)
                recorded.seconds[f"plan {step_name}"] = time.monotonic() - started
                if not apply:
                    continue
                # exactly the plan that was read is applied
                step.applied = terraform.must(stack_dir, "apply", "-input=false", "-no-color", str(plan_file)).stdout
                step.plan_after_apply = terraform.run(
                    stack_dir, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"
                ).returncode
                step.state = terraform.must(stack_dir, "state", "list").stdout.split()
                _what_runs(endpoint, step)
                recorded.seconds[f"apply {step_name}"] = time.monotonic() - started
            yield recorded
        finally:
            # moto keeps its backends in this process: the next module's emulator must start empty, not with ours
            urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
    print("\npools seconds per step:", {key: round(value, 1) for key, value in recorded.seconds.items()})


# --- one pool


def test_the_base_applies_and_a_plan_after_it_shows_no_changes(life: Life) -> None:
    base = life.steps["base"]
    assert "Apply complete!" in base.applied
    assert base.plan_after_apply == NO_CHANGES
    assert sorted(name.split("-")[0] for name in base.node_groups) == ["small", "system"]


def test_the_spot_pool_runs_as_a_spot_l4_group_with_its_labels_and_taint(life: Life) -> None:
    group = life.steps["base"].group("small")
    assert re.fullmatch(r"small-[0-9a-f]{6}", group["nodegroupName"])
    assert group["capacityType"] == "SPOT"
    assert group["instanceTypes"] == [EXPECTED_INSTANCE_TYPES["small"]]
    assert {key: group["labels"].get(key) for key in ("gpu", "gpu-pool", ACCELERATOR_LABEL)} == {
        "gpu": "true",
        "gpu-pool": "small",
        ACCELERATOR_LABEL: EXPECTED_ACCELERATOR_LABELS["small"],
    }
    assert group["taints"] == [GPU_TAINT]
    assert group["scalingConfig"] == {"minSize": 1, "maxSize": 2, "desiredSize": 1}


def test_every_pool_group_asg_carries_the_autoscaler_tags(life: Life) -> None:
    for step_name in ("base", "two"):
        for name, tags in life.steps[step_name].asg_tags.items():
            assert tags.get(OWNERSHIP_TAG) == "owned", (step_name, name, tags)
            if not name.startswith("system-"):
                pool = name.split("-")[0]
                assert tags.get("k8s.io/cluster-autoscaler/node-template/label/gpu-pool") == pool, (step_name, tags)


# --- a second pool is added


def test_adding_a_pool_plans_to_create_only_that_pools_resources(life: Life) -> None:
    changes = life.steps["two"].changes()
    changed = {address: actions for address, actions in changes.items() if actions != ("no-op",)}
    assert changed, "the plan adds nothing"
    assert {pool_of(address) for address in changed} == {"large"}, changed
    assert set(changed.values()) == {("create",)}, changed
    assert {address.split(".")[0] for address in changed} == POOL_TYPES, changed
    (group,) = [address for address in changed if address.startswith("aws_eks_node_group.")]
    planned = life.steps["two"].change(group)["after"]
    assert re.fullmatch(r"large-[0-9a-f]{6}", planned["node_group_name"])
    assert planned["instance_types"] == [EXPECTED_INSTANCE_TYPES["large"]]


def test_adding_a_pool_leaves_every_resource_of_the_first_pool_as_it_is(life: Life) -> None:
    running = addresses_of(life.steps["base"].state, "small")
    assert {address.split(".")[0] for address in running} == POOL_TYPES  # a group, its template, its ASG tags
    planned = {address: actions for address, actions in life.steps["two"].changes().items() if pool_of(address)}
    assert {address: planned.get(address) for address in running} == dict.fromkeys(running, ("no-op",))


def test_after_adding_a_pool_a_plan_shows_no_changes(life: Life) -> None:
    assert "Apply complete!" in life.steps["two"].applied
    assert life.steps["two"].plan_after_apply == NO_CHANGES


def test_the_emulator_runs_both_pools_and_the_first_is_still_the_same_group(life: Life) -> None:
    base, two = life.steps["base"], life.steps["two"]
    assert sorted(name.split("-")[0] for name in two.node_groups) == ["large", "small", "system"]
    first = base.group("small")
    # same name, same ARN (moto gives each created group a fresh id in it), and nothing about it changed
    assert two.group("small")["nodegroupArn"] == first["nodegroupArn"]
    assert two.group("small") == first
    assert two.asg_tags[first["nodegroupName"]] == base.asg_tags[first["nodegroupName"]]


def test_the_second_pool_is_an_on_demand_h100_group_with_its_labels_and_taint(life: Life) -> None:
    group = life.steps["two"].group("large")
    assert re.fullmatch(r"large-[0-9a-f]{6}", group["nodegroupName"])
    assert group["capacityType"] == "ON_DEMAND"  # what EKS reports when CreateNodegroup names none
    assert group["instanceTypes"] == [EXPECTED_INSTANCE_TYPES["large"]]
    assert group["labels"] == {
        "gpu": "true",
        "gpu-pool": "large",
        ACCELERATOR_LABEL: EXPECTED_ACCELERATOR_LABELS["large"],
    }
    assert group["taints"] == [GPU_TAINT]
    assert group["scalingConfig"] == {"minSize": 0, "maxSize": 1, "desiredSize": 0}
    assert f"{NAME}-{group['nodegroupName']}" in life.steps["two"].launch_templates


# --- the second pool is removed again


def test_removing_the_pool_plans_to_delete_only_that_pools_resources(life: Life) -> None:
    added = addresses_of(life.steps["two"].state, "large")
    assert {address.split(".")[0] for address in added} == POOL_TYPES
    changed = {address: a for address, a in life.steps["back"].changes().items() if a != ("no-op",)}
    assert changed == dict.fromkeys(added, ("delete",))


def test_removing_the_pool_leaves_every_resource_of_the_first_pool_as_it_is(life: Life) -> None:
    running = addresses_of(life.steps["two"].state, "small")
    planned = life.steps["back"].changes()
    assert running == addresses_of(life.steps["base"].state, "small")
    assert {address: planned.get(address) for address in running} == dict.fromkeys(running, ("no-op",))


def test_after_removing_the_pool_only_the_first_runs_unchanged(life: Life) -> None:
    base, two, back = life.steps["base"], life.steps["two"], life.steps["back"]
    assert "Apply complete!" in back.applied
    assert back.plan_after_apply == NO_CHANGES
    assert sorted(name.split("-")[0] for name in back.node_groups) == ["small", "system"]
    assert back.group("small") == base.group("small")
    assert back.asg_tags == base.asg_tags  # the removed group's ASG went with it
    removed = f"{NAME}-{two.group('large')['nodegroupName']}"
    assert removed in two.launch_templates
    assert removed not in back.launch_templates
    assert back.launch_templates == base.launch_templates


# --- spot to on demand (planned only)


def test_switching_the_spot_pool_to_on_demand_replaces_it_create_first_under_a_new_name(life: Life) -> None:
    step = life.steps["ondemand"]
    changes = step.changes()
    (group,) = [address for address in changes if address.startswith("aws_eks_node_group.small-pool")]
    assert changes[group] == ("create", "delete")  # Terraform's order for create_before_destroy
    change = step.change(group)
    old, new = change["before"]["node_group_name"], change["after"]["node_group_name"]
    assert old == life.steps["back"].group("small")["nodegroupName"]
    assert re.fullmatch(r"small-[0-9a-f]{6}", new)
    assert new != old
    assert change["before"]["capacity_type"] == "SPOT"
    assert change["after"].get("capacity_type") in {None, "ON_DEMAND"}  # None: EKS's default, known after apply
    assert change["after"]["labels"] == {
        "gpu": "true",
        "gpu-pool": "small",
        ACCELERATOR_LABEL: EXPECTED_ACCELERATOR_LABELS["small"],
    }
    (template,) = [address for address in changes if address.startswith("aws_launch_template.small-pool")]
    assert changes[template] == ("create", "delete")


def test_switching_to_on_demand_replaces_the_first_pool_and_touches_nothing_else(life: Life) -> None:
    changed = {address: a for address, a in life.steps["ondemand"].changes().items() if a != ("no-op",)}
    assert {pool_of(address) for address in changed} == {"small"}, changed
    # Every resource of the pool is replaced: its node group and launch template, and its ASG tags, which move to
    # the new group's ASG.
    assert changed.keys() == addresses_of(life.steps["back"].state, "small")
    assert {frozenset(actions) for actions in changed.values()} == {frozenset({"create", "delete"})}, changed


# --- what real EKS would refuse


def test_no_node_group_label_uses_a_prefix_eks_reserves(life: Life) -> None:
    reserved = [
        (name, key)
        for name, group in sorted(life.steps["two"].node_groups.items())
        for key in group["labels"] or {}
        if key.startswith(EKS_RESERVED_LABEL_PREFIXES)
    ]
    assert reserved == [], "real EKS refuses CreateNodegroup with these labels"
