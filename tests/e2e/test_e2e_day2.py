"""Day 2 on the AWS emulator: the edits users make to a running environment, each planned, reviewed and applied on
top of the last (cluster stack only: the apps stack's providers have no binary here).

One emulator, one synthesis per variant, all sharing one local state. The life is run once by the module fixture
and recorded; each test reads one fact of it. Measured in research/day2.md before this work: a tier change
deleted the GPU group before creating its successor, a system size change did the same to the system group, and
raising gpu.minNodeCount above the running desired size failed at apply.
"""

from __future__ import annotations

import os
import re
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from operations import deploy_check, review
from operations.change_review import Action, Change, Kind
from tests.support.aws_emulator import EMULATOR_REGION, client, emulated_environment, emulator, terraform_environment
from tests.support.emulator_eks_addons import emulated_builds
from tests.support.terraform_tools import Terraform, synthesize
from validation.loader import load_environment_file

pytestmark = pytest.mark.e2e(seconds=100)  # the start order: tests/conftest.py

REGION = EMULATOR_REGION
NAME = "day2"
BASE: dict[str, Any] = emulated_environment(
    NAME, gpu={"enabled": True, "nodeSize": "small", "minNodeCount": 0, "maxNodeCount": 3}
)
# Each variant is the previous one plus its edit, as a user edits one file over months.
EDITS: dict[str, dict[str, Any]] = {
    "base": {},
    "tier": {"gpu": {"nodeSize": "medium"}},
    "system-and-bounds": {"nodeSize": "medium", "gpu": {"minNodeCount": 1, "maxNodeCount": 4}},
    "version": {"version": "1.36"},
}
AUTOSCALED_SYSTEM_SIZE = 2  # what the "autoscaler" sets on the system group between applies


def merged(base: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    return {
        key: merged(base.get(key, {}), value) if isinstance(value, dict) else value for key, value in edit.items()
    } | {key: value for key, value in base.items() if key not in edit}


@dataclass
class Life:
    """What happened at each step: the reviewed changes, the apply's output, and the node groups afterwards."""

    root: Path
    files: dict[str, Path] = field(default_factory=dict)
    changes: dict[str, list[Change]] = field(default_factory=dict)
    applied: dict[str, str] = field(default_factory=dict)
    node_groups: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    addon_versions: dict[str, str] = field(default_factory=dict)
    check_before: dict[str, str | None] = field(default_factory=dict)
    plan_after_autoscaling: int = -1
    refusals: dict[str, str | None] = field(default_factory=dict)
    endpoint: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def out(self, variant: str) -> Path:
        return self.root / f"out-{variant}"

    def change(self, variant: str, kind: Kind, prefix: str) -> Change:
        (found,) = [c for c in self.changes[variant] if c.kind is kind and (c.name or "").startswith(prefix)]
        return found


def _node_groups(endpoint: str) -> dict[str, dict[str, Any]]:
    eks = client(endpoint, "eks", REGION)
    return {
        name: eks.describe_nodegroup(clusterName=NAME, nodegroupName=name)["nodegroup"]
        for name in eks.list_nodegroups(clusterName=NAME)["nodegroups"]
    }


def _addon_version(endpoint: str) -> str:
    addon = client(endpoint, "eks", REGION).describe_addon(clusterName=NAME, addonName="aws-ebs-csi-driver")
    version: str = addon["addon"]["addonVersion"]
    return version


@pytest.fixture(scope="module")
def life(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Life]:
    root = tmp_path_factory.mktemp("day2")
    recorded = Life(root=root)
    content = BASE
    for variant, edit in EDITS.items():
        content = merged(content, edit)
        recorded.files[variant] = root / f"{variant}.yaml"
        recorded.files[variant].write_text(yaml.safe_dump(content))
        started = time.monotonic()
        synthesize([recorded.files[variant]], recorded.out(variant))  # all variants share <root>/state
        recorded.seconds[f"synth {variant}"] = time.monotonic() - started
    stack = f"{NAME}-cluster"
    with emulator() as endpoint, pytest.MonkeyPatch.context() as patch:
        offline = Terraform.offline(root / "terraform", extra_environment=terraform_environment(endpoint, REGION))
        with offline.debug_provider() as terraform:
            # the deploy check and the review run Terraform from the process environment, as `make` does (their `init`
            # too, which then leaves the debug provider out of the lock file: every later command reattaches it).
            for key, value in terraform.environment(without_backend=False).items():
                patch.setenv(key, value)
            for variant in EDITS:
                patch.setattr(deploy_check, "STACKS_DIR", recorded.out(variant) / "stacks")
                patch.setattr(review, "STACKS_DIR", recorded.out(variant) / "stacks")
                started = time.monotonic()
                recorded.check_before[variant] = deploy_check.check(load_environment_file(recorded.files[variant]))
                recorded.seconds[f"check {variant}"] = time.monotonic() - started
                recorded.changes[variant] = review.review_stack(stack)
                recorded.seconds[f"review {variant}"] = time.monotonic() - started
                stack_dir = recorded.out(variant) / "stacks" / stack
                # exactly the plan that was reviewed is applied
                recorded.applied[variant] = terraform.must(
                    stack_dir, "apply", "-input=false", "-no-color", review.PLAN_FILE
                ).stdout
                recorded.seconds[f"apply {variant}"] = time.monotonic() - started
                recorded.node_groups[variant] = _node_groups(endpoint)
                recorded.addon_versions[variant] = _addon_version(endpoint)
                if variant == "base":
                    # An autoscaler grows the system group; the next plan must leave its size alone.
                    system = next(name for name in recorded.node_groups["base"] if name.startswith("system"))
                    client(endpoint, "eks", REGION).update_nodegroup_config(
                        clusterName=NAME, nodegroupName=system, scalingConfig={"desiredSize": AUTOSCALED_SYSTEM_SIZE}
                    )
                    recorded.plan_after_autoscaling = terraform.run(
                        stack_dir, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"
                    ).returncode
            # Edits the deploy check must refuse against the state now deployed (1.36 in us-east-1); the backend, and so
            # the state read, is the same for these files as for the last synthesis.
            last = load_environment_file(recorded.files["version"])
            for refused, fields in {"version+2": {"version": "1.38"}, "region": {"region": "us-west-2"}}.items():
                edited = replace(last, environment=last.environment.model_copy(update=fields))
                recorded.refusals[refused] = deploy_check.check(edited)
            recorded.endpoint = endpoint
            try:
                yield recorded
            finally:
                # moto keeps its backends in this process: the next module's emulator must start empty, not with ours
                urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
            print("\nday2 seconds (cumulative per variant):", {k: round(v, 1) for k, v in recorded.seconds.items()})


def test_the_base_applies_and_the_check_lets_a_new_environment_through(life: Life) -> None:
    assert life.check_before["base"] is None
    assert "Apply complete!" in life.applied["base"]


def test_an_autoscaled_desired_size_is_left_alone(life: Life) -> None:
    assert life.plan_after_autoscaling == 0  # -detailed-exitcode: 0 = no changes


def test_a_tier_change_replaces_the_gpu_group_create_first(life: Life) -> None:
    change = life.change("tier", Kind.GPU_POOL, "gpu-")
    assert change.action is Action.CREATE_FIRST
    assert change.stops_unattended  # make review exits 2


def test_the_new_gpu_group_is_created_before_the_old_one_is_deleted(life: Life) -> None:
    output = life.applied["tier"]
    created = re.search(r"aws_eks_node_group\.gpu-pool[^:\n]*: Creation complete", output)
    destroyed = re.search(r"aws_eks_node_group\.gpu-pool[^:\n]*\(deposed object [^)]*\): Destroying", output)
    assert created, output[-3000:]
    assert destroyed, output[-3000:]
    assert created.start() < destroyed.start()


def test_after_the_tier_change_only_the_new_gpu_group_runs(life: Life) -> None:
    before = {name for name in life.node_groups["base"] if name.startswith("gpu-")}
    after = {name for name in life.node_groups["tier"] if name.startswith("gpu-")}
    assert len(after) == 1
    assert before.isdisjoint(after)
    (group,) = [life.node_groups["tier"][name] for name in after]
    assert group["instanceTypes"] == ["g5.12xlarge"]


def test_a_system_size_change_replaces_the_system_group_create_first(life: Life) -> None:
    change = life.change("system-and-bounds", Kind.NODE_POOL, "system-")
    assert change.action is Action.CREATE_FIRST
    (group,) = [g for name, g in life.node_groups["system-and-bounds"].items() if name.startswith("system-")]
    assert group["instanceTypes"] == ["t3.large"]  # catalogue/node_sizes.py: medium system nodes on EKS


def test_a_replacement_starts_at_the_running_size(life: Life) -> None:
    (group,) = [g for name, g in life.node_groups["system-and-bounds"].items() if name.startswith("system-")]
    assert group["scalingConfig"]["desiredSize"] == AUTOSCALED_SYSTEM_SIZE


def test_raising_the_gpu_minimum_above_the_running_size_applies(life: Life) -> None:
    assert life.change("system-and-bounds", Kind.GPU_POOL, "gpu-").action is Action.IN_PLACE
    (group,) = [g for name, g in life.node_groups["system-and-bounds"].items() if name.startswith("gpu-")]
    assert group["scalingConfig"] == {"minSize": 1, "maxSize": 4, "desiredSize": 1}


def test_the_emulator_refuses_a_minimum_above_the_desired_size_as_eks_does(life: Life) -> None:
    # the control for the test above: bounds without the desired size, as the provider sent them under ignore_changes
    eks = client(life.endpoint, "eks", REGION)
    (gpu,) = [name for name in life.node_groups["version"] if name.startswith("gpu-")]  # min 1, desired 1
    with pytest.raises(eks.exceptions.InvalidParameterException, match="Minimum capacity 2 can't be greater"):
        eks.update_nodegroup_config(clusterName=NAME, nodegroupName=gpu, scalingConfig={"minSize": 2, "maxSize": 4})


def test_one_minor_up_is_let_through_and_updates_in_place(life: Life) -> None:
    assert life.check_before["version"] is None
    assert life.change("version", Kind.CLUSTER, NAME).action is Action.IN_PLACE
    assert {c.action for c in life.changes["version"] if c.kind in {Kind.GPU_POOL, Kind.NODE_POOL}} == {Action.IN_PLACE}
    assert not any(change.stops_unattended for change in life.changes["version"])


def test_the_ebs_csi_add_on_follows_the_cluster_minor(life: Life) -> None:
    assert life.addon_versions["base"] == emulated_builds("1.35")[1]
    assert life.addon_versions["version"] == emulated_builds("1.36")[1]


def test_two_minors_up_is_refused_with_the_sequence(life: Life) -> None:
    refusal = life.refusals["version+2"]
    assert refusal is not None
    assert "version: 1.38 is 2 minor versions above the running 1.36" in refusal
    assert "1.37 -> 1.38" in refusal


def test_a_region_change_is_refused_naming_the_running_cluster(life: Life) -> None:
    refusal = life.refusals["region"]
    assert refusal is not None
    assert "region: us-east-1 -> us-west-2" in refusal
    assert "'day2' running" in refusal


def test_no_step_left_a_second_cluster_or_a_stray_group(life: Life) -> None:
    assert sorted(name.split("-")[0] for name in life.node_groups["version"]) == ["gpu", "system"]
    assert os.path.isfile(life.root / "state" / f"{NAME}-cluster.tfstate")
