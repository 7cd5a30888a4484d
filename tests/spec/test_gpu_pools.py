"""`gpu.pools`: several GPU pools by accelerator, spot or on demand, each model placed on one, the cost in the plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.eks_node_group import EksNodeGroup
from cdktf_cdktf_provider_azurerm.kubernetes_cluster_node_pool import KubernetesClusterNodePool
from cdktf_cdktf_provider_google.container_node_pool import ContainerNodePool

from apps.vllm.serving import model_pools
from capacity.cost import cost_plan
from capacity.plan import capacity_plan
from catalogue.prices import CLUSTER_FEES, price_per_hour
from spec.pools import POOL_LABEL, node_pools
from tests.conftest import environment, pool_role, resources_of, synth
from validation.loader import ConfigError, load_environment_file
from validation.warnings import apps_warnings

SMALL: dict[str, Any] = {"name": "small", "accelerator": "l4", "capacity": "spot", "minNodeCount": 1, "maxNodeCount": 4}
LARGE: dict[str, Any] = {"name": "large", "accelerator": "h100", "gpusPerNode": 8, "minNodeCount": 0, "maxNodeCount": 2}
AZURE_SMALL: dict[str, Any] = {**SMALL, "accelerator": "t4"}  # Azure sells no L4
MODELS: list[dict[str, Any]] = [
    {"name": "qwen", "model": "Qwen/Qwen2.5-1.5B-Instruct", "pool": "small"},
    {"name": "llama", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpus": 8},
]
CLOUD_FIELDS: dict[str, dict[str, Any]] = {
    "aws": {"cloud": "aws"},
    "google": {"cloud": "google", "project": "gpu-pools-test", "region": "us-central1"},
    "azure": {"cloud": "azure", "subscriptionId": "00000000-0000-0000-0000-000000000000"},
}


def two_pools(cloud: str, **overrides: Any) -> dict[str, Any]:
    small = AZURE_SMALL if cloud == "azure" else SMALL
    fields = {
        **CLOUD_FIELDS[cloud],
        "gpu": {"enabled": True, "pools": [small, LARGE]},
        "apps": {"nvidia": {"enabled": True}, "vllm": {"enabled": True, "models": MODELS}},
    }
    return {**fields, **overrides}


def refusal(tmp_path: Path, fields: dict[str, Any]) -> str:
    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump({"name": "pools", **fields}))
    with pytest.raises(ConfigError) as raised:
        load_environment_file(path)
    return str(raised.value)


# --- the list in the file


def test_without_pools_the_file_has_its_one_pool_named_gpu() -> None:
    pools = node_pools(environment(gpu={"enabled": True}))
    assert [(pool.name, pool.machine_type, POOL_LABEL in pool.labels) for pool in pools] == [
        ("system", "t3.medium", False),
        ("gpu", "g5.xlarge", False),
    ]


def test_each_listed_pool_takes_the_smallest_machine_of_its_accelerator_and_its_own_label() -> None:
    pools = node_pools(environment(**two_pools("aws")))
    assert [(p.name, p.machine_type, p.spot, p.labels.get(POOL_LABEL)) for p in pools[1:]] == [
        ("small", "g6.xlarge", True, "small"),
        ("large", "p5.48xlarge", False, "large"),
    ]


@pytest.mark.parametrize(
    ("pool", "field", "words"),
    [
        ({"name": "a", "accelerator": "l4", "nodeSize": "small"}, "gpu.pools.0", "exactly one of accelerator"),
        ({"name": "a"}, "gpu.pools.0", "found none"),
        ({"name": "a", "nodeSize": "small", "gpusPerNode": 2}, "gpu.pools.0", "gpusPerNode applies only with"),
        ({"name": "large-pool", "accelerator": "l4"}, "gpu.pools.0.name", "1 to 6 lowercase letters and digits"),
        ({"name": "a", "accelerator": "tpu"}, "gpu.pools.0.accelerator", "'t4', 'a10g', 'l4'"),
        ({"name": "a", "accelerator": "l4", "capacity": "reserved"}, "gpu.pools.0.capacity", "'onDemand' or 'spot'"),
    ],
)
def test_a_malformed_pool_is_refused_naming_its_field(
    tmp_path: Path, pool: dict[str, Any], field: str, words: str
) -> None:
    message = refusal(tmp_path, {"cloud": "aws", "gpu": {"enabled": True, "pools": [pool]}})
    assert f": {field}: " in message, message
    assert words in message, message


def test_two_pools_of_one_name_are_refused(tmp_path: Path) -> None:
    pools = [{"name": "a", "accelerator": "l4"}, {"name": "a", "accelerator": "t4"}]
    assert "two pools are named 'a'" in refusal(tmp_path, {"cloud": "aws", "gpu": {"enabled": True, "pools": pools}})


def test_the_single_pool_fields_beside_pools_are_refused(tmp_path: Path) -> None:
    gpu = {"enabled": True, "nodeSize": "medium", "pools": [{"name": "a", "accelerator": "l4"}]}
    message = refusal(tmp_path, {"cloud": "aws", "gpu": gpu})
    assert "gpu: " in message
    assert "nodeSize describes the single GPU pool" in message


def test_an_accelerator_the_cloud_does_not_sell_is_refused_listing_what_it_offers(tmp_path: Path) -> None:
    fields = {**CLOUD_FIELDS["azure"], "gpu": {"enabled": True, "pools": [{"name": "a", "accelerator": "l4"}]}}
    message = refusal(tmp_path, fields)
    assert "gpu.pools.0.accelerator: azure sells no l4 GPUs; it offers t4" in message, message


def test_a_gpu_count_no_machine_has_is_refused_naming_the_counts_there_are(tmp_path: Path) -> None:
    pool = {"name": "a", "accelerator": "h100", "gpusPerNode": 2}
    message = refusal(tmp_path, {"cloud": "aws", "gpu": {"enabled": True, "pools": [pool]}})
    assert "gpu.pools.0.gpusPerNode: aws has no machine with 2 h100 GPUs; it has 1, 8 per node" in message, message


def test_a_pool_idle_time_gke_cannot_honour_is_refused(tmp_path: Path) -> None:
    pool = {"name": "a", "accelerator": "l4", "scaleDownAfterMinutes": 30}
    message = refusal(tmp_path, {**CLOUD_FIELDS["google"], "gpu": {"enabled": True, "pools": [pool]}})
    assert "gpu.pools.0.scaleDownAfterMinutes: GKE's autoscaler" in message


def test_aks_pools_with_different_idle_times_are_refused(tmp_path: Path) -> None:
    pools = [
        {"name": "a", "accelerator": "t4", "scaleDownAfterMinutes": 5},
        {"name": "b", "accelerator": "h100", "gpusPerNode": 8, "scaleDownAfterMinutes": 20},
    ]
    message = refusal(tmp_path, {**CLOUD_FIELDS["azure"], "gpu": {"enabled": True, "pools": pools}})
    assert "gpu.pools: AKS has one idle time per cluster" in message


# --- models on pools


def test_a_model_runs_on_the_pool_it_names_else_on_the_fewest_gpus_that_hold_it() -> None:
    placed = model_pools(environment(**two_pools("aws")))
    assert {model: pool.name for model, pool in placed.items()} == {"qwen": "small", "llama": "large"}


def test_a_model_naming_a_missing_pool_is_refused(tmp_path: Path) -> None:
    fields = two_pools("aws")
    fields["apps"]["vllm"]["models"] = [{"name": "qwen", "model": "Qwen/Qwen2.5-1.5B-Instruct", "pool": "huge"}]
    message = refusal(tmp_path, fields)
    assert "apps.vllm.models.0.pool: no GPU pool is named 'huge'; gpu.pools has small, large" in message


def test_a_model_pool_without_a_pool_list_is_refused(tmp_path: Path) -> None:
    models = [{"name": "qwen", "model": "Qwen/Qwen2.5-1.5B-Instruct", "pool": "small"}]
    fields = {"cloud": "aws", "gpu": {"enabled": True}, "apps": {"vllm": {"enabled": True, "models": models}}}
    assert "apps.vllm.models.0.pool: applies only with gpu.pools" in refusal(tmp_path, fields)


def test_replicas_beyond_their_pool_are_refused_naming_the_pool(tmp_path: Path) -> None:
    fields = two_pools("aws")
    fields["apps"]["vllm"]["models"] = [{**MODELS[0], "replicas": 5}]
    message = refusal(tmp_path, fields)
    assert "add up to 5 GPUs on pool small; the pool has at most 4 (gpu.pools.0.maxNodeCount 4 x 1" in message


def test_a_pool_no_model_runs_on_is_a_warning_naming_it() -> None:
    fields = two_pools("aws")
    fields["apps"]["vllm"]["models"] = [MODELS[0]]
    warnings = apps_warnings(environment(**fields))
    assert any(w.startswith("gpu.pools.1: no model of apps.vllm.models runs on pool large") for w in warnings)


@pytest.mark.parametrize("cloud", ["aws", "google", "azure"])
def test_each_engine_selects_its_own_pool_and_tolerates_exactly_its_taints(cloud: str) -> None:
    apps = synth(**two_pools(cloud)).apps_json
    (vllm,) = [r for r in resources_of(apps, "helm_release") if r["name"] == "vllm-stack"]
    engines = {spec["name"]: spec for spec in yaml.safe_load(vllm["values"][0])["servingEngineSpec"]["modelSpec"]}
    for model, pool in (("qwen", "small"), ("llama", "large")):
        (term,) = engines[model]["nodeSelectorTerms"]
        assert {"key": POOL_LABEL, "operator": "In", "values": [pool]} in term["matchExpressions"]
    spot_keys = {t["key"] for t in engines["qwen"]["tolerations"]} - {t["key"] for t in engines["llama"]["tolerations"]}
    assert spot_keys == ({"kubernetes.azure.com/scalesetpriority"} if cloud == "azure" else set())


def test_on_aks_the_gpu_operator_reaches_spot_nodes_through_their_taint() -> None:
    apps = synth(**two_pools("azure")).apps_json
    (operator,) = [r for r in resources_of(apps, "helm_release") if r["name"] == "gpu-operator"]
    values = yaml.safe_load(operator["values"][0])
    for tolerations in (values["daemonsets"]["tolerations"], values["node-feature-discovery"]["worker"]["tolerations"]):
        spot = [t for t in tolerations if t["key"] == "kubernetes.azure.com/scalesetpriority"]
        assert spot == [
            {
                "key": "kubernetes.azure.com/scalesetpriority",
                "operator": "Equal",
                "value": "spot",
                "effect": "NoSchedule",
            }
        ]


def test_without_spot_pools_the_gpu_operator_keeps_the_chart_tolerations() -> None:
    fields = two_pools("azure", gpu={"enabled": True, "pools": [LARGE]})
    fields["apps"]["vllm"]["models"] = [MODELS[1]]
    apps = synth(**fields).apps_json
    (operator,) = [r for r in resources_of(apps, "helm_release") if r["name"] == "gpu-operator"]
    assert "daemonsets" not in yaml.safe_load(operator["values"][0])


# --- spot per cloud


def test_an_eks_spot_pool_is_a_spot_node_group_and_on_demand_sets_no_capacity_type() -> None:
    cluster = synth(**two_pools("aws")).cluster
    assert CdktfTesting.to_have_resource_with_properties(
        cluster, EksNodeGroup.TF_RESOURCE_TYPE, {"capacity_type": "SPOT", "instance_types": ["g6.xlarge"]}
    )
    large = [
        g
        for g in resources_of(synth(**two_pools("aws")).cluster_json, "aws_eks_node_group")
        if g["instance_types"] == ["p5.48xlarge"]
    ]
    assert [g.get("capacity_type") for g in large] == [None]


def test_a_gke_spot_pool_runs_spot_vms() -> None:
    cluster = synth(**two_pools("google")).cluster
    assert CdktfTesting.to_have_resource_with_properties(
        cluster, ContainerNodePool.TF_RESOURCE_TYPE, {"node_config": {"machine_type": "g2-standard-4", "spot": True}}
    )


def test_an_aks_spot_pool_is_evicted_by_deletion_at_up_to_the_on_demand_price_with_its_taint() -> None:
    cluster = synth(**two_pools("azure")).cluster
    assert CdktfTesting.to_have_resource_with_properties(
        cluster,
        KubernetesClusterNodePool.TF_RESOURCE_TYPE,
        {
            "vm_size": "Standard_NC4as_T4_v3",
            "priority": "Spot",
            "eviction_policy": "Delete",
            "spot_max_price": -1,
            "node_taints": ["nvidia.com/gpu=true:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
        },
    )


@pytest.mark.parametrize(
    ("cloud", "resource_type", "name_key"),
    [
        ("aws", "aws_eks_node_group", "node_group_name"),
        ("google", "google_container_node_pool", "name"),
        ("azure", "azurerm_kubernetes_cluster_node_pool", "name"),
    ],
)
def test_switching_a_pool_between_spot_and_on_demand_renames_it_so_it_is_replaced_create_first(
    cloud: str, resource_type: str, name_key: str
) -> None:
    def small_pool_name(capacity: str) -> str:
        small = {**(AZURE_SMALL if cloud == "azure" else SMALL), "capacity": capacity}
        fields = {**two_pools(cloud), "gpu": {"enabled": True, "pools": [small, LARGE]}}
        names = [r[name_key] for r in resources_of(synth(**fields).cluster_json, resource_type)]
        (name,) = [n for n in names if pool_role(n) == "small"]
        return str(name)

    assert small_pool_name("spot") != small_pool_name("onDemand")


# --- what the plan says


def test_the_capacity_plan_has_one_line_per_pool_and_each_model_counts_only_on_its_pool() -> None:
    plan = {pool.pool: pool for pool in capacity_plan(environment(**two_pools("aws")))}
    assert list(plan) == ["system", "small", "large"]
    assert (plan["small"].gpus, plan["large"].gpus) == (1, 8)


def test_the_cost_at_rest_is_every_pool_at_its_minimum_plus_the_cluster_fees() -> None:
    env = environment(**two_pools("aws"))
    cost = cost_plan(env)
    region = env.resolved_region
    expected = sum(
        pool.min_nodes * price.usd_per_hour
        for pool in node_pools(env)
        if (price := price_per_hour(env.cloud, pool.machine_type, region)) is not None
    ) + sum(fee.usd_per_hour for fee in CLUSTER_FEES[env.cloud])
    assert cost.complete
    assert cost.at_rest == pytest.approx(expected)
    assert cost.at_max > cost.at_rest


def test_a_spot_pool_is_shown_at_its_on_demand_price_as_the_ceiling() -> None:
    (small,) = [line for line in cost_plan(environment(**two_pools("aws"))).lines() if line.startswith("small pool")]
    assert "on-demand price as the ceiling" in small


def test_the_cluster_stack_outputs_its_cost_plan() -> None:
    outputs = synth(**two_pools("aws")).cluster_json["output"]
    plan = outputs["cost_plan"]["value"]
    assert plan["currency"] == "USD per hour"
    assert [pool["pool"] for pool in plan["pools"]] == ["system", "small", "large"]
    assert plan["at_rest"] < plan["at_max"]
