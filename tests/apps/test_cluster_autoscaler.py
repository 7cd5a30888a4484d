"""The EKS Cluster Autoscaler, its role and its tags; the scale-down setting on GKE and AKS; gpu.minNodeCount: 0."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.cluster_autoscaler import IMAGE_TAGS
from apps.vllm.serving import serving_warnings
from catalogue.kubernetes_versions import DEFAULT_VERSIONS, STANDARD_SUPPORT
from catalogue.node_sizes import Cloud
from tests.conftest import SynthesizedEnvironment, environment, pool_role, resources_of, synth
from validation.loader import ConfigError, load_environment_file

GPU_ENV = {"gpu": {"enabled": True}, "apps": {"nvidia": {"enabled": True}}}


@pytest.fixture(scope="module")
def eks_gpu() -> SynthesizedEnvironment:
    return synth(**GPU_ENV)


def autoscaler_release(apps_json: dict[str, Any]) -> dict[str, Any]:
    (release,) = [r for r in resources_of(apps_json, "helm_release") if r["name"] == "cluster-autoscaler"]
    return release


def asg_tags(cluster_json: dict[str, Any], pool: str) -> dict[str, str]:
    return {
        tag["tag"]["key"]: tag["tag"]["value"]
        for tag in resources_of(cluster_json, "aws_autoscaling_group_tag")
        if f"aws_eks_node_group.{pool}-pool_" in tag["autoscaling_group_name"]
    }


def policy_statements(cluster_json: dict[str, Any], document: str) -> list[dict[str, Any]]:
    (found,) = [d for key, d in cluster_json["data"]["aws_iam_policy_document"].items() if key.startswith(document)]
    statements: list[dict[str, Any]] = found["statement"]
    return statements


def load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "env.yaml"
    path.write_text(textwrap.dedent(text))
    load_environment_file(path)


@pytest.mark.parametrize("minor", sorted({*STANDARD_SUPPORT[Cloud.AWS], DEFAULT_VERSIONS[Cloud.AWS]}))
def test_every_eks_minor_in_the_calendar_has_an_autoscaler_image_of_that_minor(minor: str) -> None:
    assert IMAGE_TAGS[minor].tag.startswith(f"v{minor}.")
    assert IMAGE_TAGS[minor].source


def test_the_autoscaler_image_follows_the_cluster_version() -> None:
    values = yaml.safe_load(autoscaler_release(synth(version="1.34").apps_json)["values"][0])
    assert values["image"]["tag"] == IMAGE_TAGS["1.34"].tag


def test_the_autoscaler_runs_in_kube_system_as_system_cluster_critical(eks_gpu: SynthesizedEnvironment) -> None:
    release = autoscaler_release(eks_gpu.apps_json)
    values = yaml.safe_load(release["values"][0])
    assert release["namespace"] == "kube-system"
    assert values["priorityClassName"] == "system-cluster-critical"


def test_the_autoscaler_discovers_this_clusters_groups_and_assumes_its_role(eks_gpu: SynthesizedEnvironment) -> None:
    values = yaml.safe_load(autoscaler_release(eks_gpu.apps_json)["values"][0])
    assert values["autoDiscovery"] == {"clusterName": "test"}
    assert values["cloudProvider"] == "aws"
    role = eks_gpu.apps_json["data"]["aws_iam_role"]
    assert [r["name"] for r in role.values()] == ["test-cluster-autoscaler"]
    assert values["rbac"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"].startswith(
        "${data.aws_iam_role.cluster-autoscaler-identity"
    )


def test_the_role_trusts_only_the_autoscalers_service_account(eks_gpu: SynthesizedEnvironment) -> None:
    (trust,) = policy_statements(eks_gpu.cluster_json, "cluster-autoscaler-identity_trust")
    (subject,) = [c for c in trust["condition"] if c["variable"].endswith(":sub")]
    assert subject["values"] == ["system:serviceaccount:kube-system:cluster-autoscaler"]


def test_the_role_may_resize_only_groups_tagged_for_this_cluster(eks_gpu: SynthesizedEnvironment) -> None:
    statements = policy_statements(eks_gpu.cluster_json, "cluster-autoscaler-identity_permissions")
    (write,) = [s for s in statements if "autoscaling:SetDesiredCapacity" in s["actions"]]
    assert write["actions"] == ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    assert write["condition"] == [
        {"test": "StringEquals", "variable": "aws:ResourceTag/k8s.io/cluster-autoscaler/test", "values": ["owned"]}
    ]
    assert write["resources"] == ["arn:aws:autoscaling:us-east-1:*:autoScalingGroup:*:autoScalingGroupName/*"]
    (describe,) = [s for s in statements if s["actions"] == ["eks:DescribeNodegroup"]]
    assert describe["resources"] == ["arn:aws:eks:us-east-1:*:nodegroup/test/*/*"]
    reads = [action for s in statements if s is not write for action in s["actions"]]
    assert not any(action.startswith(("autoscaling:Set", "autoscaling:Terminate")) for action in reads)


def test_every_node_group_asg_carries_the_ownership_tag_the_condition_needs(eks_gpu: SynthesizedEnvironment) -> None:
    for pool in ("system", "gpu"):
        assert asg_tags(eks_gpu.cluster_json, pool)["k8s.io/cluster-autoscaler/test"] == "owned"


def test_the_gpu_group_describes_its_empty_node_to_the_autoscaler(eks_gpu: SynthesizedEnvironment) -> None:
    tags = asg_tags(eks_gpu.cluster_json, "gpu")
    prefix = "k8s.io/cluster-autoscaler/node-template/"
    assert tags[f"{prefix}resources/nvidia.com/gpu"] == "1"
    assert tags[f"{prefix}label/gpu"] == "true"
    assert tags[f"{prefix}label/k8s.amazonaws.com/accelerator"] == "nvidia-a10g"
    assert tags[f"{prefix}taint/nvidia.com/gpu"] == "true:NoSchedule"
    assert tags[f"{prefix}autoscaling-options/scaledownunneededtime"] == "10m"
    assert not any(key.startswith(prefix) for key in asg_tags(eks_gpu.cluster_json, "system"))


def test_gpu_scale_down_time_follows_the_field_on_eks() -> None:
    stacks = synth(gpu={"enabled": True, "scaleDownAfterMinutes": 30})
    tags = asg_tags(stacks.cluster_json, "gpu")
    assert tags["k8s.io/cluster-autoscaler/node-template/autoscaling-options/scaledownunneededtime"] == "30m"


def test_gpu_node_groups_carry_the_accelerator_label_of_their_gpu() -> None:
    stacks = synth(gpu={"enabled": True, "instanceType": "g6.xlarge"})
    (group,) = [
        g for g in resources_of(stacks.cluster_json, "aws_eks_node_group") if pool_role(g["node_group_name"]) == "gpu"
    ]
    assert group["labels"]["k8s.amazonaws.com/accelerator"] == "nvidia-l4"


def test_a_gpu_group_may_start_empty_on_eks() -> None:
    stacks = synth(gpu={"enabled": True, "minNodeCount": 0, "maxNodeCount": 2})
    (group,) = [
        g for g in resources_of(stacks.cluster_json, "aws_eks_node_group") if pool_role(g["node_group_name"]) == "gpu"
    ]
    assert (group["scaling_config"]["min_size"], group["scaling_config"]["max_size"]) == (0, 2)
    # the running size clamped into the bounds, 0 while nothing runs (tests/capacity/test_node_group_scaling.py)
    assert group["scaling_config"]["desired_size"].startswith("${max(0, min(2, ")


def test_aks_removes_idle_nodes_after_the_gpu_scale_down_time() -> None:
    stacks = synth(cloud="azure", gpu={"enabled": True, "minNodeCount": 0, "scaleDownAfterMinutes": 15})
    (cluster,) = resources_of(stacks.cluster_json, "azurerm_kubernetes_cluster")
    assert cluster["auto_scaler_profile"]["scale_down_unneeded"] == "15m"
    (pool,) = resources_of(stacks.cluster_json, "azurerm_kubernetes_cluster_node_pool")
    assert (pool["auto_scaling_enabled"], pool["min_count"], pool["node_count"]) == (True, 0, 0)


def test_gke_uses_the_balanced_profile_and_lets_a_gpu_pool_start_empty() -> None:
    stacks = synth(cloud="google", gpu={"enabled": True, "minNodeCount": 0})
    (cluster,) = resources_of(stacks.cluster_json, "google_container_cluster")
    assert cluster["cluster_autoscaling"] == {"enabled": False, "autoscaling_profile": "BALANCED"}
    (pool,) = [
        p for p in resources_of(stacks.cluster_json, "google_container_node_pool") if pool_role(p["name"]) == "gpu"
    ]
    assert pool["autoscaling"]["total_min_node_count"] == 0


@pytest.mark.parametrize("cloud", ["google", "azure"])
def test_gke_and_aks_install_no_autoscaler_release(cloud: str) -> None:
    stacks = synth(cloud=cloud, **GPU_ENV)
    assert all(r["name"] != "cluster-autoscaler" for r in resources_of(stacks.apps_json, "helm_release"))


def test_an_eks_version_without_an_autoscaler_image_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"env\.yaml: version: no Cluster Autoscaler image is pinned for .*1\.32"):
        load(tmp_path, 'name: old\ncloud: aws\nversion: "1.32"\n')


def test_a_gke_scale_down_time_gke_cannot_honour_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"env\.yaml: gpu\.scaleDownAfterMinutes: GKE's autoscaler"):
        load(tmp_path, "name: g\ncloud: google\ngpu: {enabled: true, scaleDownAfterMinutes: 5}\n")


def test_a_scale_down_time_of_zero_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"env\.yaml: gpu\.scaleDownAfterMinutes: "):
        load(tmp_path, "name: z\ncloud: aws\ngpu: {enabled: true, scaleDownAfterMinutes: 0}\n")


def test_the_release_depends_on_nothing_and_others_on_it(eks_gpu: SynthesizedEnvironment) -> None:
    releases = eks_gpu.apps_json["resource"]["helm_release"]
    (address,) = [f"helm_release.{key}" for key, r in releases.items() if r["name"] == "cluster-autoscaler"]
    others = [r for r in releases.values() if r["name"] != "cluster-autoscaler"]
    assert others
    assert all(address in r["depends_on"] for r in others)
    assert "depends_on" not in autoscaler_release(eks_gpu.apps_json)


@pytest.mark.parametrize("cloud", ["aws", "google", "azure"])
def test_the_fit_checks_promise_of_an_autoscaler_holds_on_every_cloud(cloud: str) -> None:
    fields: dict[str, Any] = {
        "cloud": cloud,
        "gpu": {"enabled": True, "minNodeCount": 0},
        "apps": {"vllm": {"enabled": True, "models": [{"name": "a", "model": "m/a", "dtype": "float16"}]}},
    }
    (promise,) = [w for w in serving_warnings(environment(**fields)) if "gpu.minNodeCount: 0" in w]
    assert "autoscaler to add one" in promise
    stacks = synth(**fields)
    if cloud == "aws":
        assert autoscaler_release(stacks.apps_json)
        assert asg_tags(stacks.cluster_json, "gpu")["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"]
    elif cloud == "google":
        (pool,) = [
            p for p in resources_of(stacks.cluster_json, "google_container_node_pool") if pool_role(p["name"]) == "gpu"
        ]
        assert pool["autoscaling"]["total_max_node_count"] >= 1
    else:
        (pool,) = resources_of(stacks.cluster_json, "azurerm_kubernetes_cluster_node_pool")
        assert pool["auto_scaling_enabled"] is True
