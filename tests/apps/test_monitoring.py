"""apps.monitoring and model autoscaling in the apps stack: releases, values, order, outputs and warnings."""

from __future__ import annotations

import functools
from typing import Any

import yaml
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_helm.release import Release
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1
from cdktf_cdktf_provider_kubernetes.storage_class_v1 import StorageClassV1
from cdktf_cdktf_provider_random.password import Password

from apps import enabled_apps
from apps.monitoring import (
    DCGM_DASHBOARD_GNET_ID,
    PROMETHEUS_PORT,
    PROMETHEUS_SERVICE,
    PROMETHEUS_URL,
)
from apps.monitoring import DECLARATION as MONITORING
from apps.vllm.metrics import ENGINE_WAITING, ROUTER_INCOMING
from catalogue.charts import CLUSTER_AUTOSCALER, KEDA, KUBE_PROMETHEUS_STACK, NODE_EXPORTER_NAMESPACE
from spec.environment import Environment
from tests.conftest import SynthesizedEnvironment, environment, resources_of, synth

MODEL = {"name": "m", "model": "org/model"}
REACHABLE = {"publicAccessCidrs": ["198.51.100.7/32"]}


def environment_fields(*, monitoring: bool = True, autoscaling: dict[str, Any] | None = None, **apps: Any) -> Any:
    model = {**MODEL, "autoscaling": autoscaling} if autoscaling is not None else MODEL
    return {
        "gpu": {"enabled": True},
        "apps": {
            "monitoring": {"enabled": monitoring},
            "nvidia": {"enabled": True},
            "vllm": {"enabled": True, "models": [model]},
            **apps,
        },
        "endpointAccess": REACHABLE,
    }


@functools.cache
def monitored(cloud: str = "aws", min_replicas: int = 1) -> SynthesizedEnvironment:
    autoscaling = {"minReplicas": min_replicas, "maxReplicas": 3, "targetWaitingRequests": 7}
    return synth(cloud=cloud, **environment_fields(autoscaling={**autoscaling, "scaleDownAfterSeconds": 420}))


@functools.cache
def unmonitored() -> SynthesizedEnvironment:
    return synth(**environment_fields(monitoring=False))


def releases(stacks: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in resources_of(stacks.apps_json, Release.TF_RESOURCE_TYPE)}


def values(stacks: SynthesizedEnvironment, name: str) -> dict[str, Any]:
    (document,) = releases(stacks)[name]["values"]
    parsed: dict[str, Any] = yaml.safe_load(document)
    return parsed


def address(stacks: SynthesizedEnvironment, name: str) -> str:
    (key,) = [k for k, r in stacks.apps_json["resource"]["helm_release"].items() if r["name"] == name]
    return f"helm_release.{key}"


def depends_on(stacks: SynthesizedEnvironment, name: str) -> list[str]:
    return list(releases(stacks)[name].get("depends_on", []))


def warnings(stacks: SynthesizedEnvironment) -> list[str]:
    return [entry.data for entry in stacks.apps_stack.node.metadata if entry.type == "@cdktf/warn"]


# --- the monitoring stack ---------------------------------------------------------------------------------------


def test_monitoring_installs_the_pinned_kube_prometheus_stack_into_monitoring() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        monitored().apps,
        Release.TF_RESOURCE_TYPE,
        {
            "name": "kube-prometheus-stack",
            "chart": "kube-prometheus-stack",
            "repository": "https://prometheus-community.github.io/helm-charts",
            "version": "88.5.3",
            "namespace": "monitoring",
            "atomic": True,
        },
    )


def test_no_monitoring_release_without_apps_monitoring() -> None:
    assert not CdktfTesting.to_have_resource_with_properties(
        unmonitored().apps, Release.TF_RESOURCE_TYPE, {"name": KUBE_PROMETHEUS_STACK.release}
    )


def test_prometheus_selects_every_service_monitor_and_pod_monitor() -> None:
    spec = values(monitored(), "kube-prometheus-stack")["prometheus"]["prometheusSpec"]
    assert spec["serviceMonitorSelectorNilUsesHelmValues"] is False
    assert spec["podMonitorSelectorNilUsesHelmValues"] is False


def test_prometheus_keeps_the_configured_retention_on_a_volume_of_the_default_class() -> None:
    stacks = synth(
        **{**environment_fields(), "apps": {"monitoring": {"enabled": True, "retention": "7d", "storage": "50Gi"}}}
    )
    spec = values(stacks, "kube-prometheus-stack")["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "7d"
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}}}
    assert "storageClassName" not in claim  # the default class, like every claim of this product


def test_on_eks_monitoring_waits_for_the_default_storage_class_this_stack_creates() -> None:
    (gp3,) = resources_of(monitored().apps_json, StorageClassV1.TF_RESOURCE_TYPE)
    (key,) = monitored().apps_json["resource"][StorageClassV1.TF_RESOURCE_TYPE]
    assert gp3["metadata"]["name"] == "gp3"
    assert depends_on(monitored(), "kube-prometheus-stack") == [
        *namespace_addresses(monitored()),
        f"{StorageClassV1.TF_RESOURCE_TYPE}.{key}",
        autoscaler_address(monitored()),
    ]


def namespace_addresses(stacks: SynthesizedEnvironment) -> list[str]:
    """Its two namespaces, which every release of it waits for: its own and the node exporter's."""
    namespaces = stacks.apps_json["resource"][NamespaceV1.TF_RESOURCE_TYPE]
    return [
        f"{NamespaceV1.TF_RESOURCE_TYPE}.{key}"
        for name in (KUBE_PROMETHEUS_STACK.namespace, NODE_EXPORTER_NAMESPACE)
        for key, body in namespaces.items()
        if body["metadata"]["name"] == name
    ]


def autoscaler_address(stacks: SynthesizedEnvironment) -> str:
    releases = stacks.apps_json["resource"][Release.TF_RESOURCE_TYPE]
    (key,) = [key for key, release in releases.items() if release["name"] == CLUSTER_AUTOSCALER.release]
    return f"{Release.TF_RESOURCE_TYPE}.{key}"


def test_on_gke_the_default_class_exists_with_the_cluster_so_monitoring_waits_for_its_namespaces_only() -> None:
    assert depends_on(monitored("google"), "kube-prometheus-stack") == namespace_addresses(monitored("google"))
    assert len(namespace_addresses(monitored("google"))) == 2


def test_managed_control_plane_monitors_are_off() -> None:
    document = values(monitored(), "kube-prometheus-stack")
    assert [document[key]["enabled"] for key in ("kubeControllerManager", "kubeScheduler", "kubeEtcd")] == [False] * 3


def test_grafana_loads_nvidias_dcgm_dashboard_by_its_grafana_com_id() -> None:
    grafana = values(monitored(), "kube-prometheus-stack")["grafana"]
    (provider,) = grafana["dashboardProviders"]["dashboardproviders.yaml"]["providers"]
    dashboards = grafana["dashboards"][provider["name"]]
    assert dashboards["dcgm-exporter"]["gnetId"] == DCGM_DASHBOARD_GNET_ID == 12239
    assert "json" not in dashboards["dcgm-exporter"]  # by reference, never copied


def test_grafana_admin_password_is_generated_and_reaches_helm_only_as_a_sensitive_value() -> None:
    stacks = monitored()
    release = releases(stacks)["kube-prometheus-stack"]
    (key,) = [k for k in stacks.apps_json["resource"][Password.TF_RESOURCE_TYPE] if k.startswith("grafana")]
    reference = f"${{{Password.TF_RESOURCE_TYPE}.{key}.result}}"
    assert release["set_sensitive"] == [{"name": "grafana.adminPassword", "type": "string", "value": reference}]
    assert "adminPassword" not in release["values"][0]
    outputs = stacks.apps_json["output"]
    assert (outputs["grafana_admin_password"]["value"], outputs["grafana_admin_password"]["sensitive"]) == (
        reference,
        True,
    )
    assert outputs["grafana_admin_password_command"]["value"] == "terraform output -raw grafana_admin_password"


def test_outputs_say_how_to_reach_grafana_and_prometheus() -> None:
    outputs = monitored().apps_json["output"]
    assert outputs["grafana_port_forward_command"]["value"].startswith(
        "kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80"
    )
    assert outputs["prometheus_port_forward_command"]["value"].startswith(
        f"kubectl -n monitoring port-forward svc/{PROMETHEUS_SERVICE} 9090:{PROMETHEUS_PORT}"
    )


def test_one_random_provider_serves_argo_cd_and_grafana() -> None:
    stacks = synth(**environment_fields(argocd={"enabled": True}))
    assert len(stacks.apps_json["provider"]["random"]) == 1
    assert len(stacks.apps_json["resource"][Password.TF_RESOURCE_TYPE]) == 2


# --- what it scrapes --------------------------------------------------------------------------------------------


def test_with_monitoring_the_gpu_operator_creates_the_dcgm_exporter_monitor() -> None:
    assert values(monitored(), "gpu-operator")["dcgmExporter"] == {"serviceMonitor": {"enabled": True}}
    assert "dcgmExporter" not in values(unmonitored(), "gpu-operator")


def test_with_monitoring_vllm_renders_engine_and_router_monitors_and_its_dashboards() -> None:
    document = values(monitored(), "vllm-stack")
    assert document["servingEngineSpec"]["serviceMonitor"] == {"enabled": True}
    assert document["routerSpec"]["serviceMonitor"] == {"enabled": True}
    assert document["grafanaDashboards"] == {"enabled": True}


def test_without_monitoring_vllm_renders_no_monitor_and_no_dashboard() -> None:
    document = values(unmonitored(), "vllm-stack")
    assert "serviceMonitor" not in document["servingEngineSpec"]
    assert "serviceMonitor" not in document["routerSpec"]
    assert "grafanaDashboards" not in document


# --- order ------------------------------------------------------------------------------------------------------


def test_monitoring_installs_before_the_gpu_operator_keda_and_vllm() -> None:
    stacks = monitored()
    monitoring = address(stacks, "kube-prometheus-stack")
    for name in ("gpu-operator", "keda", "vllm-stack"):
        assert monitoring in depends_on(stacks, name), name


def test_vllm_installs_after_keda_and_the_gpu_operator() -> None:
    stacks = monitored()
    assert {address(stacks, "keda"), address(stacks, "gpu-operator")} <= set(depends_on(stacks, "vllm-stack"))


def test_the_monitoring_stack_waits_for_no_release_but_the_node_autoscaler() -> None:
    releases = [d for d in depends_on(monitored(), "kube-prometheus-stack") if d.startswith("helm_release.")]
    assert releases == [autoscaler_address(monitored())]  # EKS; GKE and AKS scale nodes in their control plane
    assert not [d for d in depends_on(monitored("google"), "kube-prometheus-stack") if d.startswith("helm_release.")]


# --- autoscaling ------------------------------------------------------------------------------------------------


def model_keda(stacks: SynthesizedEnvironment) -> dict[str, Any]:
    (model,) = values(stacks, "vllm-stack")["servingEngineSpec"]["modelSpec"]
    keda: dict[str, Any] = model["keda"]
    return keda


def test_keda_is_installed_pinned_only_when_a_model_autoscales() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        monitored().apps,
        Release.TF_RESOURCE_TYPE,
        {"name": "keda", "chart": "keda", "version": KEDA.version, "namespace": "keda"},
    )
    assert "keda" not in releases(synth(**environment_fields()))


def test_keda_reports_to_prometheus_through_its_own_monitor() -> None:
    assert values(monitored(), "keda")["prometheus"]["operator"] == {
        "enabled": True,
        "serviceMonitor": {"enabled": True},
    }


def test_an_autoscaled_model_scales_between_its_bounds_and_scales_down_after_the_quiet_time() -> None:
    keda = model_keda(monitored())
    assert (keda["enabled"], keda["minReplicaCount"], keda["maxReplicaCount"]) == (True, 1, 3)
    assert keda["cooldownPeriod"] == 420
    behavior = keda["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior == {"scaleDown": {"stabilizationWindowSeconds": 420}}


def test_the_queue_trigger_sums_this_models_engines_waiting_requests_per_replica() -> None:
    (trigger,) = model_keda(monitored())["triggers"]
    assert (trigger["type"], trigger["metricType"]) == ("prometheus", "AverageValue")
    metadata = trigger["metadata"]
    assert metadata["query"] == f'sum({ENGINE_WAITING}{{namespace="vllm",service="vllm-stack-m-engine-service"}})'
    assert metadata["threshold"] == "7"


def test_the_trigger_queries_the_monitoring_stacks_prometheus_service() -> None:
    (trigger,) = model_keda(monitored())["triggers"]
    assert trigger["metadata"]["serverAddress"] == PROMETHEUS_URL
    assert f"http://{KUBE_PROMETHEUS_STACK.release}-prometheus.monitoring.svc:9090" == PROMETHEUS_URL


def test_scale_to_zero_adds_a_wake_up_trigger_on_the_routers_incoming_requests_for_the_model() -> None:
    queue, wake_up = model_keda(monitored(min_replicas=0))["triggers"]
    assert ENGINE_WAITING in queue["metadata"]["query"]
    query = wake_up["metadata"]["query"]
    assert ROUTER_INCOMING in query
    assert 'service="vllm-stack-router-service"' in query
    assert 'model="org/model"' in query  # the chart serves a model under its URL
    assert wake_up["metadata"]["threshold"] == "1"


def test_scale_to_zero_warns_about_the_cold_start_and_the_routers_404() -> None:
    (warning,) = [w for w in warnings(monitored(min_replicas=0)) if "minReplicas: 0" in w]
    assert "cold start" in warning
    assert "production-stack#1003" in warning
    assert not [w for w in warnings(monitored()) if "minReplicas" in w]


def test_a_model_without_autoscaling_has_no_keda_block() -> None:
    (model,) = values(synth(**environment_fields()), "vllm-stack")["servingEngineSpec"]["modelSpec"]
    assert "keda" not in model
    assert model["replicaCount"] == 1


def test_an_autoscaled_model_sets_no_replica_count_the_chart_would_ignore() -> None:
    (model,) = values(monitored(), "vllm-stack")["servingEngineSpec"]["modelSpec"]
    assert "replicaCount" not in model  # with keda the chart omits replicas; the ScaledObject owns them


# --- what the capacity plan counts ------------------------------------------------------------------------------


def test_the_monitoring_values_request_what_the_workload_table_declares() -> None:
    document = values(monitored(), "kube-prometheus-stack")
    rows = MONITORING.footprint.workloads
    declared = {w.name: {"cpu": f"{w.cpu_m}m", "memory": f"{w.memory_mi}Mi"} for w in rows}
    assert document["prometheus"]["prometheusSpec"]["resources"]["requests"] == declared["prometheus"]
    assert document["grafana"]["resources"]["requests"] == declared["grafana"]
    assert document["prometheusOperator"]["resources"]["requests"] == declared["operator"]
    assert document["kube-state-metrics"]["resources"]["requests"] == declared["kube-state-metrics"]
    assert document["prometheus-node-exporter"]["resources"]["requests"] == declared["prometheus-node-exporter"]
    assert document["alertmanager"] == {"enabled": False}


def test_the_capacity_plan_counts_monitoring_and_keda_when_they_are_installed() -> None:
    with_both = environment(**environment_fields(autoscaling={"maxReplicas": 2}))
    assert {KUBE_PROMETHEUS_STACK.release, KEDA.release} <= installed_releases(with_both)
    without = environment(cloud="aws")
    assert not {KUBE_PROMETHEUS_STACK.release, KEDA.release} & installed_releases(without)


def installed_releases(environment: Environment) -> set[str]:
    return {pin.release for app in enabled_apps(environment) for pin in app.pins}


# --- monitors for apps that install before the monitoring stack -------------------------------------------------


def test_the_monitoring_stack_renders_a_monitor_for_each_declared_scrape_target() -> None:
    # the EKS cluster autoscaler installs before the ServiceMonitor CRD exists, so it declares a scrape target
    (monitor,) = values(monitored(), "kube-prometheus-stack")["prometheus"]["additionalServiceMonitors"]
    assert monitor == {
        "name": "cluster-autoscaler",
        "selector": {
            "matchLabels": {
                "app.kubernetes.io/instance": "cluster-autoscaler",
                "app.kubernetes.io/name": "aws-cluster-autoscaler",
            }
        },
        "namespaceSelector": {"matchNames": ["kube-system"]},
        "endpoints": [{"port": "http", "path": "/metrics"}],
    }


def test_without_scrape_targets_the_monitoring_stack_renders_no_extra_monitor() -> None:
    assert "additionalServiceMonitors" not in values(monitored("google"), "kube-prometheus-stack")["prometheus"]
