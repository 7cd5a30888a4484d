"""The deploy check refuses edits that would orphan the running cluster or skip a Kubernetes minor, before anything
changes, and lets every other edit through (tests/e2e/test_e2e_day2.py runs it against state on the emulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cdktf import Testing as CdktfTesting

from catalogue.node_sizes import Cloud
from operations import deploy_check
from operations.upgrade_checks import identity_problem, upgrade_problem
from spec.deployed import Identity
from tests.conftest import environment, resources_of, synth

AWS_DEPLOYED: dict[str, Any] = {"cloud": "aws", "name": "test", "region": "us-east-1"}


@pytest.mark.parametrize(
    ("deployed", "wanted", "refused"),
    [
        ("1.35", "1.35", False),
        ("1.35", "1.36", False),
        ("1.35.4-gke.100", "1.36", False),  # GKE's master_version carries the patch
        ("1.35", "1.37", True),
        ("1.34", "1.37", True),
        ("1.36", "1.35", True),  # no cloud downgrades a control plane
    ],
)
def test_upgrades_go_one_minor_at_a_time(deployed: str, wanted: str, refused: bool) -> None:
    assert (upgrade_problem(Cloud.AWS, deployed, wanted) is not None) is refused


def test_a_skipped_minor_names_the_sequence_to_follow() -> None:
    problem = upgrade_problem(Cloud.AWS, "1.34", "1.37")
    assert problem is not None
    assert "\n" not in problem
    assert "1.35 -> 1.36 -> 1.37" in problem


@pytest.mark.parametrize(
    ("deployed", "fields", "field"),
    [
        (AWS_DEPLOYED, {"region": "us-west-2"}, "region"),
        (AWS_DEPLOYED, {"cloud": "google"}, "cloud"),
        (
            {"cloud": "google", "name": "test", "region": "us-east1", "project": "team-a-1"},
            {"cloud": "google", "project": "team-b-1"},
            "project",
        ),
        (
            {
                "cloud": "azure",
                "name": "test",
                "region": "eastus",
                "subscription": "00000000-0000-0000-0000-000000000001",
            },
            {"cloud": "azure", "subscriptionId": "00000000-0000-0000-0000-000000000002"},
            "subscriptionId",
        ),
    ],
    ids=["region", "cloud", "project", "subscription"],
)
def test_a_changed_identity_is_refused_naming_the_field(
    deployed: dict[str, Any], fields: dict[str, Any], field: str
) -> None:
    problem = identity_problem(Identity(**deployed), environment(**fields))
    assert problem is not None
    assert problem.startswith(f"{field}: ")
    assert "create a new environment" in problem
    assert "\n" not in problem


@pytest.mark.parametrize(
    "fields",
    [{}, {"nodeSize": "large"}, {"version": "1.35"}, {"gpu": {"enabled": True, "nodeSize": "large"}}],
    ids=["same", "system-size", "version", "gpu-tier"],
)
def test_edits_that_keep_the_identity_pass(fields: dict[str, Any]) -> None:
    assert identity_problem(Identity(**AWS_DEPLOYED), environment(**fields)) is None


def test_changed_zones_on_eks_are_refused_and_the_default_zones_spelt_out_pass() -> None:
    deployed = Identity.from_outputs(
        {"identity": {**AWS_DEPLOYED, "zones": ["us-east-1a", "us-east-1b", "us-east-1c"]}}
    )
    assert deployed is not None
    moved = identity_problem(deployed, environment(availabilityZones=["us-east-1a", "us-east-1b", "us-east-1d"]))
    assert moved is not None
    assert moved.startswith("availabilityZones: us-east-1a, us-east-1b, us-east-1c -> ")
    assert identity_problem(deployed, environment(availabilityZones=["us-east-1a", "us-east-1b", "us-east-1c"])) is None
    assert identity_problem(deployed, environment()) is None


def test_a_stack_deployed_before_the_identity_output_is_compared_by_region() -> None:
    legacy = Identity.from_outputs({"cluster_name": "test", "region": "us-east-1"})
    assert legacy is not None
    assert identity_problem(legacy, environment(region="us-west-2")) is not None
    assert identity_problem(legacy, environment()) is None


def test_nothing_deployed_means_nothing_to_compare() -> None:
    assert Identity.from_outputs({}) is None


@pytest.mark.parametrize(
    ("outputs", "refused_on"),
    [
        ({}, None),
        ({"identity": AWS_DEPLOYED, "kubernetes_version": "1.35"}, None),
        ({"identity": AWS_DEPLOYED, "kubernetes_version": "1.34"}, "version: "),
        ({"identity": {**AWS_DEPLOYED, "region": "eu-west-1"}, "kubernetes_version": "1.36"}, "region: "),
    ],
    ids=["new", "one-minor", "two-minors", "region"],
)
def test_deploy_check_compares_the_file_with_the_state(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    outputs: dict[str, Any],
    refused_on: str | None,
) -> None:
    path = tmp_path / "env.yaml"
    path.write_text("name: test\ncloud: aws\nversion: '1.36'\nendpointAccess: {deployFrom: inside-network}\n")
    monkeypatch.setenv("ENVIRONMENTS", str(path))
    monkeypatch.setattr(deploy_check, "deployed_outputs", lambda stack_dir: outputs)
    assert deploy_check.main(["operations/deploy_check.py", "test"]) == (1 if refused_on else 0)
    if refused_on:
        assert capsys.readouterr().err.startswith(f"error: {path}: {refused_on}")


def test_an_unsynthesised_stack_stops_the_deploy(tmp_path: Path) -> None:
    with pytest.raises(deploy_check.StateUnreadable, match="not synthesised"):
        deploy_check.deployed_outputs(tmp_path)


@pytest.mark.parametrize("cloud", ["aws", "google", "azure"])
def test_every_cluster_stack_records_its_identity_and_running_version(cloud: str) -> None:
    outputs = synth(cloud=cloud).cluster_json["output"]
    assert outputs["identity"]["value"] == Identity.of(environment(cloud=cloud)).as_output()
    assert outputs["kubernetes_version"]["value"].startswith("${")  # the cluster's own attribute, not the file's


def test_the_ebs_csi_add_on_takes_the_newest_build_for_the_clusters_version() -> None:
    stacks = synth(version="1.35")
    assert CdktfTesting.to_have_data_source_with_properties(
        stacks.cluster,
        "aws_eks_addon_version",
        {"addon_name": "aws-ebs-csi-driver", "most_recent": True, "kubernetes_version": "1.35"},
    )
    (addon,) = [
        a for a in resources_of(stacks.cluster_json, "aws_eks_addon") if a["addon_name"] == "aws-ebs-csi-driver"
    ]
    assert addon["addon_version"].startswith("${data.aws_eks_addon_version.")
