"""GKE: the cluster stack's node pools and the apps stack's way in and values, per environment setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import Testing as CdktfTesting

from catalogue.node_sizes import NodeSize
from tests.conftest import PROJECT_ROOT, SynthesizedEnvironment, pool_role, resources_of, synth, synth_file
from validation.loader import load_environment_file

NODE_POOL = "google_container_node_pool"
CLUSTER = "google_container_cluster"
GOOGLE_EXAMPLES = [
    PROJECT_ROOT / "examples" / "google-gke-gpu.yaml",
    PROJECT_ROOT / "examples" / "google-gke-a100.yaml",
]


def gke(**fields: Any) -> SynthesizedEnvironment:
    return synth(cloud="google", **fields)


@pytest.fixture(scope="module")
def with_operator() -> SynthesizedEnvironment:
    return gke(gpu={"enabled": True}, apps={"nvidia": {"enabled": True}, "vllm": {"enabled": True}})


@pytest.fixture(scope="module")
def without_operator() -> SynthesizedEnvironment:
    return gke(gpu={"enabled": True}, apps={"nvidia": {"enabled": False}, "vllm": {"enabled": True}})


def gpu_pool_of(stacks: SynthesizedEnvironment) -> dict[str, Any]:
    pools = [pool for pool in resources_of(stacks.cluster_json, NODE_POOL) if pool_role(pool["name"]) == "gpu"]
    assert len(pools) == 1
    return pools[0]


def operator_values(stacks: SynthesizedEnvironment) -> dict[str, Any]:
    releases = [r for r in resources_of(stacks.apps_json, "helm_release") if r["name"] == "gpu-operator"]
    assert len(releases) == 1
    values: dict[str, Any] = yaml.safe_load(releases[0]["values"][0])
    return values


@pytest.mark.parametrize(
    ("size", "machine_type", "accelerator", "count"),
    [
        ("small", "n1-standard-4", "nvidia-tesla-t4", 1),
        ("medium", "a2-highgpu-4g", "nvidia-tesla-a100", 4),
        ("large", "a2-highgpu-8g", "nvidia-tesla-a100", 8),
    ],
)
def test_gpu_pool_machine_and_accelerator_follow_the_tier(
    size: NodeSize, machine_type: str, accelerator: str, count: int
) -> None:
    stacks = gke(gpu={"enabled": True, "nodeSize": size})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        NODE_POOL,
        {
            "node_config": {
                "machine_type": machine_type,
                "guest_accelerator": [{"type": accelerator, "count": count}],
            },
        },
    )


def test_gpu_pool_of_one_tier_does_not_get_another_tiers_machine() -> None:
    stacks = gke(gpu={"enabled": True, "nodeSize": "small"})
    assert not CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, NODE_POOL, {"node_config": {"machine_type": "a2-highgpu-4g"}}
    )


def test_gpu_pool_is_tainted_with_the_value_gke_uses(without_operator: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        without_operator.cluster,
        NODE_POOL,
        {
            "node_config": {"taint": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]},
        },
    )


def test_system_pool_is_not_tainted(without_operator: SynthesizedEnvironment) -> None:
    system = [
        pool for pool in resources_of(without_operator.cluster_json, NODE_POOL) if pool_role(pool["name"]) == "system"
    ]
    assert len(system) == 1
    assert "taint" not in system[0]["node_config"]


def test_gpu_pool_is_labelled_gpu_true(without_operator: SynthesizedEnvironment) -> None:
    assert gpu_pool_of(without_operator)["node_config"]["labels"] == {"gpu": "true"}


def test_gpu_pool_autoscales_between_the_environment_bounds() -> None:
    stacks = gke(gpu={"enabled": True, "minNodeCount": 0, "maxNodeCount": 3})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        NODE_POOL,
        {"autoscaling": {"total_min_node_count": 0, "total_max_node_count": 3}},
    )


def test_system_pool_uses_the_catalogue_machine_and_autoscales() -> None:
    stacks = gke(nodeSize="medium", minNodeCount=2, maxNodeCount=4)
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        NODE_POOL,
        {
            "node_config": {"machine_type": "e2-standard-4"},
            "autoscaling": {"total_min_node_count": 2, "total_max_node_count": 4},
        },
    )


def test_without_operator_gke_installs_the_driver_on_cos(without_operator: SynthesizedEnvironment) -> None:
    node_config = gpu_pool_of(without_operator)["node_config"]
    driver = node_config["guest_accelerator"][0]["gpu_driver_installation_config"]
    assert driver == {"gpu_driver_version": "LATEST"}
    assert node_config["image_type"] == "COS_CONTAINERD"


def test_without_operator_gkes_device_plugin_stays_on(without_operator: SynthesizedEnvironment) -> None:
    assert "gke-no-default-nvidia-gpu-device-plugin" not in gpu_pool_of(without_operator)["node_config"]["labels"]


def test_with_operator_gke_driver_installation_is_disabled_on_ubuntu(with_operator: SynthesizedEnvironment) -> None:
    node_config = gpu_pool_of(with_operator)["node_config"]
    driver = node_config["guest_accelerator"][0]["gpu_driver_installation_config"]
    assert driver == {"gpu_driver_version": "INSTALLATION_DISABLED"}
    assert node_config["image_type"] == "UBUNTU_CONTAINERD"


def test_with_operator_gkes_device_plugin_is_switched_off_by_label(with_operator: SynthesizedEnvironment) -> None:
    labels = gpu_pool_of(with_operator)["node_config"]["labels"]
    assert labels == {"gpu": "true", "gke-no-default-nvidia-gpu-device-plugin": "true"}


def test_no_gpu_pool_when_gpu_is_off() -> None:
    stacks = gke(gpu={"enabled": False})
    assert [pool_role(pool["name"]) for pool in resources_of(stacks.cluster_json, NODE_POOL)] == ["system"]
    assert not CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, NODE_POOL, {"node_config": {"labels": {"gpu": "true"}}}
    )


def test_cluster_is_regional_vpc_native_private_and_uses_the_version() -> None:
    stacks = gke(region="europe-west4", version="1.32")
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        CLUSTER,
        {
            "location": "europe-west4",
            "min_master_version": "1.32",
            "remove_default_node_pool": True,
            "initial_node_count": 1,
            "deletion_protection": False,
            "networking_mode": "VPC_NATIVE",
            "ip_allocation_policy": {
                "cluster_secondary_range_name": "pods",
                "services_secondary_range_name": "services",
            },
            "private_cluster_config": {"enable_private_nodes": True},
        },
    )


def test_master_authorized_networks_are_the_public_access_cidrs() -> None:
    stacks = gke(endpointAccess={"publicAccessCidrs": ["203.0.113.0/24"]})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        CLUSTER,
        {"master_authorized_networks_config": {"cidr_blocks": [{"cidr_block": "203.0.113.0/24"}]}},
    )


def test_private_nodes_get_cloud_nat() -> None:
    stacks = gke()
    assert CdktfTesting.to_have_resource(stacks.cluster, "google_compute_router_nat")


def test_nodes_run_as_a_dedicated_least_privilege_service_account() -> None:
    stacks = gke()
    roles = sorted(member["role"] for member in resources_of(stacks.cluster_json, "google_project_iam_member"))
    assert roles == ["roles/artifactregistry.reader", "roles/container.defaultNodeServiceAccount"]
    service_account = "${google_service_account."
    for pool in resources_of(stacks.cluster_json, NODE_POOL):
        assert pool["node_config"]["service_account"].startswith(service_account)


def test_project_sets_the_provider_project_and_workload_pool() -> None:
    stacks = gke(project="my-gpu-project")
    assert CdktfTesting.to_have_provider_with_properties(stacks.cluster, "google", {"project": "my-gpu-project"})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, CLUSTER, {"workload_identity_config": {"workload_pool": "my-gpu-project.svc.id.goog"}}
    )
    assert stacks.cluster_json["output"]["kubeconfig_command"]["value"] == (
        "gcloud container clusters get-credentials test --region us-east1 --project my-gpu-project --dns-endpoint"
    )


def test_without_project_the_provider_default_project_is_used() -> None:
    stacks = gke()
    assert "project" not in stacks.cluster_json["provider"]["google"][0]
    assert CdktfTesting.to_have_data_source(stacks.cluster, "google_project")
    assert stacks.cluster_json["output"]["kubeconfig_command"]["value"] == (
        "gcloud container clusters get-credentials test --region us-east1 --dns-endpoint"
    )


def test_apps_stack_reaches_the_cluster_through_data_sources_only(with_operator: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_data_source_with_properties(
        with_operator.apps, "google_container_cluster", {"name": "test", "location": "us-east1"}
    )
    assert CdktfTesting.to_have_data_source(with_operator.apps, "google_client_config")
    kubernetes = with_operator.apps_json["provider"]["helm"][0]["kubernetes"]
    assert "exec" not in kubernetes
    assert kubernetes["host"].startswith("https://${data.google_container_cluster.")
    assert kubernetes["token"].startswith("${data.google_client_config.")


def test_apps_stack_has_no_cluster_resource(with_operator: SynthesizedEnvironment) -> None:
    assert not CdktfTesting.to_have_resource(with_operator.apps, CLUSTER)
    assert not CdktfTesting.to_have_resource(with_operator.apps, NODE_POOL)


def test_operator_values_install_driver_toolkit_and_device_plugin(with_operator: SynthesizedEnvironment) -> None:
    values = operator_values(with_operator)
    assert values["driver"] == {"enabled": True}
    assert values["toolkit"] == {"enabled": True}
    assert values["devicePlugin"] == {"enabled": True}


def test_operator_values_carry_the_critical_priority_quota(with_operator: SynthesizedEnvironment) -> None:
    assert operator_values(with_operator)["extraObjects"] == [
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "gpu-operator-quota"},
            "spec": {
                "hard": {"pods": "100"},
                "scopeSelector": {
                    "matchExpressions": [
                        {
                            "operator": "In",
                            "scopeName": "PriorityClass",
                            "values": ["system-node-critical", "system-cluster-critical"],
                        }
                    ]
                },
            },
        }
    ]


def test_without_operator_there_is_no_operator_release(without_operator: SynthesizedEnvironment) -> None:
    names = [release["name"] for release in resources_of(without_operator.apps_json, "helm_release")]
    assert names == ["vllm-stack"]


def vllm_runtime_class(stacks: SynthesizedEnvironment) -> Any:
    releases = [r for r in resources_of(stacks.apps_json, "helm_release") if r["name"] == "vllm-stack"]
    assert len(releases) == 1
    return yaml.safe_load(releases[0]["values"][0])["servingEngineSpec"]["runtimeClassName"]


def test_vllm_names_no_runtime_class_without_operator(without_operator: SynthesizedEnvironment) -> None:
    assert vllm_runtime_class(without_operator) == ""


def test_vllm_names_the_nvidia_runtime_class_with_operator(with_operator: SynthesizedEnvironment) -> None:
    assert vllm_runtime_class(with_operator) == "nvidia"


@pytest.mark.parametrize("path", GOOGLE_EXAMPLES, ids=lambda path: path.name)
def test_example_synthesises_both_stacks(path: Path) -> None:
    stacks = synth_file(path)
    assert CdktfTesting.to_have_resource(stacks.cluster, CLUSTER)
    assert CdktfTesting.to_have_resource(stacks.apps, "helm_release")


def test_seed_example_runs_vllm_on_gkes_own_driver() -> None:
    stacks = synth_file(GOOGLE_EXAMPLES[0])
    node_config = gpu_pool_of(stacks)["node_config"]
    assert node_config["guest_accelerator"][0]["gpu_driver_installation_config"]["gpu_driver_version"] == "LATEST"
    assert vllm_runtime_class(stacks) == ""


def test_loader_selects_google_from_the_match_labels() -> None:
    assert load_environment_file(GOOGLE_EXAMPLES[0]).environment.cloud == "google"


def test_loader_selects_google_from_the_composition_ref(tmp_path: Path) -> None:
    manifest = {
        "apiVersion": "devopstoolkit.ai/v2",
        "kind": "Cluster",
        "metadata": {"name": "by-ref"},
        "spec": {"crossplane": {"compositionRef": {"name": "cluster-google"}}, "parameters": {"nodeSize": "small"}},
    }
    path = tmp_path / "by-ref.yaml"
    path.write_text(yaml.safe_dump(manifest))
    assert load_environment_file(path).environment.cloud == "google"


def test_without_public_access_cidrs_the_endpoint_is_private() -> None:
    stacks = gke(endpointAccess={"publicAccessCidrs": []})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        CLUSTER,
        {
            "private_cluster_config": {"enable_private_endpoint": True},
            "master_authorized_networks_config": {"cidr_blocks": []},
        },
    )


def test_with_public_access_cidrs_the_endpoint_is_public() -> None:
    stacks = gke(endpointAccess={"publicAccessCidrs": ["203.0.113.0/24"]})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, CLUSTER, {"private_cluster_config": {"enable_private_endpoint": False}}
    )


def test_secure_boot_is_on_where_gke_installs_the_driver(without_operator: SynthesizedEnvironment) -> None:
    for pool in resources_of(without_operator.cluster_json, NODE_POOL):
        assert pool["node_config"]["shielded_instance_config"]["enable_secure_boot"] is True


def test_secure_boot_is_off_only_on_the_gpu_pool_whose_driver_the_operator_builds(
    with_operator: SynthesizedEnvironment,
) -> None:
    secure_boot = {
        pool_role(pool["name"]): pool["node_config"]["shielded_instance_config"]["enable_secure_boot"]
        for pool in resources_of(with_operator.cluster_json, NODE_POOL)
    }
    assert secure_boot == {"system": True, "gpu": False}


def test_every_node_pool_serves_workload_identity_through_the_gke_metadata_server(
    with_operator: SynthesizedEnvironment,
) -> None:
    for pool in resources_of(with_operator.cluster_json, NODE_POOL):
        assert pool["node_config"]["workload_metadata_config"] == {"mode": "GKE_METADATA"}


def only_resource(stacks: SynthesizedEnvironment, resource_type: str) -> tuple[str, dict[str, Any]]:
    (item,) = stacks.cluster_json["resource"][resource_type].items()
    name: str = item[0]
    resource: dict[str, Any] = item[1]
    return name, resource


def test_secrets_are_encrypted_with_the_created_kms_key() -> None:
    stacks = gke(region="europe-west4")
    key_id, key = only_resource(stacks, "google_kms_crypto_key")
    assert key["purpose"] == "ENCRYPT_DECRYPT"
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, "google_kms_key_ring", {"location": "europe-west4"}
    )
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        CLUSTER,
        {"database_encryption": {"state": "ENCRYPTED", "key_name": f"${{google_kms_crypto_key.{key_id}.id}}"}},
    )


def test_gke_service_agent_may_use_the_secrets_key_before_the_cluster_exists() -> None:
    stacks = gke()
    key_id, _ = only_resource(stacks, "google_kms_crypto_key")
    binding_id, _ = only_resource(stacks, "google_kms_crypto_key_iam_member")
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        "google_kms_crypto_key_iam_member",
        {
            "crypto_key_id": f"${{google_kms_crypto_key.{key_id}.id}}",
            "role": "roles/cloudkms.cryptoKeyEncrypterDecrypter",
            "member": "serviceAccount:service-${data.google_project.project.number}"
            "@container-engine-robot.iam.gserviceaccount.com",
        },
    )
    sleeps = stacks.cluster_json["resource"]["time_sleep"]
    (wait_id,) = [
        name for name, s in sleeps.items() if f"google_kms_crypto_key_iam_member.{binding_id}" in s["depends_on"]
    ]
    (cluster,) = resources_of(stacks.cluster_json, CLUSTER)
    assert f"time_sleep.{wait_id}" in cluster["depends_on"]


def test_given_project_is_the_one_whose_number_names_the_service_agent() -> None:
    stacks = gke(project="my-gpu-project")
    assert CdktfTesting.to_have_data_source_with_properties(
        stacks.cluster, "google_project", {"project_id": "my-gpu-project"}
    )


def test_control_plane_and_workload_logs_go_to_cloud_logging() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        gke().cluster,
        CLUSTER,
        {
            "logging_config": {
                "enable_components": ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "WORKLOADS"]
            }
        },
    )


def test_managed_prometheus_is_off() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        gke().cluster, CLUSTER, {"monitoring_config": {"managed_prometheus": {"enabled": False}}}
    )


def gpu_node_pool(stacks: SynthesizedEnvironment) -> dict[str, Any]:
    (pool,) = [
        p for p in resources_of(stacks.cluster_json, "google_container_node_pool") if pool_role(p["name"]) == "gpu"
    ]
    return pool


def test_t4_pool_in_us_east1_stays_in_the_zones_that_sell_t4s() -> None:
    pool = gpu_node_pool(synth(cloud="google", gpu={"enabled": True, "minNodeCount": 3}))
    assert pool["node_locations"] == ["us-east1-c", "us-east1-d"]
    assert pool["initial_node_count"] == 2  # per zone: 3 nodes over 2 zones, rounded up


def test_gpu_zones_from_the_file_replace_the_catalogue() -> None:
    pool = gpu_node_pool(synth(cloud="google", gpu={"enabled": True, "zones": ["us-east1-d"]}))
    assert pool["node_locations"] == ["us-east1-d"]


def test_gpu_pool_in_an_uncatalogued_region_warns_and_leaves_zones_to_gke() -> None:
    stacks = synth(cloud="google", region="europe-west4", gpu={"enabled": True})
    assert "node_locations" not in gpu_node_pool(stacks)
    warnings = [entry.data for entry in stacks.cluster_stack.node.metadata if entry.type == "@cdktf/warn"]
    assert any("set gpu.zones" in str(warning) for warning in warnings)


def test_gpu_pool_in_a_catalogued_region_has_no_zone_warning() -> None:
    stacks = synth(cloud="google", gpu={"enabled": True})
    warnings = [entry.data for entry in stacks.cluster_stack.node.metadata if entry.type == "@cdktf/warn"]
    assert not any("gpu.zones" in str(warning) for warning in warnings)


# Issue 14: reachable from anywhere through the DNS endpoint, APIs enabled by the stack, names unique per creation.


def sleep_after(stacks: SynthesizedEnvironment, dependency: str) -> tuple[str, dict[str, Any]]:
    """The one time_sleep that waits on `dependency` (a `type.name` reference)."""
    sleeps = stacks.cluster_json["resource"]["time_sleep"]
    (item,) = [(name, s) for name, s in sleeps.items() if dependency in s["depends_on"]]
    return item


def test_cluster_opens_the_iam_authorised_dns_endpoint_to_external_traffic(
    with_operator: SynthesizedEnvironment,
) -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        with_operator.cluster,
        CLUSTER,
        {"control_plane_endpoints_config": {"dns_endpoint_config": {"allow_external_traffic": True}}},
    )


def test_ip_endpoint_stays_private_while_the_dns_endpoint_is_open(with_operator: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        with_operator.cluster, CLUSTER, {"private_cluster_config": {"enable_private_endpoint": True}}
    )


def test_apps_stack_connects_to_the_dns_endpoint_without_the_cluster_ca(with_operator: SynthesizedEnvironment) -> None:
    kubernetes = with_operator.apps_json["provider"]["helm"][0]["kubernetes"]
    assert kubernetes["host"].endswith(".control_plane_endpoints_config[0].dns_endpoint_config[0].endpoint}")
    assert "cluster_ca_certificate" not in kubernetes


def test_cluster_endpoint_output_is_the_dns_endpoint(with_operator: SynthesizedEnvironment) -> None:
    endpoint = with_operator.cluster_json["output"]["cluster_endpoint"]["value"]
    assert endpoint.endswith(".control_plane_endpoints_config[0].dns_endpoint_config[0].endpoint}")


def test_private_gke_apps_stack_gets_no_reachability_warning(with_operator: SynthesizedEnvironment) -> None:
    warnings = [str(e.data) for e in with_operator.apps_stack.node.metadata if e.type == "@cdktf/warn"]
    assert not any("endpointAccess" in warning for warning in warnings)


def test_the_stack_enables_every_api_it_calls_and_never_disables_them(with_operator: SynthesizedEnvironment) -> None:
    services = resources_of(with_operator.cluster_json, "google_project_service")
    assert sorted(service["service"] for service in services) == [
        "cloudkms.googleapis.com",
        "cloudresourcemanager.googleapis.com",
        "compute.googleapis.com",
        "container.googleapis.com",
        "iam.googleapis.com",
    ]
    assert all(service["disable_on_destroy"] is False for service in services)


def test_every_google_resource_waits_for_the_apis(with_operator: SynthesizedEnvironment) -> None:
    services = with_operator.cluster_json["resource"]["google_project_service"]
    wait_id, wait = sleep_after(with_operator, f"google_project_service.{next(iter(services))}")
    assert sorted(wait["depends_on"]) == sorted(f"google_project_service.{name}" for name in services)
    for resource_type, resources in with_operator.cluster_json["resource"].items():
        if resource_type.startswith("google_") and resource_type != "google_project_service":
            for name, resource in resources.items():
                assert f"time_sleep.{wait_id}" in resource.get("depends_on", []), f"{resource_type}.{name}"


def test_the_cluster_waits_a_bounded_time_after_the_service_agent_grant(with_operator: SynthesizedEnvironment) -> None:
    (binding_id,) = with_operator.cluster_json["resource"]["google_kms_crypto_key_iam_member"]
    _, wait = sleep_after(with_operator, f"google_kms_crypto_key_iam_member.{binding_id}")
    assert wait["create_duration"] == "90s"


def test_key_ring_name_carries_a_random_suffix_kept_in_state(with_operator: SynthesizedEnvironment) -> None:
    (suffix_id, suffix), *others = with_operator.cluster_json["resource"]["random_id"].items()
    assert not others
    assert suffix == {"byte_length": 3}  # no keepers: it changes only with a new creation
    assert CdktfTesting.to_have_resource_with_properties(
        with_operator.cluster, "google_kms_key_ring", {"name": f"test-gke-${{random_id.{suffix_id}.hex}}"}
    )


def test_the_default_pool_never_runs_as_the_compute_engine_default_account(
    with_operator: SynthesizedEnvironment,
) -> None:
    (account_id,) = with_operator.cluster_json["resource"]["google_service_account"]
    (cluster,) = resources_of(with_operator.cluster_json, CLUSTER)
    assert cluster["node_config"]["service_account"] == f"${{google_service_account.{account_id}.email}}"
    assert cluster["remove_default_node_pool"] is True


def test_changes_to_the_removed_default_pools_config_never_replace_the_cluster(
    with_operator: SynthesizedEnvironment,
) -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        with_operator.cluster, CLUSTER, {"lifecycle": {"ignore_changes": ["node_config"]}}
    )


def test_without_project_the_cluster_stack_warns_about_google_project(with_operator: SynthesizedEnvironment) -> None:
    warnings = [str(e.data) for e in with_operator.cluster_stack.node.metadata if e.type == "@cdktf/warn"]
    assert any("GOOGLE_PROJECT" in warning for warning in warnings)


def test_with_project_there_is_no_google_project_warning() -> None:
    stacks = gke(project="my-gpu-project")
    warnings = [str(e.data) for e in stacks.cluster_stack.node.metadata if e.type == "@cdktf/warn"]
    assert not any("GOOGLE_PROJECT" in warning for warning in warnings)
