"""Hardened workloads: who may read Secrets, and who may reach and change what the apps stack installs.

- the ClusterSecretStore serves only the namespaces its ExternalSecrets write into, and the External Secrets chart
  gives namespace editors and admins no right to write ExternalSecrets;
- Grafana's sidecars, kube-state-metrics and the KEDA operator are bound to no cluster-wide rule on Secrets;
- Traefik's load balancer is internal on every cloud unless `exposure: public`, and honours `sourceRanges`;
- Argo CD is routed over TLS only, and its Application may deploy namespaced objects into its destination only.

RBAC and Services are checked on what Helm renders from the pinned charts (tests/support/rendering.py), each next to
the chart's defaults, which the same check must refuse.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf_cdktf_provider_helm.release import Release
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1
from pydantic import ValidationError

from catalogue.node_sizes import Cloud
from tests.conftest import SynthesizedEnvironment, environment, resources_of, synth
from tests.support.rendering import ReleaseInput, Renderer, parse_manifest, release_inputs
from tests.support.synthesized_stacks import SynthesizedStack

pytestmark = pytest.mark.slow(seconds=40)  # Helm renders kube-prometheus-stack, keda, external-secrets, traefik

Object = dict[str, Any]
REACHABLE = {"publicAccessCidrs": ["198.51.100.7/32"]}
SECRETS = [
    {"fromSecret": "hf-token", "toSecret": "hf-token", "toNamespace": "vllm"},
    {"fromSecret": "registry", "toSecret": "pull-secret", "toNamespace": "vllm"},
    {"fromSecret": "hf-token", "toSecret": "hf-token", "toNamespace": "gpu-operator"},
]
INTERNAL = {
    Cloud.AWS: ("service.beta.kubernetes.io/aws-load-balancer-internal", "true"),
    Cloud.GOOGLE: ("networking.gke.io/load-balancer-type", "Internal"),
    Cloud.AZURE: ("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
}
CLOUD_FIELDS: dict[Cloud, dict[str, Any]] = {
    Cloud.AWS: {},
    Cloud.GOOGLE: {"project": "example-project"},
    Cloud.AZURE: {},
}
clouds = pytest.mark.parametrize("cloud", list(Cloud), ids=[cloud.value for cloud in Cloud])


# --- synthesised environments, each once ----------------------------------------------------------------------


@functools.cache
def with_store(*, secrets: bool = True) -> SynthesizedEnvironment:
    external_secrets = {"enabled": True, "store": True, "secrets": SECRETS if secrets else []}
    apps = {"nvidia": {"enabled": True}, "vllm": {"enabled": True}, "externalSecrets": external_secrets}
    return synth(apps=apps, endpointAccess=REACHABLE)


@functools.cache
def monitored_and_autoscaled() -> SynthesizedEnvironment:
    model = {"name": "m", "model": "org/model", "autoscaling": {"minReplicas": 1, "maxReplicas": 2}}
    apps = {
        "monitoring": {"enabled": True},
        "nvidia": {"enabled": True},
        "vllm": {"enabled": True, "models": [model]},
    }
    return synth(gpu={"enabled": True}, apps=apps, endpointAccess=REACHABLE)


@functools.cache
def with_traefik(
    cloud: Cloud, exposure: str = "internal", source_ranges: tuple[str, ...] = ()
) -> SynthesizedEnvironment:
    traefik = {"enabled": True, "exposure": exposure, "sourceRanges": list(source_ranges)}
    return synth(cloud=cloud.value, **CLOUD_FIELDS[cloud], apps={"traefik": traefik})


@functools.cache
def with_argocd(
    *, traefik: bool = True, destination: str = "production", secret_into_destination: bool = False
) -> SynthesizedEnvironment:
    argocd = {
        "enabled": True,
        "host": "argocd.example.com",
        "repoURL": "https://github.com/example/platform-apps",
        "destinationNamespace": destination,
    }
    apps: dict[str, Any] = {"argocd": argocd, "traefik": {"enabled": traefik}}
    if secret_into_destination:
        secret = {"fromSecret": "a", "toSecret": "a", "toNamespace": destination}
        apps["externalSecrets"] = {"enabled": True, "store": True, "secrets": [secret]}
    return synth(apps=apps)


def releases(stacks: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    return {release["name"]: release for release in resources_of(stacks.apps_json, Release.TF_RESOURCE_TYPE)}


def values(stacks: SynthesizedEnvironment, release: str) -> dict[str, Any]:
    (document,) = releases(stacks)[release]["values"]
    parsed: dict[str, Any] = yaml.safe_load(document)
    return parsed


def custom_objects(stacks: SynthesizedEnvironment, release: str, kind: str) -> list[Object]:
    return [item for item in values(stacks, release)["objects"] if item["kind"] == kind]


# --- what Helm renders --------------------------------------------------------------------------------------------


def release_input(stacks: SynthesizedEnvironment, release: str) -> ReleaseInput:
    """One release of the apps stack as the provider hands it to Helm (only releases of pinned charts)."""
    kept = {key: r for key, r in stacks.apps_json["resource"][Release.TF_RESOURCE_TYPE].items() if r["name"] == release}
    apps = SynthesizedStack("test-apps", Path("unused"), json.dumps({"resource": {Release.TF_RESOURCE_TYPE: kept}}))
    cluster = SynthesizedStack("test-cluster", Path("unused"), stacks.cluster)
    (found,) = release_inputs(apps, cluster)
    return found


def without(release: ReleaseInput, *paths: str) -> ReleaseInput:
    """The release with some of our values removed (dotted paths): what the chart's defaults render instead."""
    (document,) = release.values
    parsed = yaml.safe_load(document)
    for path in paths:
        *parents, last = path.split(".")
        parent = parsed
        for key in parents:
            parent = parent[key]
        del parent[last]
    return release.with_values([yaml.safe_dump(parsed)], release.set_strings)


def rendered(renderer: Renderer, release: ReleaseInput) -> list[Object]:
    return parse_manifest(renderer.render(release))


def named(objects: list[Object], kind: str, name: str) -> Object:
    (found,) = [item for item in objects if item["kind"] == kind and item["metadata"]["name"] == name]
    return found


def service_account_of(objects: list[Object], deployment: str) -> str:
    account: str = named(objects, "Deployment", deployment)["spec"]["template"]["spec"]["serviceAccountName"]
    return account


def touches_secrets(rule: Object) -> bool:
    groups, resources = rule.get("apiGroups") or [], rule.get("resources") or []
    return bool(rule.get("verbs")) and bool({"", "*"} & set(groups)) and bool({"secrets", "*"} & set(resources))


def cluster_wide_secret_rules(objects: list[Object], service_account: str) -> list[str]:
    """Each rule on Secrets (or on everything) of a ClusterRole bound cluster-wide to the service account; a binding
    to a ClusterRole the release does not render counts too, as nothing shows what it grants."""
    roles = {item["metadata"]["name"]: item for item in objects if item["kind"] == "ClusterRole"}
    found = []
    for binding in (item for item in objects if item["kind"] == "ClusterRoleBinding"):
        subjects = binding.get("subjects") or []
        if not any(s.get("kind") == "ServiceAccount" and s.get("name") == service_account for s in subjects):
            continue
        role = roles.get(binding["roleRef"]["name"])
        if role is None:
            found.append(f"{binding['roleRef']['name']}: not rendered by this release")
            continue
        found += [f"{role['metadata']['name']}: {rule}" for rule in role.get("rules") or [] if touches_secrets(rule)]
    return found


AGGREGATING = ("rbac.authorization.k8s.io/aggregate-to-edit", "rbac.authorization.k8s.io/aggregate-to-admin")


def aggregated_into_edit_or_admin(objects: list[Object]) -> list[str]:
    return [
        item["metadata"]["name"]
        for item in objects
        if item["kind"] == "ClusterRole"
        and any(item["metadata"].get("labels", {}).get(label) == "true" for label in AGGREGATING)
    ]


# --- 4. Secrets scoped ----------------------------------------------------------------------------------------------


def test_the_store_serves_exactly_the_namespaces_its_external_secrets_write_into() -> None:
    (store,) = custom_objects(with_store(), "external-secrets-store", "ClusterSecretStore")
    assert store["spec"]["conditions"] == [{"namespaces": ["vllm", "gpu-operator"]}]  # each once, in file order
    targets = {
        s["metadata"]["namespace"] for s in custom_objects(with_store(), "external-secrets-store", "ExternalSecret")
    }
    assert set(store["spec"]["conditions"][0]["namespaces"]) == targets


def test_a_store_without_secrets_serves_no_namespace() -> None:
    # ESO serves every namespace when `conditions` is empty; one condition naming none serves none
    (store,) = custom_objects(with_store(secrets=False), "external-secrets-store", "ClusterSecretStore")
    assert store["spec"]["conditions"] == [{"namespaces": []}]
    assert custom_objects(with_store(secrets=False), "external-secrets-store", "ExternalSecret") == []


def test_no_external_secrets_role_joins_the_edit_or_admin_roles(renderer: Renderer) -> None:
    objects = rendered(renderer, release_input(with_store(), "external-secrets"))
    assert aggregated_into_edit_or_admin(objects) == []
    edit = named(objects, "ClusterRole", "external-secrets-edit")  # still rendered, joined to nothing
    assert {"create", "update"} <= {verb for rule in edit["rules"] for verb in rule["verbs"]}
    view = named(objects, "ClusterRole", "external-secrets-view")
    assert view["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-view"] == "true"
    assert {verb for rule in view["rules"] for verb in rule["verbs"]} == {"get", "watch", "list"}


def test_the_charts_default_would_let_namespace_editors_write_external_secrets(renderer: Renderer) -> None:
    objects = rendered(renderer, without(release_input(with_store(), "external-secrets"), "rbac"))
    assert sorted(aggregated_into_edit_or_admin(objects)) == ["external-secrets-edit", "external-secrets-view"]


MONITORING_HARDENING = (
    "grafana.sidecar",
    "grafana.rbac",
    "grafana.extraObjects",
    "kube-state-metrics.collectorsExclude",
)


@pytest.mark.parametrize("deployment", ["kube-prometheus-stack-grafana", "kube-prometheus-stack-kube-state-metrics"])
def test_grafana_and_kube_state_metrics_have_no_cluster_wide_rule_on_secrets(
    renderer: Renderer, deployment: str
) -> None:
    objects = rendered(renderer, release_input(monitored_and_autoscaled(), "kube-prometheus-stack"))
    assert cluster_wide_secret_rules(objects, service_account_of(objects, deployment)) == []


@pytest.mark.parametrize("deployment", ["kube-prometheus-stack-grafana", "kube-prometheus-stack-kube-state-metrics"])
def test_with_the_charts_defaults_grafana_and_kube_state_metrics_read_every_secret(
    renderer: Renderer, deployment: str
) -> None:
    release = without(release_input(monitored_and_autoscaled(), "kube-prometheus-stack"), *MONITORING_HARDENING)
    objects = rendered(renderer, release)
    assert cluster_wide_secret_rules(objects, service_account_of(objects, deployment)) != []


def test_grafanas_sidecars_list_configmaps_only_which_their_role_allows(renderer: Renderer) -> None:
    objects = rendered(renderer, release_input(monitored_and_autoscaled(), "kube-prometheus-stack"))
    pod = named(objects, "Deployment", "kube-prometheus-stack-grafana")["spec"]["template"]["spec"]
    sidecars = [c for c in pod["containers"] if c["name"].startswith("grafana-sc-")]
    assert {c["name"] for c in sidecars} == {"grafana-sc-dashboard", "grafana-sc-datasources"}
    for sidecar in sidecars:
        assert {e["name"]: e.get("value") for e in sidecar["env"]}["RESOURCE"] == "configmap", sidecar["name"]
    binding = named(objects, "ClusterRoleBinding", "kube-prometheus-stack-grafana-clusterrolebinding")
    role = named(objects, "ClusterRole", binding["roleRef"]["name"])
    assert role["rules"] == [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "watch", "list"]}]


def test_kube_state_metrics_collects_no_secrets(renderer: Renderer) -> None:
    objects = rendered(renderer, release_input(monitored_and_autoscaled(), "kube-prometheus-stack"))
    pod = named(objects, "Deployment", "kube-prometheus-stack-kube-state-metrics")["spec"]["template"]["spec"]
    (resources,) = [a for a in pod["containers"][0]["args"] if a.startswith("--resources=")]
    collectors = resources.removeprefix("--resources=").split(",")
    assert "secrets" not in collectors
    assert {"configmaps", "deployments", "pods"} <= set(collectors)  # the others stay


def test_the_keda_operator_has_no_cluster_wide_rule_on_secrets_and_reads_them_in_its_namespace_only(
    renderer: Renderer,
) -> None:
    objects = rendered(renderer, release_input(monitored_and_autoscaled(), "keda"))
    operator = service_account_of(objects, "keda-operator")
    assert cluster_wide_secret_rules(objects, operator) == []
    env = named(objects, "Deployment", "keda-operator")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {e["name"]: e.get("value") for e in env}["KEDA_RESTRICT_SECRET_ACCESS"] == "true"
    (role,) = [item for item in objects if item["kind"] == "Role" and any(map(touches_secrets, item["rules"]))]
    assert role["metadata"]["namespace"] == "keda"


def test_with_the_charts_defaults_the_keda_operator_reads_every_secret(renderer: Renderer) -> None:
    objects = rendered(renderer, without(release_input(monitored_and_autoscaled(), "keda"), "permissions", "rbac"))
    found = cluster_wide_secret_rules(objects, service_account_of(objects, "keda-operator"))
    assert any("'secrets'" in rule for rule in found)  # list/watch on Secrets
    assert any("'resources': ['*']" in rule for rule in found)  # get on every kind: Secrets too


def test_our_scaled_objects_name_no_trigger_authentication() -> None:
    # what lets KEDA do without other namespaces' Secrets (apps/keda/install.py)
    (model,) = values(monitored_and_autoscaled(), "vllm-stack")["servingEngineSpec"]["modelSpec"]
    assert model["keda"]["triggers"]
    assert all("authenticationRef" not in trigger for trigger in model["keda"]["triggers"])


# --- 5. Exposure: Traefik -----------------------------------------------------------------------------------------


def traefik_service(renderer: Renderer, stacks: SynthesizedEnvironment) -> Object:
    return named(rendered(renderer, release_input(stacks, "traefik")), "Service", "traefik")


@clouds
def test_traefiks_load_balancer_is_internal_by_default(renderer: Renderer, cloud: Cloud) -> None:
    service = traefik_service(renderer, with_traefik(cloud))
    key, value = INTERNAL[cloud]
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["metadata"]["annotations"][key] == value
    assert "loadBalancerSourceRanges" not in service["spec"]


@clouds
def test_a_public_load_balancer_is_open_to_its_source_ranges_only(renderer: Renderer, cloud: Cloud) -> None:
    ranges = ("198.51.100.0/24", "2001:db8::/32")
    service = traefik_service(renderer, with_traefik(cloud, "public", ranges))
    key, _ = INTERNAL[cloud]
    assert key not in (service["metadata"].get("annotations") or {})
    assert service["spec"]["loadBalancerSourceRanges"] == list(ranges)
    if cloud is Cloud.AWS:  # still the NLB of the built-in cloud provider
        assert service["metadata"]["annotations"] == {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}


def test_an_internal_load_balancer_honours_source_ranges_too(renderer: Renderer) -> None:
    service = traefik_service(renderer, with_traefik(Cloud.AZURE, "internal", ("10.0.0.0/8",)))
    assert service["metadata"]["annotations"] == {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}
    assert service["spec"]["loadBalancerSourceRanges"] == ["10.0.0.0/8"]


@pytest.mark.parametrize(
    ("traefik", "message"),
    [
        ({"exposure": "public"}, "exposure: public needs the CIDR blocks"),
        ({"exposure": "public", "sourceRanges": []}, "exposure: public needs the CIDR blocks"),
        ({"sourceRanges": ["10.0.0.1/8"]}, "'10.0.0.1/8' is not a CIDR block"),
        ({"sourceRanges": ["10.0.0.0/8", "10.0.0.0/8"]}, "listed twice"),
        ({"exposure": "everyone"}, "'internal' or 'public'"),
    ],
)
def test_the_exposure_fields_refuse_a_public_load_balancer_open_to_nobody_named(
    traefik: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        environment(apps={"traefik": {"enabled": True, **traefik}})
    (error,) = raised.value.errors()
    assert error["loc"][:2] == ("apps", "traefik")
    assert message in error["msg"]


def test_the_exposure_fields_accept_public_with_ranges_and_internal_without() -> None:
    public = environment(apps={"traefik": {"exposure": "public", "sourceRanges": ["0.0.0.0/0"]}}).apps.traefik
    assert (public.exposure, public.source_ranges) == ("public", ["0.0.0.0/0"])
    assert (environment().apps.traefik.exposure, environment().apps.traefik.source_ranges) == ("internal", [])


# --- 5. Exposure: Argo CD ------------------------------------------------------------------------------------------


def test_argo_cd_is_routed_on_traefiks_tls_entrypoint_only(renderer: Renderer) -> None:
    ingress = named(rendered(renderer, release_input(with_argocd(), "argo-cd")), "Ingress", "argo-cd-argocd-server")
    assert ingress["metadata"]["annotations"] == {
        "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
        "traefik.ingress.kubernetes.io/router.tls": "true",
    }
    assert "tls" not in ingress["spec"]  # no Secret named: Traefik's default certificate
    assert with_argocd().apps_json["output"]["argocd_url"]["value"] == "https://argocd.example.com"
    assert "self-signed" in with_argocd().apps_json["output"]["argocd_next_command"]["value"]


def test_without_traefik_argo_cd_has_no_ingress_to_secure() -> None:
    assert values(with_argocd(traefik=False), "argo-cd")["server"] == {}
    assert with_argocd(traefik=False).apps_json["output"]["argocd_url"]["value"] == "http://localhost:8080"


def test_the_application_deploys_through_a_project_limited_to_its_destination_and_namespaced_kinds() -> None:
    stacks = with_argocd()
    (project,) = custom_objects(stacks, "argo-cd-apps", "AppProject")
    (application,) = custom_objects(stacks, "argo-cd-apps", "Application")
    assert application["spec"]["project"] == project["metadata"]["name"] != "default"
    assert project["metadata"]["namespace"] == application["metadata"]["namespace"] == "argocd"
    assert project["spec"]["destinations"] == [application["spec"]["destination"]]
    assert project["spec"]["destinations"] == [{"server": "https://kubernetes.default.svc", "namespace": "production"}]
    assert project["spec"]["sourceRepos"] == [application["spec"]["source"]["repoURL"]]
    # one cluster-scoped object: the destination Namespace the sync creates, by name (no other namespace, no kind)
    assert project["spec"]["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace", "name": "production"}]
    assert len(project["spec"]["description"]) <= 255  # the CRD's limit


def test_the_sync_creates_the_destination_with_the_platform_labels_and_the_stack_does_not() -> None:
    stacks = with_argocd(destination="argo-cd")
    (application,) = custom_objects(stacks, "argo-cd-apps", "Application")
    policy = application["spec"]["syncPolicy"]
    assert policy["syncOptions"] == ["CreateNamespace=true"]
    assert policy["managedNamespaceMetadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
    # an environment whose sync created it before keeps it: no Terraform object to collide with on the next apply
    names = [n["metadata"]["name"] for n in resources_of(stacks.apps_json, NamespaceV1.TF_RESOURCE_TYPE)]
    assert "argo-cd" not in names


def test_the_application_waits_for_the_secrets_external_secrets_syncs_into_its_destination() -> None:
    synced = with_argocd(destination="team", secret_into_destination=True)
    store = [
        k for k, r in synced.apps_json["resource"][Release.TF_RESOURCE_TYPE].items() if r["name"].endswith("-store")
    ]
    assert f"{Release.TF_RESOURCE_TYPE}.{store[0]}" in releases(synced)["argo-cd"]["depends_on"]


@pytest.mark.parametrize("destination", ["argocd", "kube-system", "vllm"])
def test_the_destination_cannot_be_argo_cds_own_or_another_reserved_namespace(destination: str) -> None:
    with pytest.raises(ValidationError) as raised:
        environment(apps={"argocd": {"enabled": True, "destinationNamespace": destination}})
    (error,) = raised.value.errors()
    assert error["loc"] == ("apps", "argocd", "destinationNamespace")
    assert "is reserved" in error["msg"]


def test_an_unreserved_destination_is_accepted() -> None:
    assert (
        environment(apps={"argocd": {"destinationNamespace": "team-a"}}).apps.argocd.destination_namespace == "team-a"
    )
