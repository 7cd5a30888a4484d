"""dot-kubernetes' other apps, namespaces and storage: one synthesis per cloud with everything on, one with
everything off, shared by every test below (examples/*-all-apps.yaml are the everything-on manifests)."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import yaml
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.eks_addon import EksAddon
from cdktf_cdktf_provider_helm.release import Release
from cdktf_cdktf_provider_kubernetes.annotations import Annotations
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1
from cdktf_cdktf_provider_kubernetes.storage_class_v1 import StorageClassV1
from cdktf_cdktf_provider_random.password import Password

from apps import cluster_autoscaler
from catalogue.charts import ARGO_CD, CLUSTER_AUTOSCALER, CROSSPLANE, DAPR, GPU_OPERATOR, TRAEFIK, VLLM_STACK, ChartPin
from catalogue.node_sizes import Cloud
from catalogue.storage import DEFAULT_STORAGE_CLASSES
from constructs.helm.custom_objects import CHART_DIRECTORY, CHART_VERSION
from spec.apps import ArgocdSpec
from tests.conftest import PROJECT_ROOT, SynthesizedEnvironment, resources_of, synth, synth_file
from tests.support.synthesized_stacks import SynthesizedStack
from validation.loader import load_environment_file

EXAMPLE_PREFIX = {Cloud.AWS: "aws-eks", Cloud.GOOGLE: "google-gke", Cloud.AZURE: "azure-aks"}
APP_PINS: dict[str, ChartPin] = {"crossplane": CROSSPLANE, "argocd": ARGO_CD, "traefik": TRAEFIK, "dapr": DAPR}
# Oracles written independently of catalogue/storage.py: the class each cloud's PVCs get without naming one.
EXPECTED_DEFAULT_CLASS = {Cloud.AWS: "gp3", Cloud.GOOGLE: "standard-rwo", Cloud.AZURE: "managed-csi"}
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


@functools.cache
def all_on(cloud: Cloud) -> SynthesizedEnvironment:
    return synth_file(PROJECT_ROOT / "examples" / f"{EXAMPLE_PREFIX[cloud]}-all-apps.yaml")


@functools.cache
def all_off(cloud: Cloud) -> SynthesizedEnvironment:
    return synth(cloud=cloud.value)


@functools.cache
def argocd_alone() -> SynthesizedEnvironment:
    return synth(apps={"argocd": {"enabled": True}})


def releases(stacks: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    return {release["name"]: release for release in resources_of(stacks.apps_json, Release.TF_RESOURCE_TYPE)}


def values(stacks: SynthesizedEnvironment, name: str) -> dict[str, Any]:
    (document,) = releases(stacks)[name]["values"]
    parsed: dict[str, Any] = yaml.safe_load(document)
    return parsed


def warnings(stacks: SynthesizedEnvironment) -> list[str]:
    return [entry.data for entry in stacks.apps_stack.node.metadata if entry.type == "@cdktf/warn"]


def reference_of(stacks: SynthesizedEnvironment, resource_type: str, name: str) -> str:
    """`<type>.<logical id>` of the one resource of that type whose `name` (or metadata.name) is `name`."""
    found = [
        f"{resource_type}.{logical_id}"
        for logical_id, resource in stacks.apps_json["resource"][resource_type].items()
        if resource.get("name", resource.get("metadata", {}).get("name")) == name
    ]
    assert len(found) == 1, found
    return found[0]


clouds = pytest.mark.parametrize("cloud", list(Cloud), ids=[cloud.value for cloud in Cloud])


# --- every app on and off, on every cloud -------------------------------------------------------------------


@clouds
@pytest.mark.parametrize("app", list(APP_PINS))
def test_each_app_is_one_release_only_when_enabled(cloud: Cloud, app: str) -> None:
    pin = APP_PINS[app]
    expected = {"name": pin.release, "chart": pin.chart, "repository": pin.repository, "version": pin.version}
    assert CdktfTesting.to_have_resource_with_properties(all_on(cloud).apps, Release.TF_RESOURCE_TYPE, expected)
    assert not CdktfTesting.to_have_resource_with_properties(
        all_off(cloud).apps, Release.TF_RESOURCE_TYPE, {"name": pin.release}
    )


@clouds
def test_everything_off_installs_no_release_and_no_argo_cd_password(cloud: Cloud) -> None:
    # EKS alone needs a release for node autoscaling (GKE and AKS autoscale in their control planes)
    expected = {CLUSTER_AUTOSCALER.release} if cloud is Cloud.AWS else set()
    assert set(releases(all_off(cloud))) == expected
    assert Password.TF_RESOURCE_TYPE not in all_off(cloud).apps_json["resource"]


@clouds
def test_openfunction_is_accepted_but_never_installed_and_the_warning_says_why(cloud: Cloud) -> None:
    assert all_on(cloud).apps_json
    assert not [name for name in releases(all_on(cloud)) if "openfunction" in name]
    [warning] = [w for w in warnings(all_on(cloud)) if w.startswith("apps.openfunction.enabled")]
    assert "not installed" in warning
    assert "unmaintained" in warning
    assert "use " in warning
    assert not [w for w in warnings(all_off(cloud)) if "openfunction" in w]


@clouds
def test_dapr_together_with_openfunction_warns(cloud: Cloud) -> None:
    assert any("apps.dapr.enabled with apps.openfunction.enabled" in w for w in warnings(all_on(cloud)))


@clouds
def test_every_app_release_is_atomic_with_its_pinned_timeout_into_its_namespace(cloud: Cloud) -> None:
    installed = releases(all_on(cloud))
    for pin in APP_PINS.values():
        release = installed[pin.release]
        assert (release["atomic"], release["wait"], release["timeout"], release["namespace"]) == (
            True,
            True,
            pin.timeout_seconds,
            pin.namespace,
        )


def test_traefik_timeout_covers_load_balancer_provisioning() -> None:
    assert TRAEFIK.timeout_seconds >= 600  # cloud load balancers take minutes; Helm's default 300 s is too short


@clouds
def test_apps_share_no_fate_with_the_gpu_operator_or_vllm(cloud: Cloud) -> None:
    installed = releases(all_on(cloud))
    gpu_references = {
        reference_of(all_on(cloud), Release.TF_RESOURCE_TYPE, name) for name in ("gpu-operator", "vllm-stack")
    }
    for pin in APP_PINS.values():
        assert not gpu_references & set(installed[pin.release].get("depends_on", [])), pin.release
    # they wait only for each other, for the monitoring stack, whose CRDs their monitors need, on EKS for the
    # autoscaler, which never fails because of an app, and for their own namespace
    allowed = gpu_references | {reference_of(all_on(cloud), Release.TF_RESOURCE_TYPE, "kube-prometheus-stack")}
    if cloud is Cloud.AWS:
        allowed |= {reference_of(all_on(cloud), Release.TF_RESOURCE_TYPE, CLUSTER_AUTOSCALER.release)}
    for pin in (GPU_OPERATOR, VLLM_STACK):
        own = reference_of(all_on(cloud), NamespaceV1.TF_RESOURCE_TYPE, pin.namespace)
        assert set(installed[pin.release].get("depends_on", [])) <= allowed | {own}, pin.release


# --- storage ---------------------------------------------------------------------------------------------------


@clouds
def test_every_cloud_ends_up_with_exactly_one_default_storage_class(cloud: Cloud) -> None:
    classes = resources_of(all_on(cloud).apps_json, StorageClassV1.TF_RESOURCE_TYPE)
    ours = [c["metadata"]["name"] for c in classes if c["metadata"]["annotations"].get(DEFAULT_CLASS) == "true"]
    shipped_by_the_cloud = [] if DEFAULT_STORAGE_CLASSES[cloud].ours else [DEFAULT_STORAGE_CLASSES[cloud].name]
    assert [*ours, *shipped_by_the_cloud] == [EXPECTED_DEFAULT_CLASS[cloud]]
    assert Annotations.TF_RESOURCE_TYPE not in all_on(cloud).apps_json["resource"]  # 1.33: no legacy default


def test_eks_default_class_is_encrypted_gp3_through_the_ebs_csi_driver() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        all_off(Cloud.AWS).apps,
        StorageClassV1.TF_RESOURCE_TYPE,
        {
            "metadata": {"name": "gp3", "annotations": {DEFAULT_CLASS: "true"}},
            "storage_provisioner": "ebs.csi.aws.com",
            "parameters": {"type": "gp3", "encrypted": "true"},
            "volume_binding_mode": "WaitForFirstConsumer",
        },
    )


def test_eks_before_1_30_unmarks_its_own_gp2_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # The loader refuses an EKS minor without a Cluster Autoscaler image; the storage rule is tested on its own here.
    monkeypatch.setitem(cluster_autoscaler.IMAGE_TAGS, "1.29", cluster_autoscaler.AutoscalerImage("v1.29.0", "test"))
    old = synth(version="1.29")
    assert CdktfTesting.to_have_resource_with_properties(
        old.apps,
        Annotations.TF_RESOURCE_TYPE,
        {"kind": "StorageClass", "metadata": {"name": "gp2"}, "annotations": {DEFAULT_CLASS: "false"}, "force": True},
    )


@clouds
def test_dapr_scheduler_names_the_default_storage_class(cloud: Cloud) -> None:
    scheduler = values(all_on(cloud), "dapr")["dapr_scheduler"]
    assert scheduler == {"cluster": {"storageClassName": EXPECTED_DEFAULT_CLASS[cloud]}}


def test_dapr_waits_for_the_storage_class_the_apps_stack_creates() -> None:
    stacks = all_on(Cloud.AWS)
    gp3 = reference_of(stacks, StorageClassV1.TF_RESOURCE_TYPE, "gp3")
    autoscaler = reference_of(stacks, Release.TF_RESOURCE_TYPE, CLUSTER_AUTOSCALER.release)
    namespace = reference_of(stacks, NamespaceV1.TF_RESOURCE_TYPE, DAPR.namespace)  # every release after its own
    # EKS: every release after the autoscaler
    assert releases(stacks)["dapr"]["depends_on"] == [namespace, gp3, autoscaler]
    google = all_on(Cloud.GOOGLE)  # GKE's class exists with the cluster
    assert releases(google)["dapr"]["depends_on"] == [
        reference_of(google, NamespaceV1.TF_RESOURCE_TYPE, DAPR.namespace)
    ]


def test_eks_installs_the_ebs_csi_add_on_with_its_own_irsa_role() -> None:
    cluster = all_on(Cloud.AWS).cluster_json
    (addon,) = [a for a in resources_of(cluster, EksAddon.TF_RESOURCE_TYPE) if a["addon_name"] == "aws-ebs-csi-driver"]
    assert addon["service_account_role_arn"].startswith("${aws_iam_role.ebs-csi_identity_role_")
    # the newest build for the cluster's minor (tests/operations/test_day2_checks.py)
    assert addon["addon_version"].startswith("${data.aws_eks_addon_version.ebs-csi_version_")
    attachments = [a["policy_arn"] for a in resources_of(cluster, "aws_iam_role_policy_attachment")]
    assert "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" in attachments
    trust = [
        d for key, d in cluster["data"]["aws_iam_policy_document"].items() if key.startswith("ebs-csi_identity_trust")
    ]
    conditions = {c["variable"].rsplit(":", 1)[1]: c["values"] for c in trust[0]["statement"][0]["condition"]}
    assert conditions == {
        "sub": ["system:serviceaccount:kube-system:ebs-csi-controller-sa"],
        "aud": ["sts.amazonaws.com"],
    }


def test_ebs_csi_add_on_waits_for_the_system_pool_only() -> None:
    addons = resources_of(all_on(Cloud.AWS).cluster_json, EksAddon.TF_RESOURCE_TYPE)
    (addon,) = [a for a in addons if a["addon_name"] == "aws-ebs-csi-driver"]
    groups = [d for d in addon["depends_on"] if d.startswith("aws_eks_node_group.")]
    assert len(groups) == 1
    assert groups[0].startswith("aws_eks_node_group.system-pool")


# --- namespaces ------------------------------------------------------------------------------------------------


@clouds
def test_namespaces_default_to_dev_and_production_with_pod_security_labels(cloud: Cloud) -> None:
    namespaces = resources_of(all_off(cloud).apps_json, NamespaceV1.TF_RESOURCE_TYPE)
    assert sorted(n["metadata"]["name"] for n in namespaces) == ["dev", "production"]
    for namespace in namespaces:
        assert namespace["metadata"]["labels"] == {
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
        }
    assert all_off(cloud).apps_json["output"]["namespaces"]["value"] == ["dev", "production"]


def test_an_empty_namespace_list_creates_none() -> None:
    assert NamespaceV1.TF_RESOURCE_TYPE not in synth(namespaces=[]).apps_json["resource"]


# --- Argo CD ---------------------------------------------------------------------------------------------------


def test_argocd_fields_default_to_the_reference() -> None:
    # vfarcic/crossplane-kubernetes kcl/data.k, appArgocd
    defaults = ArgocdSpec()
    assert (defaults.enabled, defaults.host, defaults.repo_url, defaults.destination_namespace) == (
        False,
        "acme.com",
        "https://github.com/vfarcic/SOMETHING",
        "argo-cd",
    )
    assert defaults.source_path == "."


def test_argocd_values_follow_the_reference_behind_traefik() -> None:
    argocd = values(all_on(Cloud.AWS), "argo-cd")
    assert argocd == {
        "global": {"domain": "argocd.example.com"},
        "configs": {
            "cm": {"application.resourceTrackingMethod": "annotation", "timeout.reconciliation": "60s"},
            "params": {"server.insecure": True},
        },
        "server": {
            "ingress": {
                "enabled": True,
                "ingressClassName": "traefik",
                "annotations": {
                    "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
                    "traefik.ingress.kubernetes.io/router.tls": "true",
                },
            }
        },
    }
    assert values(all_on(Cloud.AWS), "traefik")["ingressClass"]["name"] == "traefik"


def test_argocd_without_traefik_has_no_ingress_and_its_next_command_is_a_port_forward() -> None:
    argocd = values(argocd_alone(), "argo-cd")
    assert argocd["server"] == {}
    assert argocd["global"] == {"domain": "acme.com"}
    outputs = argocd_alone().apps_json["output"]
    assert outputs["argocd_next_command"]["value"].startswith(
        "kubectl -n argocd port-forward svc/argo-cd-server 8080:80"
    )
    assert outputs["argocd_url"]["value"] == "http://localhost:8080"


def test_argocd_placeholder_repository_warns() -> None:
    assert any("apps.argocd.repoURL is dot-kubernetes' placeholder" in w for w in warnings(argocd_alone()))
    assert not any("placeholder" in w for w in warnings(all_on(Cloud.AWS)))


def test_argocd_admin_password_is_generated_and_reaches_helm_only_as_a_sensitive_bcrypt_hash() -> None:
    stacks = all_on(Cloud.AWS)
    password = reference_of_password(stacks)
    release = releases(stacks)["argo-cd"]
    assert release["set_sensitive"] == [
        {"name": "configs.secret.argocdServerAdminPassword", "type": "string", "value": f"${{{password}.bcrypt_hash}}"}
    ]
    assert "argocdServerAdminPassword" not in release["values"][0]
    assert [s["name"] for s in release["set"]] == ["configs.secret.argocdServerAdminPasswordMtime"]
    output = stacks.apps_json["output"]["argocd_admin_password"]
    assert (output["value"], output["sensitive"]) == (f"${{{password}.result}}", True)


def reference_of_password(stacks: SynthesizedEnvironment) -> str:
    # Argo CD's (Grafana's is the monitoring stack's own)
    (logical_id,) = [key for key in stacks.apps_json["resource"][Password.TF_RESOURCE_TYPE] if key.startswith("argocd")]
    return f"{Password.TF_RESOURCE_TYPE}.{logical_id}"


def test_argocd_application_apps_installs_after_argo_cd_in_a_release_of_its_own() -> None:
    stacks = all_on(Cloud.AWS)
    application_release = releases(stacks)["argo-cd-apps"]
    # after the autoscaler too, through argo-cd, which waits for it
    assert application_release["depends_on"] == [reference_of(stacks, Release.TF_RESOURCE_TYPE, "argo-cd")]
    assert (application_release["namespace"], application_release["atomic"]) == ("argocd", True)


def test_argocd_application_follows_the_reference() -> None:
    (application,) = [o for o in values(all_on(Cloud.AWS), "argo-cd-apps")["objects"] if o["kind"] == "Application"]
    assert application["kind"] == "Application"
    assert application["apiVersion"] == "argoproj.io/v1alpha1"
    assert application["metadata"]["name"] == "apps"
    assert application["spec"]["source"] == {
        "repoURL": "https://github.com/example/platform-apps",
        "targetRevision": "HEAD",
        "path": "apps",
    }
    assert application["spec"]["destination"] == {"server": "https://kubernetes.default.svc", "namespace": "production"}
    policy = application["spec"]["syncPolicy"]
    assert policy["automated"] == {"selfHeal": True, "prune": True, "allowEmpty": True}
    assert policy["syncOptions"] == ["CreateNamespace=true"]  # as the reference has it


# --- Traefik ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cloud", "annotations"),
    [
        (
            Cloud.AWS,
            {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
            },
        ),
        (Cloud.GOOGLE, {"networking.gke.io/load-balancer-type": "Internal"}),
        (Cloud.AZURE, {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}),
    ],
)
def test_traefik_load_balancer_service_is_shaped_for_the_cloud(cloud: Cloud, annotations: dict[str, str]) -> None:
    # the all-apps examples leave apps.traefik.exposure at its default, internal (tests/apps/test_workload_security.py)
    service = values(all_on(cloud), "traefik")["service"]
    assert service == {"annotations": annotations, "spec": {"type": "LoadBalancer"}}


# --- custom objects chart ---------------------------------------------------------------------------------------


def test_custom_objects_chart_version_is_the_one_in_chart_yaml() -> None:
    assert yaml.safe_load((CHART_DIRECTORY / "Chart.yaml").read_text())["version"] == CHART_VERSION


def test_custom_objects_chart_lands_in_each_stack_folder(all_stacks: list[SynthesizedStack]) -> None:
    local_charts = [
        (stack, release["chart"])
        for stack in all_stacks
        for release in stack.resources("helm_release")
        if release["chart"].startswith("assets/")
    ]
    assert local_charts, "the all-apps examples install Argo CD's Application from the local chart"
    for stack, chart in local_charts:
        assert (stack.path.parent / chart / "Chart.yaml").is_file(), stack.name
        assert (stack.path.parent / chart / "templates").is_dir(), stack.name


# --- outputs -------------------------------------------------------------------------------------------------


@clouds
def test_outputs_name_each_app_namespace_and_the_next_command(cloud: Cloud) -> None:
    outputs = all_on(cloud).apps_json["output"]
    for app, pin in APP_PINS.items():
        assert outputs[f"{app}_namespace"]["value"] == pin.namespace
        assert outputs[f"{app}_next_command"]["value"].startswith(("kubectl ", "open ")), app
    assert "get service traefik" in outputs["traefik_next_command"]["value"]
    assert outputs["argocd_url"]["value"] == "https://argocd.example.com"
    assert "output -raw argocd_admin_password" in outputs["argocd_admin_password_command"]["value"]
    assert not [key for key in all_off(cloud).apps_json.get("output", {}) if key.split("_")[0] in APP_PINS]


@clouds
def test_the_all_apps_example_enables_every_app_as_a_cluster_manifest(cloud: Cloud) -> None:
    path = PROJECT_ROOT / "examples" / f"{EXAMPLE_PREFIX[cloud]}-all-apps.yaml"
    assert yaml.safe_load(path.read_text())["kind"] == "Cluster"
    apps = load_environment_file(path).environment.apps
    assert all(getattr(apps, name).enabled for name in type(apps).model_fields)
