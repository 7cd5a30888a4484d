"""`make adopt` without a cloud: how it resolves a block's references (operations/stack_blocks.py) and decides what to
import (operations/adopt.py).

The finders themselves run against the emulator in tests/e2e/test_e2e_faults.py; here a fake cloud answers.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from operations import adopt
from operations.adopt import decide
from operations.aws_finders import FINDERS, AwsClients, Finder, Found
from operations.stack_blocks import Block, NotText, Unresolved
from tests.support.synthesized_stacks import SynthesizedStack
from tests.support.terraform_tools import PROJECT_ROOT

TAGS = {"environment": "dev", "managed-by": "gpu-clusters-as-code"}
TABLE_ROW = re.compile(r"^\s*\|\s*`(?P<kind>aws_\w+)`\s*\|\s*(?P<how>.+?)\s*\|\s*$", re.MULTILINE)


def block(body: dict[str, Any], known: dict[str, dict[str, Any]] | None = None, **bodies: Any) -> Block:
    return Block("aws_x.y", body, known or {}, TAGS, bodies)


def test_a_whole_reference_resolves_to_the_known_value() -> None:
    assert block({"vpc_id": "${aws_vpc.v.id}"}, {"aws_vpc.v": {"id": "vpc-1"}}).text("vpc_id") == "vpc-1"


def test_a_reference_inside_a_string_is_interpolated() -> None:
    known = {"aws_eks_cluster.c": {"name": "dev"}}
    assert block({"name": "${aws_eks_cluster.c.name}-ebs-csi"}, known).text("name") == "dev-ebs-csi"


def test_a_nested_path_resolves_through_lists() -> None:
    known = {"aws_eks_cluster.c": {"identity": [{"oidc": [{"issuer": "https://oidc/x"}]}]}}
    assert block({"url": "${aws_eks_cluster.c.identity[0].oidc[0].issuer}"}, known).text("url") == "https://oidc/x"


def test_an_unknown_resource_is_unresolved() -> None:
    with pytest.raises(Unresolved):
        block({"vpc_id": "${aws_vpc.v.id}"}).text("vpc_id")


def test_an_unknown_resource_s_literal_attribute_comes_from_its_block() -> None:
    bodies = {"aws_eks_cluster.c": {"name": "dev"}}
    assert block({"name": "${aws_eks_cluster.c.name}-gpu"}, None, **bodies).text("name") == "dev-gpu"


def test_tags_are_the_default_tags_and_the_block_s_literal_ones() -> None:
    tags = block({"tags": {"Name": "dev", "Owner": "${aws_iam_role.r.name}"}}).tags()
    assert tags == {**TAGS, "Name": "dev"}


class FakeClients(AwsClients):
    """Answers every finder from a table: resource type -> the objects the cloud holds of it."""

    def __init__(self, objects: dict[str, list[Found]]) -> None:
        self.objects = objects


def _config(resources: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    return {"provider": {"aws": [{"region": "eu-west-1", "default_tags": [{"tags": TAGS}]}]}, "resource": resources}


def _from_table(kind: str) -> Callable[[AwsClients, Block], list[Found]]:
    def find(cloud: AwsClients, block: Block) -> list[Found]:
        assert isinstance(cloud, FakeClients)
        for key in block.body:  # as a real finder reads its parents' IDs: raises Unresolved for an unknown one
            block.value(key)
        return list(cloud.objects.get(kind, []))

    return find


@pytest.fixture
def fake_finders(monkeypatch: pytest.MonkeyPatch) -> None:
    for kind, finder in list(FINDERS.items()):
        monkeypatch.setitem(FINDERS, kind, Finder(finder.how, _from_table(kind), finder.by_key))


NETWORK = _config(
    {
        "aws_vpc": {"v": {"cidr_block": "10.0.0.0/16"}},
        "aws_subnet": {"s": {"vpc_id": "${aws_vpc.v.id}", "cidr_block": "10.0.0.0/19"}},
    }
)


@pytest.mark.usefixtures("fake_finders")
def test_an_object_found_once_is_imported() -> None:
    cloud = FakeClients(
        {"aws_vpc": [Found("vpc-1", {"id": "vpc-1"})], "aws_subnet": [Found("subnet-1", {"id": "subnet-1"})]}
    )
    outcome = decide(NETWORK, {}, cloud)
    assert outcome.imports == {"aws_vpc.v": "vpc-1", "aws_subnet.s": "subnet-1"}


@pytest.mark.usefixtures("fake_finders")
def test_an_object_found_twice_is_reported_not_imported() -> None:
    cloud = FakeClients({"aws_vpc": [Found("vpc-1", {"id": "vpc-1"}), Found("vpc-2", {"id": "vpc-2"})]})
    outcome = decide(NETWORK, {}, cloud)
    assert outcome.twice == {"aws_vpc.v": ["vpc-1", "vpc-2"]}
    assert outcome.imports == {}
    assert outcome.unresolved == {"aws_subnet.s": "aws_vpc.v"}  # its VPC is undecided, so is the subnet


@pytest.mark.usefixtures("fake_finders")
def test_an_object_not_in_the_cloud_is_left_to_the_deploy() -> None:
    outcome = decide(NETWORK, {}, FakeClients({}))
    assert outcome.absent == ["aws_vpc.v"]
    assert outcome.imports == {}


@pytest.mark.usefixtures("fake_finders")
def test_what_the_state_records_is_not_imported_and_a_second_one_is_a_stray() -> None:
    cloud = FakeClients({"aws_vpc": [Found("vpc-1", {"id": "vpc-1"}), Found("vpc-2", {"id": "vpc-2"})]})
    outcome = decide(NETWORK, {"aws_vpc.v": {"id": "vpc-1"}}, cloud)
    assert "aws_vpc.v" not in outcome.imports
    assert outcome.strays == {"aws_vpc.v": ["vpc-2"]}


@pytest.mark.usefixtures("fake_finders")
def test_an_object_the_state_owns_under_another_address_is_not_imported_again() -> None:
    two = _config({"aws_eip": {"a": {}, "b": {}}})
    cloud = FakeClients({"aws_eip": [Found("eipalloc-1", {"id": "eipalloc-1"})]})
    outcome = decide(two, {"aws_eip.a": {"id": "eipalloc-1"}}, cloud)
    assert outcome.imports == {}
    assert outcome.absent == ["aws_eip.b"]


def test_a_value_a_finder_needs_as_text_must_be_text() -> None:
    with pytest.raises(NotText, match=r"^aws_x\.y: name is"):
        block({"name": ["dev"]}).text("name")


def test_a_value_that_is_not_text_stops_adopt_with_one_line() -> None:
    log_group = _config({"aws_cloudwatch_log_group": {"g": {"name": {"prefix": "dev"}}}})
    with pytest.raises(
        adopt.AdoptError, match=r"^aws_cloudwatch_log_group.g: name is \{'prefix': 'dev'\}, not a string$"
    ):
        decide(log_group, {}, FakeClients({}))  # the real finder: it reads the name before it asks AWS


def test_a_type_adopt_cannot_find_is_bad_input() -> None:
    with pytest.raises(adopt.BadInput, match="aws_s3_bucket"):
        decide(_config({"aws_s3_bucket": {"b": {}}}), {}, FakeClients({}))


def test_the_apps_stack_is_bad_input_that_names_the_import_ids() -> None:
    apps = _config({"helm_release": {"r": {}}, "kubernetes_namespace_v1": {"n": {}}})
    with pytest.raises(adopt.BadInput, match="<namespace>/<name>"):
        decide(apps, {}, FakeClients({}))


def test_a_folder_without_a_stack_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert adopt.main(["operations/adopt.py", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ")
    assert "cdk.tf.json" in error
    assert error.count("\n") == 1


def test_a_stack_without_an_aws_provider_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cdk.tf.json").write_text(json.dumps({"provider": {"helm": [{}]}, "resource": {}}))
    assert adopt.main(["operations/adopt.py", str(tmp_path)]) == 2
    assert "aws provider" in capsys.readouterr().err


# --- Over every shipped stack ------------------------------------------------------------------------------------


def _aws_cluster_types(all_stacks: list[SynthesizedStack]) -> set[str]:
    return {
        kind
        for stack in all_stacks
        if stack.is_cluster_stack and "aws" in stack.json.get("provider", {})
        for kind in stack.json.get("resource", {})
    }


def test_adopt_can_find_every_resource_type_of_the_aws_cluster_stacks(all_stacks: list[SynthesizedStack]) -> None:
    types = _aws_cluster_types(all_stacks)
    assert types, "no AWS cluster stack among the shipped environments"
    assert types - FINDERS.keys() == set()


def test_the_runbook_table_lists_every_resource_type_of_the_aws_cluster_stacks(
    all_stacks: list[SynthesizedStack],
) -> None:
    rows = {
        match["kind"]: match["how"]
        for match in TABLE_ROW.finditer((PROJECT_ROOT / "docs" / "operations.md").read_text())
    }
    assert set(rows) == _aws_cluster_types(all_stacks)
    assert rows == {kind: FINDERS[kind].how for kind in rows}  # the table says what the code does


def fake_terraform(folder: Path, messages: list[dict[str, Any]], exit_code: int = 0) -> Path:
    """A `terraform` that prints these messages as `plan -json` does (one JSON object per line)."""
    script = folder / "terraform"
    lines = "\n".join(json.dumps(message) for message in messages)
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{lines}\nEOF\nexit {exit_code}\n")
    script.chmod(0o755)
    return folder


def planned(address: str, action: str) -> dict[str, Any]:
    return {"type": "planned_change", "change": {"resource": {"addr": address}, "action": action}}


def test_planned_creations_are_the_plan_s_creations_of_managed_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = [
        {"type": "version", "terraform": "1.11.0", "ui": "1.2"},
        planned("aws_vpc.v", "create"),
        planned("aws_subnet.s", "replace"),
        planned("aws_flow_log.f", "noop"),
        planned("data.aws_caller_identity.me", "read"),
        {"type": "change_summary", "changes": {"add": 2, "change": 0, "remove": 1}},
    ]
    monkeypatch.setenv("PATH", f"{fake_terraform(tmp_path, messages)}:{os.environ['PATH']}")
    assert adopt.planned_creations(tmp_path) == ["aws_vpc.v"]


def test_a_failed_plan_is_one_line_with_terraform_s_first_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = {"type": "diagnostic", "diagnostic": {"severity": "error", "summary": "Error acquiring the state lock"}}
    warning = {"type": "diagnostic", "diagnostic": {"severity": "warning", "summary": "Deprecated attribute"}}
    monkeypatch.setenv("PATH", f"{fake_terraform(tmp_path, [warning, error], exit_code=1)}:{os.environ['PATH']}")
    with pytest.raises(adopt.AdoptError, match=r"terraform plan in .* failed: Error acquiring the state lock$"):
        adopt.planned_creations(tmp_path)
