"""The `<name>-cluster` stack on AWS: network, EKS control plane, node groups, outputs."""

from __future__ import annotations

from typing import Any

import pytest
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.eks_cluster import EksCluster
from cdktf_cdktf_provider_aws.eks_node_group import EksNodeGroup
from cdktf_cdktf_provider_aws.launch_template import LaunchTemplate
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.subnet import Subnet

from tests.conftest import pool_role, resources_of, synth

GPU_ON = {"gpu": {"enabled": True}}


def node_group(stacks_json: dict[str, Any], name: str) -> dict[str, Any]:
    groups = [
        group
        for group in resources_of(stacks_json, "aws_eks_node_group")
        if pool_role(group["node_group_name"]) == name
    ]
    assert len(groups) == 1, f"expected one node group {name!r}"
    return groups[0]


def test_cluster_stack_configures_the_aws_provider_for_the_region() -> None:
    stacks = synth(region="eu-west-1")
    assert CdktfTesting.to_have_provider_with_properties(
        stacks.cluster, AwsProvider.TF_RESOURCE_TYPE, {"region": "eu-west-1"}
    )


def test_cluster_stack_has_no_helm_or_kubernetes_provider() -> None:
    providers = synth(**GPU_ON).cluster_json["provider"]
    assert set(providers) == {"aws"}


def test_network_spans_three_zones_with_public_and_private_subnets() -> None:
    subnets = resources_of(synth().cluster_json, Subnet.TF_RESOURCE_TYPE)
    private = [s for s in subnets if s["tags"].get("kubernetes.io/role/internal-elb") == "1"]
    public = [s for s in subnets if s["tags"].get("kubernetes.io/role/elb") == "1"]
    assert (len(private), len(public)) == (3, 3)
    assert len({s["availability_zone"] for s in private}) == 3


def test_private_subnets_reach_the_internet_through_a_nat_gateway() -> None:
    stacks = synth()
    assert CdktfTesting.to_have_resource(stacks.cluster, NatGateway.TF_RESOURCE_TYPE)
    routes = [r["route"] for r in resources_of(stacks.cluster_json, "aws_route_table")]
    assert any("nat_gateway_id" in route[0] for route in routes)


def test_eks_cluster_runs_the_configured_kubernetes_version() -> None:
    stacks = synth(version="1.34")
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, EksCluster.TF_RESOURCE_TYPE, {"name": "test", "version": "1.34"}
    )


@pytest.mark.parametrize(
    ("size", "instance_type"), [("small", "t3.medium"), ("medium", "t3.large"), ("large", "t3.xlarge")]
)
def test_system_node_group_instance_type_follows_node_size(size: str, instance_type: str) -> None:
    group = node_group(synth(nodeSize=size).cluster_json, "system")
    assert group["instance_types"] == [instance_type]


def test_system_node_group_is_not_tainted() -> None:
    assert "taint" not in node_group(synth(**GPU_ON).cluster_json, "system")


def test_system_node_group_scales_between_min_and_max_node_count() -> None:
    group = node_group(synth(minNodeCount=2, maxNodeCount=7).cluster_json, "system")
    assert (group["scaling_config"]["min_size"], group["scaling_config"]["max_size"]) == (2, 7)
    # the running size clamped into the bounds (tests/capacity/test_node_group_scaling.py)
    assert group["scaling_config"]["desired_size"].startswith("${max(2, min(7, ")


@pytest.mark.parametrize(
    ("size", "instance_type"), [("small", "g5.xlarge"), ("medium", "g5.12xlarge"), ("large", "p4d.24xlarge")]
)
def test_gpu_node_group_instance_type_follows_the_tier(size: str, instance_type: str) -> None:
    stacks = synth(gpu={"enabled": True, "nodeSize": size})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, EksNodeGroup.TF_RESOURCE_TYPE, {"instance_types": [instance_type], "labels": {"gpu": "true"}}
    )


def test_gpu_instance_type_override_replaces_the_tier() -> None:
    group = node_group(synth(gpu={"enabled": True, "instanceType": "g6.xlarge"}).cluster_json, "gpu")
    assert group["instance_types"] == ["g6.xlarge"]


def test_gpu_node_group_is_tainted_labelled_and_uses_the_nvidia_ami() -> None:
    stacks = synth(gpu={"enabled": True}, apps={"nvidia": {"enabled": True}})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        EksNodeGroup.TF_RESOURCE_TYPE,
        {
            "ami_type": "AL2023_x86_64_NVIDIA",
            "labels": {"gpu": "true"},
            "taint": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
        },
    )


def test_gpu_node_group_scales_between_gpu_min_and_max() -> None:
    group = node_group(synth(gpu={"enabled": True, "minNodeCount": 0, "maxNodeCount": 4}).cluster_json, "gpu")
    assert (group["scaling_config"]["min_size"], group["scaling_config"]["max_size"]) == (0, 4)


def test_node_groups_pin_their_version_to_the_cluster() -> None:
    for name in ("system", "gpu"):
        version = node_group(synth(**GPU_ON).cluster_json, name)["version"]
        assert version.startswith("${aws_eks_cluster.")
        assert version.endswith(".version}")


def test_no_gpu_node_group_when_gpu_is_disabled() -> None:
    stacks = synth(gpu={"enabled": False})
    assert not CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, EksNodeGroup.TF_RESOURCE_TYPE, {"labels": {"gpu": "true"}}
    )
    assert [pool_role(g["node_group_name"]) for g in resources_of(stacks.cluster_json, "aws_eks_node_group")] == [
        "system"
    ]


def test_node_launch_templates_require_imdsv2_and_encrypt_the_root_volume() -> None:
    stacks = synth(**GPU_ON)
    templates = resources_of(stacks.cluster_json, LaunchTemplate.TF_RESOURCE_TYPE)
    assert len(templates) == 2
    for template in templates:
        assert template["metadata_options"]["http_tokens"] == "required"
        assert template["block_device_mappings"][0]["ebs"]["encrypted"] == "true"


def test_cluster_stack_outputs_what_a_user_needs_next() -> None:
    outputs = synth(region="us-east-2").cluster_json["output"]
    assert {"cluster_name", "cluster_endpoint", "region", "kubeconfig_command"} <= set(outputs)
    assert outputs["kubeconfig_command"]["value"] == "aws eks update-kubeconfig --region us-east-2 --name test"


def test_subnets_use_the_region_zones_a_b_c_by_default() -> None:
    subnets = resources_of(synth(region="eu-west-1").cluster_json, Subnet.TF_RESOURCE_TYPE)
    assert sorted({s["availability_zone"] for s in subnets}) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_subnets_use_the_configured_availability_zones() -> None:
    zones = ["us-east-1b", "us-east-1d", "us-east-1f"]
    subnets = resources_of(synth(availabilityZones=zones).cluster_json, Subnet.TF_RESOURCE_TYPE)
    assert sorted({s["availability_zone"] for s in subnets}) == zones


def test_api_endpoint_is_private_only_by_default() -> None:
    stacks = synth()
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        EksCluster.TF_RESOURCE_TYPE,
        {"vpc_config": {"endpoint_private_access": True, "endpoint_public_access": False}},
    )


def test_public_api_endpoint_opens_only_to_the_configured_cidrs() -> None:
    stacks = synth(endpointAccess={"publicAccessCidrs": ["198.51.100.0/24"]})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        EksCluster.TF_RESOURCE_TYPE,
        {"vpc_config": {"endpoint_public_access": True, "public_access_cidrs": ["198.51.100.0/24"]}},
    )


def test_control_plane_logs_every_log_type_and_encrypts_secrets_with_the_cluster_key() -> None:
    cluster = resources_of(synth().cluster_json, EksCluster.TF_RESOURCE_TYPE)[0]
    assert cluster["enabled_cluster_log_types"] == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    assert cluster["encryption_config"]["resources"] == ["secrets"]
    assert cluster["encryption_config"]["provider"]["key_arn"].startswith("${aws_kms_key.cluster-key_")


def test_every_log_group_is_encrypted_and_retained() -> None:
    groups = resources_of(synth().cluster_json, "aws_cloudwatch_log_group")
    assert len(groups) == 2  # control plane + VPC flow logs
    for group in groups:
        assert group["kms_key_id"].startswith("${aws_kms_key.")
        assert group["retention_in_days"] >= 365


def test_vpc_flow_logs_capture_all_traffic() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        synth().cluster, "aws_flow_log", {"traffic_type": "ALL", "log_destination_type": "cloud-watch-logs"}
    )


def test_cluster_has_an_oidc_provider_for_pod_iam_roles() -> None:
    stacks = synth()
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, "aws_iam_openid_connect_provider", {"client_id_list": ["sts.amazonaws.com"]}
    )
    assert "oidc_provider_arn" in stacks.cluster_json["output"]


def test_node_role_has_only_the_three_worker_policies() -> None:
    attachments = resources_of(synth(**GPU_ON).cluster_json, "aws_iam_role_policy_attachment")
    node_policies = sorted(a["policy_arn"].rsplit("/", 1)[1] for a in attachments if "node-role" in a["role"])
    assert node_policies == ["AmazonEC2ContainerRegistryReadOnly", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy"]


def test_gpu_nodes_get_room_for_inference_images() -> None:
    templates = resources_of(synth(**GPU_ON).cluster_json, LaunchTemplate.TF_RESOURCE_TYPE)
    sizes = {t["name"].rsplit("-", 2)[1]: t["block_device_mappings"][0]["ebs"]["volume_size"] for t in templates}
    assert sizes == {"system": 50, "gpu": 200}


def test_an_imported_cluster_is_not_replaced_over_its_create_only_bootstrap_flag() -> None:
    """aws 5.100 leaves bootstrap_self_managed_addons empty on import; a diff on it would replace the cluster."""
    (cluster,) = resources_of(synth().cluster_json, EksCluster.TF_RESOURCE_TYPE)
    assert cluster["lifecycle"] == {"ignore_changes": ["bootstrap_self_managed_addons"]}
