"""Invariants over every synthesised stack of every shipped environment, whatever the cloud."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from apps import APPS, enabled_apps
from apps.monitoring import PROMETHEUS_URL
from tests.support.monitoring_checks import query_problems
from tests.support.monitoring_checks import service as kubernetes_service
from tests.support.synthesized_stacks import SynthesizedStack
from tests.support.terraform_tools import shipped_environment_files
from tools.fetch_charts import chart_pins
from validation.loader import load_environment_file

# GPU machines by family, independent of our labels, so an unlabelled GPU pool cannot slip through.
AWS_GPU_INSTANCE = re.compile(r"^(g|p)\d")
AZURE_GPU_VM = re.compile(r"^Standard_N")
RANGE_VERSION = re.compile(r"[\^~*<>=x]|\s|^$")
SECRET_PATTERNS = {
    "AWS access key": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "Terraform Cloud token": re.compile(r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9]{60,}"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    "Hugging Face token": re.compile(r"\bhf_[A-Za-z0-9]{30,}"),
}
DATA_REFERENCE = re.compile(r"\$\{.*\bdata\.[a-z_]+\.")
# What an apps stack may create: releases, Kubernetes objects, Argo CD's generated password and its timestamp.
# In-cluster objects only: no cloud resource is made by an apps stack.
APPS_STACK_RESOURCES = {
    "helm_release",
    "kubernetes_namespace_v1",
    "kubernetes_storage_class_v1",
    "kubernetes_annotations",
    "kubernetes_network_policy_v1",
    "kubernetes_manifest",  # the inference gateway's CRD bundles, applied server-side
    # the model cache: its claim (and on GKE its bucket's volume), its service accounts and download Jobs
    "kubernetes_persistent_volume_claim_v1",
    "kubernetes_persistent_volume_v1",
    "kubernetes_service_account_v1",
    "kubernetes_job_v1",
    "random_password",
    "time_static",
}
CREDENTIAL_KEYS = {"access_key", "secret_key", "token", "client_secret", "password", "credentials", "sas_token"}
# Resources that mint a long-lived key or password for a cloud identity.
STATIC_KEY_RESOURCES = {
    "aws_iam_access_key",
    "aws_iam_user_login_profile",
    "google_service_account_key",
    "google_apikeys_key",
    "azuread_application_password",
    "azuread_service_principal_password",
    "azuread_application_certificate",
}
# ESO store fields that point at a Secret holding static cloud keys (every provider's secretRef variants).
SECRET_REF_KEYS = {"secretRef", "authSecretRef", "accessKeyIDSecretRef", "secretAccessKeySecretRef", "clientSecret"}
# How each cloud's store must authenticate: with a service account token, never a key.
WORKLOAD_IDENTITY_AUTH: dict[str, Callable[[dict[str, Any]], bool]] = {
    "aws": lambda p: set(p["auth"]) == {"jwt"} and "serviceAccountRef" in p["auth"]["jwt"],
    "gcpsm": lambda p: set(p["auth"]) == {"workloadIdentity"},
    "azurekv": lambda p: p["authType"] == "WorkloadIdentity" and "serviceAccountRef" in p,
}


def gpu_pools(stack: SynthesizedStack) -> list[tuple[dict[str, str], list[str]]]:
    """(labels, taints as key=value:effect) of every GPU node pool in a cluster stack."""
    pools = []
    for group in stack.resources("aws_eks_node_group"):
        if any(AWS_GPU_INSTANCE.match(t) for t in group.get("instance_types", [])):
            taints = [f"{t['key']}={t['value']}:{t['effect']}" for t in group.get("taint", [])]
            pools.append((group.get("labels", {}), taints))
    for pool in stack.resources("google_container_node_pool"):
        node_config = pool.get("node_config", {})
        if node_config.get("guest_accelerator"):
            taints = [f"{t['key']}={t['value']}:{t['effect']}" for t in node_config.get("taint", [])]
            pools.append((node_config.get("labels", {}), taints))
    for pool in stack.resources("azurerm_kubernetes_cluster_node_pool"):
        if AZURE_GPU_VM.match(pool.get("vm_size", "")):
            pools.append((pool.get("node_labels", {}), pool.get("node_taints", [])))
    return pools


def backend_identity(stack: SynthesizedStack) -> tuple[str, ...]:
    (kind, settings), *_ = (
        stack.json["terraform"]["backend"].items()
        if "backend" in stack.json["terraform"]
        else [("cloud", stack.json["terraform"]["cloud"])]
    )
    if kind == "cloud":
        workspaces = settings["workspaces"]
        return (kind, settings["hostname"], settings["organization"], str(workspaces.get("name") or workspaces["tags"]))
    location = settings.get("path") or settings.get("key") or settings.get("prefix")
    return (kind, settings.get("bucket", settings.get("storage_account_name", "")), str(location))


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


def helm_values(stack: SynthesizedStack) -> list[Any]:
    return [yaml.safe_load(document) for release in stack.resources("helm_release") for document in release["values"]]


def keys_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(key for item in value.values() for key in keys_in(item))]
    if isinstance(value, list):
        return [key for item in value for key in keys_in(item)]
    return []


def objects_in(stack: SynthesizedStack) -> list[dict[str, Any]]:
    """Kubernetes objects that ride in Helm values (custom-objects releases, charts' extra objects)."""
    return [
        item
        for values in helm_values(stack)
        for key in ("objects", "extraObjects")
        for item in (values or {}).get(key) or []
    ]


def test_every_shipped_environment_yields_a_cluster_and_an_apps_stack(all_stacks: list[SynthesizedStack]) -> None:
    clusters = {s.name.removesuffix("-cluster") for s in all_stacks if s.is_cluster_stack}
    apps = {s.name.removesuffix("-apps") for s in all_stacks if s.name.endswith("-apps")}
    assert clusters == apps
    assert len(clusters) >= 4


def test_every_gpu_pool_is_tainted_and_labelled(all_stacks: list[SynthesizedStack]) -> None:
    pools = [(stack.name, pool) for stack in all_stacks for pool in gpu_pools(stack)]
    assert pools, "the shipped environments include GPU pools"
    for name, (labels, taints) in pools:
        assert labels.get("gpu") == "true", name
        assert any(
            t.startswith("nvidia.com/gpu=") and t.lower().replace("_", "").endswith("noschedule") for t in taints
        ), name


def test_every_helm_release_pins_an_exact_version_and_is_atomic(all_stacks: list[SynthesizedStack]) -> None:
    releases = [(s.name, r) for s in all_stacks for r in s.resources("helm_release")]
    assert releases
    for name, release in releases:
        assert not RANGE_VERSION.search(str(release.get("version", ""))), f"{name}: {release['name']}"
        assert release.get("atomic") is True, f"{name}: {release['name']}"
        assert release.get("cleanup_on_fail") is True, f"{name}: {release['name']}"


def test_no_stack_contains_a_secret_literal(all_stacks: list[SynthesizedStack]) -> None:
    for stack in all_stacks:
        for label, pattern in SECRET_PATTERNS.items():
            assert not pattern.search(stack.text), f"{stack.name} contains a {label}"


def test_no_backend_or_provider_block_carries_credentials(all_stacks: list[SynthesizedStack]) -> None:
    for stack in all_stacks:
        blocks = [*stack.json["terraform"].get("backend", {}).values(), stack.json["terraform"].get("cloud", {})]
        blocks += [config for configs in stack.json.get("provider", {}).values() for config in configs]
        for block in blocks:
            literal = {key for key, value in block.items() if key in CREDENTIAL_KEYS and "${" not in str(value)}
            assert not literal, f"{stack.name}: {sorted(literal)}"


def test_every_stack_has_its_own_state(all_stacks: list[SynthesizedStack]) -> None:
    identities = [backend_identity(stack) for stack in all_stacks]
    assert len(set(identities)) == len(identities)


def test_cluster_stacks_contain_no_helm_or_kubernetes_provider(all_stacks: list[SynthesizedStack]) -> None:
    for stack in (s for s in all_stacks if s.is_cluster_stack):
        assert not {"helm", "kubernetes"} & set(stack.json.get("provider", {})), stack.name
        assert not [t for t in stack.json.get("resource", {}) if t.startswith(("helm_", "kubernetes_"))], stack.name


def test_apps_stacks_reach_their_cluster_only_through_data_sources(all_stacks: list[SynthesizedStack]) -> None:
    for stack in (s for s in all_stacks if s.name.endswith("-apps")):
        assert set(stack.json.get("resource", {})) <= APPS_STACK_RESOURCES, stack.name
        helm = stack.json["provider"]["helm"][0]["kubernetes"]
        (kubernetes,) = stack.json["provider"]["kubernetes"]
        for connection in (helm, kubernetes):
            assert "exec" not in connection, stack.name
            assert all(DATA_REFERENCE.search(text) for text in strings_in(connection)), stack.name
        # the same cluster, the same way, for both in-cluster providers
        assert {key: value for key, value in kubernetes.items() if key != "alias"} == helm, stack.name


def test_apps_stack_outputs_carrying_a_password_are_sensitive(all_stacks: list[SynthesizedStack]) -> None:
    carrying = [
        (stack.name, name, output)
        for stack in all_stacks
        if stack.name.endswith("-apps")
        for name, output in stack.json.get("output", {}).items()
        if "random_password" in str(output["value"])
    ]
    assert carrying, "the all-apps examples output Argo CD's generated password"
    for stack_name, name, output in carrying:
        assert output.get("sensitive") is True, f"{stack_name}: {name}"


# Issue 14: what a real account needs on the first deploy, over every shipped stack.
DURATION = re.compile(r"^\d+s$")
MAX_WAIT_SECONDS = 300


def test_every_wait_is_bounded_and_short(all_stacks: list[SynthesizedStack]) -> None:
    waits = [(s.name, w) for s in all_stacks for w in s.resources("time_sleep")]
    assert waits, "the shipped GKE and AKS stacks wait for IAM and API propagation"
    for name, wait in waits:
        assert DURATION.match(wait["create_duration"]), name
        assert int(wait["create_duration"].removesuffix("s")) <= MAX_WAIT_SECONDS, name


def test_every_undeletable_or_soft_deleted_name_is_unique_per_creation(all_stacks: list[SynthesizedStack]) -> None:
    named = [(s.name, r["name"]) for s in all_stacks for r in s.resources("google_kms_key_ring")]
    named += [(s.name, r["name"]) for s in all_stacks for r in s.resources("azurerm_key_vault")]
    assert named
    for name, resource_name in named:
        assert "${random_id." in resource_name, name


def test_no_google_api_is_disabled_on_destroy(all_stacks: list[SynthesizedStack]) -> None:
    for stack in all_stacks:
        for service in stack.resources("google_project_service"):
            assert service["disable_on_destroy"] is False, stack.name


def test_every_gke_apps_stack_connects_through_the_dns_endpoint(all_stacks: list[SynthesizedStack]) -> None:
    gke_apps = [
        s for s in all_stacks if s.name.endswith("-apps") and "google_container_cluster" in s.json.get("data", {})
    ]
    assert gke_apps
    for stack in gke_apps:
        host = stack.json["provider"]["helm"][0]["kubernetes"]["host"]
        assert host.endswith(".dns_endpoint_config[0].endpoint}"), stack.name


def test_every_gke_cluster_allows_external_traffic_on_its_dns_endpoint(all_stacks: list[SynthesizedStack]) -> None:
    clusters = [(s.name, c) for s in all_stacks for c in s.resources("google_container_cluster")]
    assert clusters
    for name, cluster in clusters:
        assert cluster["control_plane_endpoints_config"]["dns_endpoint_config"]["allow_external_traffic"], name
        assert cluster["node_config"]["service_account"].startswith("${google_service_account."), name


def test_every_device_plugin_release_deletes_the_nfd_affinity(all_stacks: list[SynthesizedStack]) -> None:
    releases = [
        (s.name, r) for s in all_stacks for r in s.resources("helm_release") if r["chart"] == "nvidia-device-plugin"
    ]
    assert releases, "aks-large runs the standalone device plugin"
    for name, release in releases:
        values = yaml.safe_load(release["values"][0])
        assert "affinity" in values, name
        assert values["affinity"] is None, name
        assert values["nodeSelector"] == {"gpu": "true"}, name


def test_external_secrets_objects_use_only_the_served_v1_api(all_stacks: list[SynthesizedStack]) -> None:
    eso_objects = [o for s in all_stacks for o in objects_in(s) if o["apiVersion"].startswith("external-secrets.io/")]
    assert {o["kind"] for o in eso_objects} >= {"ClusterSecretStore", "ExternalSecret"}, "examples include a store"
    assert {o["apiVersion"] for o in eso_objects} == {"external-secrets.io/v1"}
    assert not [s.name for s in all_stacks if "external-secrets.io/v1beta1" in s.text]


def test_every_secret_store_authenticates_with_workload_identity(all_stacks: list[SynthesizedStack]) -> None:
    stores = [o for s in all_stacks for o in objects_in(s) if o["kind"] in ("ClusterSecretStore", "SecretStore")]
    clouds = {provider for store in stores for provider in store["spec"]["provider"]}
    assert clouds == set(WORKLOAD_IDENTITY_AUTH), "the examples hold a store for every cloud"
    for store in stores:
        ((provider, settings),) = store["spec"]["provider"].items()
        assert WORKLOAD_IDENTITY_AUTH[provider](settings), store


def test_no_stack_creates_a_static_key_or_refers_to_one(all_stacks: list[SynthesizedStack]) -> None:
    for stack in all_stacks:
        assert not STATIC_KEY_RESOURCES & set(stack.json.get("resource", {})), stack.name
        assert not SECRET_REF_KEYS & {key for values in helm_values(stack) for key in keys_in(values)}, stack.name


def test_every_autoscaled_model_queries_this_stacks_prometheus_on_metrics_the_engines_expose(
    all_stacks: list[SynthesizedStack],
) -> None:
    autoscaled = 0
    for stack in all_stacks:
        releases = {release["name"]: release for release in stack.resources("helm_release")}
        vllm = releases.get("vllm-stack")
        if vllm is None:
            continue
        models = yaml.safe_load(vllm["values"][0])["servingEngineSpec"]["modelSpec"]
        # the Services the chart names: one per model, and the router's
        names = [f"vllm-stack-{m['name']}-engine-service" for m in models] + ["vllm-stack-router-service"]
        services = [kubernetes_service(vllm["namespace"], name, {}, {}) for name in names]
        for model in models:
            if "keda" not in model:
                continue
            autoscaled += 1
            assert "kube-prometheus-stack" in releases, stack.name
            assert "keda" in releases, stack.name
            for trigger in model["keda"]["triggers"]:
                assert trigger["metadata"]["serverAddress"] == PROMETHEUS_URL, stack.name
                query = trigger["metadata"]["query"]
                assert query_problems(query, namespace=vllm["namespace"], services=services) == [], stack.name
    assert autoscaled >= 3  # the monitoring example of each cloud


def eks_stacks(all_stacks: list[SynthesizedStack]) -> list[SynthesizedStack]:
    return [s for s in all_stacks if s.is_cluster_stack and s.resources("aws_eks_cluster")]


def test_every_eks_apps_stack_installs_the_autoscaler_before_every_other_release(
    all_stacks: list[SynthesizedStack],
) -> None:
    by_name = {stack.name: stack for stack in all_stacks}
    clusters = eks_stacks(all_stacks)
    assert clusters, "the shipped environments include EKS clusters"
    for cluster in clusters:
        apps = by_name[cluster.name.removesuffix("-cluster") + "-apps"]
        releases = apps.json["resource"]["helm_release"]
        (first,) = [key for key, release in releases.items() if release["name"] == "cluster-autoscaler"]
        assert "depends_on" not in releases[first], apps.name
        for key, release in releases.items():
            if key != first:
                assert first in releases_before(key, releases), (apps.name, release["name"])


def releases_before(key: str, releases: dict[str, Any]) -> set[str]:
    """Every helm_release `key` waits for, directly or through another release."""
    seen: set[str] = set()
    pending = [key]
    while pending:
        for dependency in releases[pending.pop()].get("depends_on", []):
            kind, _, name = dependency.partition(".")
            if kind == "helm_release" and name not in seen:
                seen.add(name)
                pending.append(name)
    return seen


def test_the_autoscalers_resize_calls_are_limited_to_its_own_clusters_groups(
    all_stacks: list[SynthesizedStack],
) -> None:
    write_actions = {"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}
    for cluster in eks_stacks(all_stacks):
        name = cluster.resources("aws_eks_cluster")[0]["name"]
        documents = cluster.json["data"]["aws_iam_policy_document"].values()
        statements = [s for d in documents for s in d["statement"] if write_actions & set(s["actions"])]
        assert statements, cluster.name
        for statement in statements:
            assert statement["condition"] == [
                {
                    "test": "StringEquals",
                    "variable": f"aws:ResourceTag/k8s.io/cluster-autoscaler/{name}",
                    "values": ["owned"],
                }
            ], cluster.name
        owned = {
            tag["autoscaling_group_name"]
            for tag in cluster.resources("aws_autoscaling_group_tag")
            if tag["tag"]
            == {"key": f"k8s.io/cluster-autoscaler/{name}", "value": "owned", "propagate_at_launch": False}
        }
        # every node group's ASG carries the tag the condition matches, or the autoscaler could resize none of them
        assert len(owned) == len(cluster.resources("aws_eks_node_group")), cluster.name


def test_every_eks_gpu_node_group_carries_the_autoscalers_accelerator_label(
    all_stacks: list[SynthesizedStack],
) -> None:
    groups = [
        (cluster.name, group)
        for cluster in eks_stacks(all_stacks)
        for group in cluster.resources("aws_eks_node_group")
        if any(AWS_GPU_INSTANCE.match(t) for t in group["instance_types"])
    ]
    assert groups
    for name, group in groups:
        assert group["labels"].get("k8s.amazonaws.com/accelerator", "").startswith("nvidia-"), name


def test_every_chart_pin_is_declared_by_exactly_one_app() -> None:
    declared = sorted(pin.release for app in APPS for pin in app.pins)
    assert declared == sorted(pin.release for pin in chart_pins())


def test_the_enabled_declarations_name_exactly_the_pinned_releases_each_apps_stack_installs(
    all_stacks: list[SynthesizedStack],
) -> None:
    # The capacity plan counts the enabled apps' footprints: an install that differs from its declaration would
    # leave pods out of the plan.
    by_name = {stack.name: stack for stack in all_stacks}
    for path in shipped_environment_files():
        environment = load_environment_file(path).environment
        releases = by_name[environment.apps_stack_name].resources("helm_release")
        installed = sorted(release["name"] for release in releases if release.get("repository"))
        declared = [release for app in enabled_apps(environment) for release in app.releases(environment)]
        assert sorted(declared) == installed, path.name
