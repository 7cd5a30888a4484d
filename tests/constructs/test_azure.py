"""AKS: the cluster stack's node pools and the apps stack's way in and values, per environment setting."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import Testing as CdktfTesting

from catalogue.node_sizes import NodeSize
from constructs.azure.encryption import key_vault_name
from tests.conftest import PROJECT_ROOT, SynthesizedEnvironment, resources_of, synth, synth_file
from validation.loader import load_environment_file

CLUSTER = "azurerm_kubernetes_cluster"
NODE_POOL = "azurerm_kubernetes_cluster_node_pool"
AZURE_EXAMPLES = [PROJECT_ROOT / "examples" / "azure-aks-gpu.yaml", PROJECT_ROOT / "examples" / "azure-aks-large.yaml"]


def aks(**fields: Any) -> SynthesizedEnvironment:
    return synth(cloud="azure", **fields)


@pytest.fixture(scope="module")
def with_operator() -> SynthesizedEnvironment:
    return aks(gpu={"enabled": True}, apps={"nvidia": {"enabled": True}, "vllm": {"enabled": True}})


@pytest.fixture(scope="module")
def without_operator() -> SynthesizedEnvironment:
    return aks(gpu={"enabled": True}, apps={"nvidia": {"enabled": False}, "vllm": {"enabled": True}})


def releases_of(stacks: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    return {release["name"]: release for release in resources_of(stacks.apps_json, "helm_release")}


def values_of(stacks: SynthesizedEnvironment, release: str) -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(releases_of(stacks)[release]["values"][0])
    return values


@pytest.mark.parametrize(
    ("size", "vm_size"),
    [("small", "Standard_NC4as_T4_v3"), ("medium", "Standard_NC64as_T4_v3"), ("large", "Standard_ND96asr_v4")],
)
def test_gpu_pool_vm_size_follows_the_tier(size: NodeSize, vm_size: str) -> None:
    stacks = aks(gpu={"enabled": True, "nodeSize": size})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, NODE_POOL, {"vm_size": vm_size, "node_labels": {"gpu": "true"}}
    )


def test_gpu_pool_of_one_tier_does_not_get_another_tiers_vm_size() -> None:
    stacks = aks(gpu={"enabled": True, "nodeSize": "small"})
    assert not CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, NODE_POOL, {"vm_size": "Standard_ND96asr_v4"}
    )


def test_gpu_pool_is_tainted(without_operator: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        without_operator.cluster, NODE_POOL, {"node_taints": ["nvidia.com/gpu=true:NoSchedule"]}
    )


def test_system_pool_is_not_tainted(without_operator: SynthesizedEnvironment) -> None:
    (cluster,) = resources_of(without_operator.cluster_json, CLUSTER)
    assert "node_taints" not in cluster["default_node_pool"]


def test_gpu_pool_is_labelled_gpu_true(without_operator: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        without_operator.cluster, NODE_POOL, {"node_labels": {"gpu": "true"}}
    )


def test_gpu_pool_autoscales_between_the_environment_bounds() -> None:
    stacks = aks(gpu={"enabled": True, "minNodeCount": 0, "maxNodeCount": 3})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, NODE_POOL, {"auto_scaling_enabled": True, "min_count": 0, "max_count": 3, "mode": "User"}
    )


def test_system_pool_is_the_default_node_pool_and_autoscales() -> None:
    stacks = aks(nodeSize="large", minNodeCount=2, maxNodeCount=4)
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        CLUSTER,
        {
            "default_node_pool": {
                "name": "system",
                "vm_size": "Standard_D4_v2",
                "auto_scaling_enabled": True,
                "min_count": 2,
                "max_count": 4,
            }
        },
    )


def test_without_operator_aks_installs_the_driver(without_operator: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_resource_with_properties(without_operator.cluster, NODE_POOL, {"gpu_driver": "Install"})


def test_with_operator_aks_leaves_the_driver_to_the_operator(with_operator: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_resource_with_properties(with_operator.cluster, NODE_POOL, {"gpu_driver": "None"})
    assert not CdktfTesting.to_have_resource_with_properties(
        with_operator.cluster, NODE_POOL, {"gpu_driver": "Install"}
    )


def test_no_gpu_pool_when_gpu_is_off() -> None:
    stacks = aks(gpu={"enabled": False})
    assert not CdktfTesting.to_have_resource(stacks.cluster, NODE_POOL)


def test_cluster_runs_the_version_in_the_region_with_workload_identity() -> None:
    stacks = aks(region="westeurope", version="1.32")
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        CLUSTER,
        {
            "kubernetes_version": "1.32",
            "identity": {"type": "UserAssigned"},
            "oidc_issuer_enabled": True,
            "workload_identity_enabled": True,
        },
    )
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, "azurerm_resource_group", {"location": "westeurope"}
    )


def test_api_server_is_limited_to_the_public_access_cidrs() -> None:
    stacks = aks(endpointAccess={"publicAccessCidrs": ["203.0.113.0/24"]})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, CLUSTER, {"api_server_access_profile": {"authorized_ip_ranges": ["203.0.113.0/24"]}}
    )


def test_world_open_access_sets_no_authorized_ranges() -> None:
    (cluster,) = resources_of(aks(endpointAccess={"publicAccessCidrs": ["0.0.0.0/0"]}).cluster_json, CLUSTER)
    assert "api_server_access_profile" not in cluster
    assert cluster["private_cluster_enabled"] is False


def test_without_public_access_cidrs_the_cluster_is_private() -> None:
    (cluster,) = resources_of(aks(endpointAccess={"publicAccessCidrs": []}).cluster_json, CLUSTER)
    assert cluster["private_cluster_enabled"] is True
    assert "api_server_access_profile" not in cluster


def test_kubeconfig_command_names_the_resource_group() -> None:
    stacks = aks()
    assert stacks.cluster_json["output"]["kubeconfig_command"]["value"] == (
        "az aks get-credentials --resource-group test-rg --name test"
    )


def test_apps_stack_reaches_the_cluster_through_data_sources_only(with_operator: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_data_source_with_properties(
        with_operator.apps, CLUSTER, {"name": "test", "resource_group_name": "test-rg"}
    )
    kubernetes = with_operator.apps_json["provider"]["helm"][0]["kubernetes"]
    assert "exec" not in kubernetes
    assert kubernetes["host"].startswith("${data.azurerm_kubernetes_cluster.")
    assert kubernetes["host"].endswith(".kube_config[0].host}")
    for key in ("client_certificate", "client_key", "cluster_ca_certificate"):
        assert kubernetes[key].startswith("${base64decode(data.azurerm_kubernetes_cluster.")


def test_apps_stack_has_no_cluster_resource(with_operator: SynthesizedEnvironment) -> None:
    assert not CdktfTesting.to_have_resource(with_operator.apps, CLUSTER)
    assert not CdktfTesting.to_have_resource(with_operator.apps, NODE_POOL)


def test_operator_values_install_driver_toolkit_and_device_plugin(with_operator: SynthesizedEnvironment) -> None:
    values = values_of(with_operator, "gpu-operator")
    assert (values["driver"], values["toolkit"], values["devicePlugin"]) == (
        {"enabled": True},
        {"enabled": True},
        {"enabled": True},
    )
    assert "extraObjects" not in values


def test_operator_runs_without_a_separate_device_plugin(with_operator: SynthesizedEnvironment) -> None:
    assert "nvidia-device-plugin" not in releases_of(with_operator)


def test_without_operator_the_device_plugin_release_targets_gpu_nodes(without_operator: SynthesizedEnvironment) -> None:
    assert "gpu-operator" not in releases_of(without_operator)
    values = values_of(without_operator, "nvidia-device-plugin")
    assert values["nodeSelector"] == {"gpu": "true"}
    assert values["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}
    ]


def test_without_gpu_there_is_no_device_plugin_release() -> None:
    assert "nvidia-device-plugin" not in releases_of(aks(apps={"vllm": {"enabled": True}}))


def test_vllm_names_no_runtime_class_without_operator(without_operator: SynthesizedEnvironment) -> None:
    assert values_of(without_operator, "vllm-stack")["servingEngineSpec"]["runtimeClassName"] == ""


def test_vllm_names_the_nvidia_runtime_class_with_operator(with_operator: SynthesizedEnvironment) -> None:
    assert values_of(with_operator, "vllm-stack")["servingEngineSpec"]["runtimeClassName"] == "nvidia"


@pytest.mark.parametrize("path", AZURE_EXAMPLES, ids=lambda path: path.name)
def test_example_synthesises_both_stacks(path: Path) -> None:
    stacks = synth_file(path)
    assert CdktfTesting.to_have_resource(stacks.cluster, CLUSTER)
    assert CdktfTesting.to_have_resource(stacks.apps, "helm_release")


def test_loader_selects_azure_from_the_match_labels() -> None:
    assert load_environment_file(AZURE_EXAMPLES[0]).environment.cloud == "azure"


def test_loader_selects_azure_from_the_composition_ref(tmp_path: Path) -> None:
    manifest = {
        "apiVersion": "devopstoolkit.ai/v2",
        "kind": "Cluster",
        "metadata": {"name": "by-ref"},
        "spec": {"crossplane": {"compositionRef": {"name": "cluster-azure"}}},
    }
    path = tmp_path / "by-ref.yaml"
    path.write_text(yaml.safe_dump(manifest))
    assert load_environment_file(path).environment.cloud == "azure"


def only_resource(stacks: SynthesizedEnvironment, resource_type: str) -> tuple[str, dict[str, Any]]:
    (item,) = stacks.cluster_json["resource"][resource_type].items()
    name: str = item[0]
    resource: dict[str, Any] = item[1]
    return name, resource


def role_assignment(stacks: SynthesizedEnvironment, role: str) -> tuple[str, dict[str, Any]]:
    (item,) = [
        (name, assignment)
        for name, assignment in stacks.cluster_json["resource"]["azurerm_role_assignment"].items()
        if assignment["role_definition_name"] == role
    ]
    return item


def test_audit_logs_go_to_the_log_analytics_workspace() -> None:
    stacks = aks()
    workspace_id, workspace = only_resource(stacks, "azurerm_log_analytics_workspace")
    cluster_id, _ = only_resource(stacks, CLUSTER)
    assert workspace["sku"] == "PerGB2018"
    assert workspace["retention_in_days"] >= 30
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        "azurerm_monitor_diagnostic_setting",
        {
            "target_resource_id": f"${{{CLUSTER}.{cluster_id}.id}}",
            "log_analytics_workspace_id": f"${{azurerm_log_analytics_workspace.{workspace_id}.id}}",
            "enabled_log": [{"category": "kube-audit-admin"}, {"category": "guard"}],
        },
    )


def test_secrets_are_encrypted_with_the_key_vault_key() -> None:
    stacks = aks()
    key_id, key = only_resource(stacks, "azurerm_key_vault_key")
    assert (key["key_type"], key["key_size"]) == ("RSA", 2048)
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        CLUSTER,
        {
            "key_management_service": {
                "key_vault_key_id": f"${{azurerm_key_vault_key.{key_id}.id}}",
                "key_vault_network_access": "Public",
            }
        },
    )


def test_key_vault_uses_rbac_and_cannot_be_purged() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        aks().cluster,
        "azurerm_key_vault",
        {"rbac_authorization_enabled": True, "purge_protection_enabled": True, "soft_delete_retention_days": 7},
    )


def test_cluster_runs_as_the_identity_that_may_use_the_key() -> None:
    stacks = aks()
    identity_id, _ = only_resource(stacks, "azurerm_user_assigned_identity")
    vault_id, _ = only_resource(stacks, "azurerm_key_vault")
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        CLUSTER,
        {
            "identity": {
                "type": "UserAssigned",
                "identity_ids": [f"${{azurerm_user_assigned_identity.{identity_id}.id}}"],
            }
        },
    )
    _, crypto_user = role_assignment(stacks, "Key Vault Crypto User")
    assert crypto_user["principal_id"] == f"${{azurerm_user_assigned_identity.{identity_id}.principal_id}}"
    assert crypto_user["scope"] == f"${{azurerm_key_vault.{vault_id}.id}}"


def sleep_after(stacks: SynthesizedEnvironment, dependency: str) -> tuple[str, dict[str, Any]]:
    """The one time_sleep that waits on `dependency` (a `type.name` reference)."""
    sleeps = stacks.cluster_json["resource"]["time_sleep"]
    (item,) = [(name, s) for name, s in sleeps.items() if s["depends_on"] == [dependency]]
    return item


def test_cluster_is_created_a_bounded_wait_after_its_identity_may_use_the_key(
    with_operator: SynthesizedEnvironment,
) -> None:
    assignment_id, _ = role_assignment(with_operator, "Key Vault Crypto User")
    wait_id, wait = sleep_after(with_operator, f"azurerm_role_assignment.{assignment_id}")
    assert wait["create_duration"] == "120s"
    (cluster,) = resources_of(with_operator.cluster_json, CLUSTER)
    assert cluster["depends_on"] == [f"time_sleep.{wait_id}"]


def test_key_is_created_a_bounded_wait_after_the_deployer_may_manage_keys(
    with_operator: SynthesizedEnvironment,
) -> None:
    officer_id, officer = role_assignment(with_operator, "Key Vault Crypto Officer")
    assert officer["principal_id"].startswith("${data.azurerm_client_config.")
    assert officer["principal_id"].endswith(".object_id}")
    wait_id, wait = sleep_after(with_operator, f"azurerm_role_assignment.{officer_id}")
    assert wait["create_duration"] == "120s"
    _, key = only_resource(with_operator, "azurerm_key_vault_key")
    assert key["depends_on"] == [f"time_sleep.{wait_id}"]


@pytest.mark.parametrize("cluster_name", ["a", "gpu", "a-very-long-cluster-name", "double--hyphen-name-x"])
def test_key_vault_name_fits_azures_rules(cluster_name: str) -> None:
    name = key_vault_name(cluster_name, "abc123")
    assert 3 <= len(name) <= 24
    assert re.fullmatch(r"[a-z][a-z0-9-]*[a-z0-9]", name)
    assert "--" not in name
    assert name.endswith("-kv-abc123")


# Issue 14: a vault name per creation, the vault's network posture, subscription and reachability.


def test_key_vault_name_carries_a_random_suffix_kept_in_state(with_operator: SynthesizedEnvironment) -> None:
    suffix_id, suffix = only_resource(with_operator, "random_id")
    assert suffix == {"byte_length": 3}  # no keepers: a new name only for a new creation, never on a later plan
    assert CdktfTesting.to_have_resource_with_properties(
        with_operator.cluster, "azurerm_key_vault", {"name": f"test-kv-${{random_id.{suffix_id}.hex}}"}
    )


def test_key_vault_network_access_is_stated_explicitly(with_operator: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        with_operator.cluster,
        "azurerm_key_vault",
        {"network_acls": {"default_action": "Allow", "bypass": "AzureServices"}},
    )


SUBSCRIPTION = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


@pytest.fixture(scope="module")
def with_subscription() -> SynthesizedEnvironment:
    return aks(subscriptionId=SUBSCRIPTION, endpointAccess={"publicAccessCidrs": ["198.51.100.0/24"]})


def warnings_of(stack: Any) -> list[str]:
    return [str(entry.data) for entry in stack.node.metadata if entry.type == "@cdktf/warn"]


def test_subscription_id_goes_into_both_stacks_provider_blocks(with_subscription: SynthesizedEnvironment) -> None:
    for stack in (with_subscription.cluster, with_subscription.apps):
        assert CdktfTesting.to_have_provider_with_properties(stack, "azurerm", {"subscription_id": SUBSCRIPTION})


def test_with_subscription_id_there_is_no_arm_subscription_warning(with_subscription: SynthesizedEnvironment) -> None:
    assert not any("ARM_SUBSCRIPTION_ID" in w for w in warnings_of(with_subscription.cluster_stack))


def test_without_subscription_id_the_provider_has_none_and_the_stack_names_the_variable(
    with_operator: SynthesizedEnvironment,
) -> None:
    assert "subscription_id" not in with_operator.cluster_json["provider"]["azurerm"][0]
    assert any("ARM_SUBSCRIPTION_ID" in w for w in warnings_of(with_operator.cluster_stack))


def test_private_cluster_without_cidrs_warns_on_the_apps_stack(with_operator: SynthesizedEnvironment) -> None:
    (warning,) = [w for w in warnings_of(with_operator.apps_stack) if w.startswith("endpointAccess:")]
    assert "publicAccessCidrs" in warning
    assert "deployFrom: inside-network" in warning


def test_public_api_server_with_cidrs_does_not_warn(with_subscription: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        with_subscription.cluster,
        CLUSTER,
        {
            "private_cluster_enabled": False,
            "api_server_access_profile": {"authorized_ip_ranges": ["198.51.100.0/24"]},
        },
    )
    assert not any(w.startswith("endpointAccess:") for w in warnings_of(with_subscription.apps_stack))


def test_deploying_from_inside_the_network_keeps_the_cluster_private_without_a_warning() -> None:
    stacks = aks(endpointAccess={"deployFrom": "inside-network"})
    assert CdktfTesting.to_have_resource_with_properties(stacks.cluster, CLUSTER, {"private_cluster_enabled": True})
    assert not any(w.startswith("endpointAccess:") for w in warnings_of(stacks.apps_stack))
