"""The monitoring checks (support/monitoring_checks.py) on what Helm renders for every shipped stack with monitoring:
its Prometheus scrapes the GPUs, the engines, the router and (EKS) the cluster autoscaler; each autoscaled model's
ScaledObject scales an existing engine on that model's own waiting requests, read from that Prometheus; and the
apps stack installs monitoring before what it watches. The harness is tests/support/rendering.py.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import yaml

from catalogue import charts
from catalogue.node_sizes import Cloud
from tests.support.monitoring_checks import (
    MATCHER,
    SELECTOR,
    Object,
    labels_of,
    monitor_namespaces,
    name_of,
    namespace_of,
    objects_created_at_run_time,
    of_kind,
    resolves_to_service,
    scaled_object_problems,
    selects,
    service_monitor_problems,
    watched_namespace,
)
from tests.support.rendering import RenderedStack

pytestmark = pytest.mark.slow(seconds=25)  # the start order: tests/conftest.py

# Every shipped file that turns apps.monitoring on: the three *-monitoring examples, the three all-apps ones and GKE's
# gateway example.
MONITORED_STACKS = {
    "eks-monitoring-apps",
    "aks-monitoring-apps",
    "gke-monitoring-apps",
    "eks-all-apps-apps",
    "aks-all-apps-apps",
    "gke-all-apps-apps",
    "gke-gateway-apps",  # the inference gateway: the endpoint pickers instead of the router
}
# Kinds Kubernetes keeps outside namespaces (a rendered object without metadata.namespace stays so); every other
# object Helm creates in the release's namespace.
CLUSTER_SCOPED = {
    "APIService", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "MutatingWebhookConfiguration",
    "Namespace", "PersistentVolume", "PriorityClass", "RuntimeClass", "StorageClass",
    "ValidatingWebhookConfiguration",
}  # fmt: skip


# --- the objects of a stack, as the cluster holds them -----------------------------------------------------


def cluster_scoped_kinds(stack: RenderedStack) -> set[str]:
    return CLUSTER_SCOPED | {crd["spec"]["names"]["kind"] for crd in stack.crds if crd["spec"]["scope"] == "Cluster"}


def installed_objects(stack: RenderedStack) -> list[Object]:
    """Every rendered object in the namespace Helm installs it into, plus what operators create at run time."""
    cluster_scoped = cluster_scoped_kinds(stack)
    objects: list[Object] = []
    for release in stack.releases:
        for item in release.objects:
            if item.get("kind") not in cluster_scoped and not namespace_of(item):
                metadata = {**item.get("metadata", {}), "namespace": release.input.namespace}
                objects.append({**item, "metadata": metadata})
            else:
                objects.append(item)
    return objects + objects_created_at_run_time(objects)


def monitored(rendered: list[RenderedStack]) -> list[RenderedStack]:
    return [s for s in rendered if any(r.input.chart == charts.KUBE_PROMETHEUS_STACK.chart for r in s.releases)]


def has_release(stack: RenderedStack, chart: str) -> bool:
    return any(release.input.chart == chart for release in stack.releases)


def scraped_services(objects: Sequence[Object]) -> set[tuple[str, str]]:
    """(namespace, name) of each Service a monitor selected by a Prometheus of the objects scrapes on a port."""
    prometheuses, services = of_kind(objects, "Prometheus"), of_kind(objects, "Service")
    found = set()
    for monitor in of_kind(objects, "ServiceMonitor"):
        if not any(
            selects(p.get("spec", {}).get("serviceMonitorSelector"), labels_of(monitor))
            and watched_namespace(p, namespace_of(monitor), {})
            for p in prometheuses
        ):
            continue
        any_namespace, namespaces = monitor_namespaces(monitor)
        ports = {endpoint.get("port") for endpoint in monitor.get("spec", {}).get("endpoints") or []}
        for item in services:
            in_namespace = any_namespace or namespace_of(item) in namespaces
            named_ports = {port.get("name") for port in item.get("spec", {}).get("ports") or []}
            if (
                in_namespace
                and selects(monitor.get("spec", {}).get("selector", {}), labels_of(item))
                and ports & named_ports
            ):
                found.add((namespace_of(item), name_of(item)))
    return found


def vllm_services(objects: Sequence[Object], suffix: str) -> set[tuple[str, str]]:
    return {
        (namespace_of(item), name_of(item))
        for item in of_kind(objects, "Service")
        if namespace_of(item) == charts.VLLM_STACK.namespace and name_of(item).endswith(suffix)
    }


def autoscaled_models(stack: RenderedStack) -> list[str]:
    """The models whose chart values turn KEDA on (modelSpec[].keda.enabled)."""
    (vllm,) = [r for r in stack.releases if r.input.chart == charts.VLLM_STACK.chart]
    models: list[Mapping[str, Any]] = []
    for document in vllm.input.values:
        models = (yaml.safe_load(document) or {}).get("servingEngineSpec", {}).get("modelSpec", models)
    return [model["name"] for model in models if (model.get("keda") or {}).get("enabled")]


def query_services(scaled: Object) -> set[str]:
    """The Services the ScaledObject's Prometheus queries filter on (`service="..."`)."""
    return {
        value
        for trigger in scaled["spec"].get("triggers") or []
        for _, matchers in SELECTOR.findall(str(trigger.get("metadata", {}).get("query", "")))
        for label, operator, value in MATCHER.findall(matchers)
        if label == "service" and operator == "="
    }


def pods_of(service: Object, deployment: Object) -> bool:
    selector = service.get("spec", {}).get("selector") or {}
    labels = deployment["spec"]["template"].get("metadata", {}).get("labels") or {}
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def prometheus_services(objects: Sequence[Object]) -> list[Object]:
    """The Services in front of a Prometheus of the objects (the operator labels its pods with the resource name)."""
    names = {name_of(item) for item in of_kind(objects, "Prometheus")}
    return [
        item
        for item in of_kind(objects, "Service")
        if (item.get("spec", {}).get("selector") or {}).get("operator.prometheus.io/name") in names
    ]


# --- which stacks -------------------------------------------------------------------------------------------


def test_every_shipped_file_with_monitoring_is_checked(rendered: list[RenderedStack]) -> None:
    assert {stack.name for stack in monitored(rendered)} == MONITORED_STACKS


# --- what Prometheus scrapes --------------------------------------------------------------------------------


def test_every_service_monitor_is_selected_by_the_stack_s_prometheus_and_selects_a_service_with_its_port(
    rendered: list[RenderedStack],
) -> None:
    assert {s.name: service_monitor_problems(installed_objects(s)) for s in monitored(rendered)} == {
        name: [] for name in MONITORED_STACKS
    }


def test_prometheus_scrapes_the_dcgm_exporter_where_the_gpu_operator_runs(rendered: list[RenderedStack]) -> None:
    with_operator = [s for s in monitored(rendered) if has_release(s, charts.GPU_OPERATOR.chart)]
    assert {s.name for s in with_operator} == MONITORED_STACKS - {"gke-monitoring-apps"}  # GKE's own GPU stack
    for stack in with_operator:
        assert (charts.GPU_OPERATOR.namespace, "nvidia-dcgm-exporter") in scraped_services(installed_objects(stack))


def test_prometheus_scrapes_every_engine_and_the_router_or_the_endpoint_pickers(rendered: list[RenderedStack]) -> None:
    for stack in monitored(rendered):
        objects = installed_objects(stack)
        engines, routers = vllm_services(objects, "-engine-service"), vllm_services(objects, "-router-service")
        pickers = vllm_services(objects, "-epp")  # one per model in gateway mode (apps/inference_gateway)
        assert (len(routers), bool(pickers)) in {(1, False), (0, True)}, stack.name
        assert engines | routers | pickers <= scraped_services(objects), stack.name


def test_every_autoscaled_model_has_an_engine_service_prometheus_scrapes(rendered: list[RenderedStack]) -> None:
    for stack in monitored(rendered):
        objects = installed_objects(stack)
        expected = {(charts.VLLM_STACK.namespace, f"vllm-stack-{m}-engine-service") for m in autoscaled_models(stack)}
        assert expected <= scraped_services(objects), stack.name


def test_on_eks_prometheus_scrapes_the_cluster_autoscaler(rendered: list[RenderedStack]) -> None:
    on_eks = [s for s in monitored(rendered) if s.cloud is Cloud.AWS]
    assert {s.name for s in on_eks} == {"eks-monitoring-apps", "eks-all-apps-apps"}
    for stack in on_eks:
        assert has_release(stack, charts.CLUSTER_AUTOSCALER.chart)
        scraped = scraped_services(installed_objects(stack))
        assert (charts.CLUSTER_AUTOSCALER.namespace, charts.CLUSTER_AUTOSCALER.release) in scraped


def test_with_the_chart_s_default_selector_the_vllm_monitors_are_reported(rendered: list[RenderedStack]) -> None:
    stack = next(s for s in monitored(rendered) if s.name == "eks-monitoring-apps")
    objects = copy.deepcopy(installed_objects(stack))
    (prometheus,) = of_kind(objects, "Prometheus")
    prometheus["spec"]["serviceMonitorSelector"] = {"matchLabels": {"release": charts.KUBE_PROMETHEUS_STACK.release}}
    problems = service_monitor_problems(objects)
    assert "ServiceMonitor vllm/vllm-stack-engine-servicemonitor: no Prometheus selects it" in problems
    assert "ServiceMonitor vllm/vllm-stack-router-servicemonitor: no Prometheus selects it" in problems
    assert (charts.VLLM_STACK.namespace, "vllm-stack-router-service") not in scraped_services(objects)


def test_objects_rendered_without_a_namespace_are_checked_in_their_release_s_namespace(
    rendered: list[RenderedStack],
) -> None:
    """KEDA's chart leaves metadata.namespace out of its ServiceMonitor; Helm creates it in the release's."""
    stack = next(s for s in monitored(rendered) if s.name == "eks-monitoring-apps")
    (keda,) = [r for r in stack.releases if r.input.chart == charts.KEDA.chart]
    (as_rendered,) = [m for m in keda.of_kind("ServiceMonitor") if name_of(m) == "keda-operator"]
    (as_installed,) = [m for m in of_kind(installed_objects(stack), "ServiceMonitor") if name_of(m) == "keda-operator"]
    assert namespace_of(as_rendered) == ""
    assert namespace_of(as_installed) == charts.KEDA.namespace


# --- what KEDA scales ---------------------------------------------------------------------------------------


def test_scaled_objects_target_an_engine_and_query_a_service_of_the_stack(rendered: list[RenderedStack]) -> None:
    assert {s.name: scaled_object_problems(installed_objects(s)) for s in monitored(rendered)} == {
        name: [] for name in MONITORED_STACKS
    }


def test_there_is_one_scaled_object_per_autoscaled_model(rendered: list[RenderedStack]) -> None:
    counted = {}
    for stack in monitored(rendered):
        scaled = of_kind(installed_objects(stack), "ScaledObject")
        counted[stack.name] = sorted(name_of(item) for item in scaled)
        assert counted[stack.name] == sorted(f"vllm-stack-{m}-scaledobject" for m in autoscaled_models(stack))
    assert all(counted[name] for name in ("eks-monitoring-apps", "aks-monitoring-apps", "gke-monitoring-apps"))


def test_each_scaled_object_reads_the_stack_s_prometheus(rendered: list[RenderedStack]) -> None:
    for stack in monitored(rendered):
        objects = installed_objects(stack)
        front = prometheus_services(objects)
        assert front, stack.name
        for scaled in of_kind(objects, "ScaledObject"):
            for trigger in scaled["spec"]["triggers"]:
                assert resolves_to_service(trigger["metadata"]["serverAddress"], front), name_of(scaled)


def test_each_scaled_object_counts_the_requests_of_the_engine_it_scales(rendered: list[RenderedStack]) -> None:
    """The query's Service is the one in front of the target Deployment's pods: that model's queue, no other."""
    for stack in monitored(rendered):
        objects = installed_objects(stack)
        for scaled in of_kind(objects, "ScaledObject"):
            target = scaled["spec"]["scaleTargetRef"]["name"]
            (deployment,) = [d for d in of_kind(objects, "Deployment") if name_of(d) == target]
            (waiting, *_) = [t for t in scaled["spec"]["triggers"] if "num_requests_waiting" in t["metadata"]["query"]]
            named = query_services({"spec": {"triggers": [waiting]}})
            assert named, name_of(scaled)
            services = [s for s in of_kind(objects, "Service") if name_of(s) in named]
            assert services, name_of(scaled)
            assert all(pods_of(s, deployment) for s in services), name_of(scaled)


def test_a_scaled_object_reading_another_address_is_reported(rendered: list[RenderedStack]) -> None:
    stack = next(s for s in monitored(rendered) if s.name == "eks-monitoring-apps")
    objects = copy.deepcopy(installed_objects(stack))
    (scaled,) = of_kind(objects, "ScaledObject")
    scaled["spec"]["triggers"][0]["metadata"]["serverAddress"] = "http://prometheus.monitoring.svc:9090"
    scaled["spec"]["scaleTargetRef"]["name"] = "vllm-stack-gone-deployment-vllm"
    problems = scaled_object_problems(objects)
    assert any("no Deployment vllm/vllm-stack-gone-deployment-vllm" in p for p in problems), problems
    assert any("serverAddress 'http://prometheus.monitoring.svc:9090'" in p for p in problems), problems


# --- install order ------------------------------------------------------------------------------------------


def release_addresses(stack: RenderedStack) -> dict[str, str]:
    releases = stack.apps.json["resource"]["helm_release"]
    return {release["name"]: f"helm_release.{key}" for key, release in releases.items()}


def installed_before(stack: RenderedStack) -> dict[str, set[str]]:
    """Per resource address, every address it waits for, directly or through others (depends_on, transitively)."""
    direct = {
        f"{kind}.{key}": set(resource.get("depends_on") or [])
        for kind, resources in stack.apps.json.get("resource", {}).items()
        for key, resource in resources.items()
    }
    closure: dict[str, set[str]] = {}

    def before(address: str) -> set[str]:
        if address not in closure:
            closure[address] = set()
            for dependency in direct.get(address, set()):
                closure[address] |= {dependency, *before(dependency)}
        return closure[address]

    return {address: before(address) for address in direct}


def order_problems(stack: RenderedStack) -> list[str]:
    """Monitoring before the GPU Operator, KEDA and vLLM; KEDA before vLLM; the GPU Operator before vLLM when
    vLLM runs engines. (KEDA and the GPU Operator need nothing of each other: no order between them.)"""
    releases, before = release_addresses(stack), installed_before(stack)
    monitoring, operator, keda = (
        releases.get(charts.KUBE_PROMETHEUS_STACK.release),
        releases.get(charts.GPU_OPERATOR.release),
        releases.get(charts.KEDA.release),
    )
    vllm = releases.get(charts.VLLM_STACK.release)
    (vllm_release,) = [r for r in stack.releases if r.input.chart == charts.VLLM_STACK.chart]
    engines = any(
        container.get("resources", {}).get("limits", {}).get("nvidia.com/gpu")
        or container.get("resources", {}).get("requests", {}).get("nvidia.com/gpu")
        for deployment in vllm_release.of_kind("Deployment")
        for container in deployment["spec"]["template"]["spec"]["containers"]
    )
    rules = [(monitoring, operator), (monitoring, keda), (monitoring, vllm), (keda, vllm)]
    if engines:
        rules.append((operator, vllm))
    return [
        f"{stack.name}: {first} is not installed before {then}"
        for first, then in rules
        if first and then and first not in before[then]
    ]


def test_monitoring_installs_before_the_gpu_operator_keda_and_vllm_and_those_before_vllm(
    rendered: list[RenderedStack],
) -> None:
    stacks = monitored(rendered)
    assert all(charts.VLLM_STACK.release in release_addresses(s) for s in stacks)
    assert [problem for stack in stacks for problem in order_problems(stack)] == []


def test_a_missing_order_is_reported(rendered: list[RenderedStack]) -> None:
    stack = next(s for s in monitored(rendered) if s.name == "eks-monitoring-apps")
    addresses = release_addresses(stack)
    apps = stack.apps.json
    for release in apps["resource"]["helm_release"].values():
        if release["name"] == charts.VLLM_STACK.release:
            release["depends_on"] = [d for d in release["depends_on"] if d != addresses[charts.KEDA.release]]
    edited = dataclasses.replace(stack, apps=dataclasses.replace(stack.apps, text=json.dumps(apps)))
    assert order_problems(edited) == [
        f"eks-monitoring-apps: {addresses['keda']} is not installed before {addresses['vllm-stack']}"
    ]
