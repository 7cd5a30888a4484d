"""Replacements create first: a node pool's name changes exactly when the cloud must replace the pool, and every
pool is created before the one it replaces is deleted (tests/e2e/test_e2e_day2.py applies this on the emulator)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cdktf import Testing as CdktfTesting

from spec.pools import replaceable_name
from tests.conftest import SynthesizedEnvironment, pool_role, resources_of, synth

# The resource type and name attribute of each cloud's node pools (AKS's system pool lives in the cluster).
POOLS = {
    "aws": ("aws_eks_node_group", "node_group_name"),
    "google": ("google_container_node_pool", "name"),
    "azure": ("azurerm_kubernetes_cluster_node_pool", "name"),
}
# Name rules of each cloud (EKS API CreateNodegroup; GKE node pool names; AKS: Linux pools, lowercase alphanumerics).
NAME_RULES = {
    "aws": re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$"),
    "google": re.compile(r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$"),
    "azure": re.compile(r"^[a-z][a-z0-9]{0,11}$"),
}
GPU_ON = {"gpu": {"enabled": True}}


def stacks_of(cloud: str, **fields: Any) -> SynthesizedEnvironment:
    return synth(cloud=cloud, **fields)


def pool_names(stacks: SynthesizedEnvironment, cloud: str) -> dict[str, str]:
    resource_type, attribute = POOLS[cloud]
    return {pool_role(pool[attribute]): pool[attribute] for pool in resources_of(stacks.cluster_json, resource_type)}


def test_the_name_hash_is_stable_and_follows_every_forcing_input() -> None:
    assert replaceable_name("gpu", "g5.xlarge", "AL2023") == replaceable_name("gpu", "g5.xlarge", "AL2023")
    assert replaceable_name("gpu", "g5.xlarge", "AL2023") != replaceable_name("gpu", "g6.xlarge", "AL2023")
    assert replaceable_name("gpu", "g5.xlarge", "AL2023") != replaceable_name("gpu", "g5.xlarge", "BOTTLEROCKET")
    assert re.fullmatch(r"gpu[0-9a-f]{6}", replaceable_name("gpu", "x", separator=""))


@pytest.mark.parametrize("cloud", list(POOLS))
def test_every_node_pool_is_created_before_the_one_it_replaces(cloud: str) -> None:
    resource_type, _ = POOLS[cloud]
    pools = resources_of(stacks_of(cloud, **GPU_ON).cluster_json, resource_type)
    assert pools
    assert all(pool["lifecycle"]["create_before_destroy"] is True for pool in pools)


def test_eks_launch_templates_are_created_first_and_named_after_their_node_group() -> None:
    stacks = stacks_of("aws", **GPU_ON)
    names = pool_names(stacks, "aws")
    templates = resources_of(stacks.cluster_json, "aws_launch_template")
    assert sorted(template["name"].split("}-", 1)[1] for template in templates) == sorted(names.values())
    assert all(template["lifecycle"]["create_before_destroy"] is True for template in templates)


def test_aks_system_pool_rotates_through_a_temporary_pool() -> None:
    # AKS's default pool cannot be replaced beside itself; azurerm cycles it through this temporary pool instead.
    assert CdktfTesting.to_have_resource_with_properties(
        stacks_of("azure").cluster,
        "azurerm_kubernetes_cluster",
        {"default_node_pool": {"name": "system", "temporary_name_for_rotation": "systemtmp"}},
    )


@pytest.mark.parametrize("cloud", list(POOLS))
def test_pool_names_follow_the_clouds_naming_rules(cloud: str) -> None:
    names = pool_names(stacks_of(cloud, name="a-24-character-long-name", **GPU_ON), cloud)
    assert names
    assert all(NAME_RULES[cloud].match(name) for name in names.values()), names


# Each edit and whether the cloud must replace the GPU pool for it (AWS: instance_types, ami_type; GKE: machine,
# accelerator, driver; AKS: vm_size, gpu_driver).
GPU_EDITS = [
    ({"gpu": {"enabled": True, "nodeSize": "medium"}}, True),
    ({"gpu": {"enabled": True, "minNodeCount": 0, "maxNodeCount": 5}}, False),
    ({"gpu": {"enabled": True}, "apps": {"nvidia": {"enabled": True}}}, True),
    ({"gpu": {"enabled": True}, "version": "1.35"}, False),
]


@pytest.mark.parametrize("cloud", list(POOLS))
@pytest.mark.parametrize(("edit", "replaces"), GPU_EDITS, ids=["tier", "bounds", "driver-owner", "version"])
def test_the_gpu_pool_is_renamed_exactly_when_an_edit_replaces_it(
    cloud: str, edit: dict[str, Any], replaces: bool
) -> None:
    before = pool_names(stacks_of(cloud, **GPU_ON), cloud)["gpu"]
    after = pool_names(stacks_of(cloud, **edit), cloud)["gpu"]
    assert (before != after) is replaces


@pytest.mark.parametrize("cloud", ["aws", "google"])
def test_a_system_size_change_renames_the_system_pool_and_leaves_the_gpu_pool(cloud: str) -> None:
    before = pool_names(stacks_of(cloud, **GPU_ON), cloud)
    after = pool_names(stacks_of(cloud, nodeSize="large", **GPU_ON), cloud)
    assert before["system"] != after["system"]
    assert before["gpu"] == after["gpu"]


def test_eks_groups_are_renamed_when_their_zones_change() -> None:
    # subnet_ids (one per zone) force EKS to replace a node group; the same name would collide create-first
    before = pool_names(stacks_of("aws", **GPU_ON), "aws")
    after = pool_names(stacks_of("aws", availabilityZones=["us-east-1a", "us-east-1b", "us-east-1d"], **GPU_ON), "aws")
    assert set(before.values()).isdisjoint(after.values())


def test_the_eks_cluster_is_not_replaced_over_an_attribute_the_provider_cannot_read() -> None:
    # create_before_destroy on the node groups reaches the cluster they depend on: a replacement would collide
    (cluster,) = resources_of(stacks_of("aws").cluster_json, "aws_eks_cluster")
    assert cluster["lifecycle"]["ignore_changes"] == ["bootstrap_self_managed_addons"]
