"""EKS node groups send the running desired size, clamped into the bounds, instead of ignoring it: a raised
minimum applies (EKS refuses min > desired) and an autoscaler's size is never undone (tests/e2e/test_e2e_day2.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import pool_role, resources_of, synth


def node_groups(**fields: Any) -> dict[str, dict[str, Any]]:
    stacks = synth(gpu={"enabled": True, "minNodeCount": 1, "maxNodeCount": 4}, **fields).cluster_json
    return {pool_role(group["node_group_name"]): group for group in resources_of(stacks, "aws_eks_node_group")}


def data_sources(resource_type: str, **fields: Any) -> list[dict[str, Any]]:
    stacks = synth(gpu={"enabled": True}, **fields).cluster_json
    return list(stacks.get("data", {}).get(resource_type, {}).values())


def test_desired_size_is_not_ignored() -> None:
    for group in node_groups().values():
        assert "ignore_changes" not in group["lifecycle"]


def test_desired_size_is_the_running_size_clamped_into_the_bounds() -> None:
    desired = node_groups()["gpu"]["scaling_config"]["desired_size"]
    assert desired.startswith("${max(1, min(4, try(data.aws_eks_node_group.")
    assert desired.endswith(".scaling_config[0].desired_size, 1)))}")


def test_running_groups_are_read_by_cluster_name_not_through_the_cluster_resource() -> None:
    # a reference to the cluster resource would defer the read to apply time, and then count cannot be planned
    for resource_type in ("aws_eks_node_groups", "aws_eks_node_group"):
        for source in data_sources(resource_type, name="env-a"):
            assert source["cluster_name"] == "env-a"
            assert "aws_eks_cluster." not in str(source)


def test_the_node_group_list_is_read_only_once_the_cluster_exists() -> None:
    (listing,) = data_sources("aws_eks_node_groups", name="env-a")
    assert listing["count"].startswith("${contains(data.aws_eks_clusters.")
    assert listing["count"].endswith('.names, "env-a") ? 1 : 0}')


def test_a_replacement_starts_from_the_size_of_the_group_it_replaces() -> None:
    gpu = node_groups()["gpu"]["node_group_name"]
    (running,) = [s for s in data_sources("aws_eks_node_group") if '"gpu"' in s["node_group_name"]]
    # this group's own name first, else the running group of the same pool (gpu-<old hash>, or plain gpu)
    assert running["node_group_name"].startswith("${(contains(try(data.aws_eks_node_groups.")
    assert f'"{gpu}") ? "{gpu}" : ' in running["node_group_name"]
    assert 'n == "gpu" || startswith(n, "gpu-")' in running["node_group_name"]
