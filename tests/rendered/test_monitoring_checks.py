"""The rendered-object checks (tests/support/monitoring_checks.py) on hand-made manifests: each passes the good case and
names the broken one. The render harness (issue 19) runs the same functions on `helm template` output."""

from __future__ import annotations

from typing import Any

from tests.support.monitoring_checks import (
    objects_created_at_run_time,
    query_problems,
    scaled_object_problems,
    service,
    service_monitor_problems,
)

ENGINE_SERVICE = "vllm-stack-m-engine-service"
ROUTER_SERVICE = "vllm-stack-router-service"
WAITING = f'sum(vllm:num_requests_waiting{{namespace="vllm",service="{ENGINE_SERVICE}"}})'
ROUTER_SELECTOR = f'namespace="vllm",service="{ROUTER_SERVICE}",model="m/m"'
WAKE_UP = f"max(rate(vllm:num_incoming_requests_total{{{ROUTER_SELECTOR}}}[2m]) > bool 0)"
PROMETHEUS_URL = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"


def prometheus(selector: dict[str, Any] | None = None, namespaces: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if selector is not None:
        spec["serviceMonitorSelector"] = selector
    if namespaces is not None:
        spec["serviceMonitorNamespaceSelector"] = namespaces
    return {
        "kind": "Prometheus",
        "metadata": {"name": "kube-prometheus-stack-prometheus", "namespace": "monitoring"},
        "spec": spec,
    }


def monitor(labels: dict[str, str], selector: dict[str, str], port: str, namespace: str = "vllm") -> dict[str, Any]:
    return {
        "kind": "ServiceMonitor",
        "metadata": {"name": "engines", "namespace": namespace, "labels": labels},
        "spec": {"selector": {"matchLabels": selector}, "endpoints": [{"port": port}]},
    }


ENGINE = service("vllm", ENGINE_SERVICE, {"app.kubernetes.io/component": "serving-engine"}, {"service-port": 80})
PROMETHEUS_SERVICE = service("monitoring", "kube-prometheus-stack-prometheus", {}, {"http-web": 9090})
ENGINE_MONITOR = monitor({"release": "test"}, {"app.kubernetes.io/component": "serving-engine"}, "service-port")


def test_an_empty_selector_in_every_namespace_scrapes_any_monitor() -> None:
    assert service_monitor_problems([prometheus({}, {}), ENGINE_MONITOR, ENGINE]) == []


def test_the_chart_default_release_selector_misses_the_vllm_monitors() -> None:
    default = prometheus({"matchLabels": {"release": "kube-prometheus-stack"}}, {})
    assert service_monitor_problems([default, ENGINE_MONITOR, ENGINE]) == [
        "ServiceMonitor vllm/engines: no Prometheus selects it"
    ]


def test_an_absent_selector_scrapes_nothing() -> None:
    assert service_monitor_problems([prometheus(None, {}), ENGINE_MONITOR, ENGINE]) == [
        "ServiceMonitor vllm/engines: no Prometheus selects it"
    ]


def test_an_absent_namespace_selector_watches_only_the_prometheus_namespace() -> None:
    assert service_monitor_problems([prometheus({}, None), ENGINE_MONITOR, ENGINE]) == [
        "ServiceMonitor vllm/engines: no Prometheus selects it"
    ]


def test_a_monitor_selecting_no_service_is_named() -> None:
    lost = monitor({}, {"app.kubernetes.io/component": "router"}, "router-sport")
    assert service_monitor_problems([prometheus({}, {}), lost, ENGINE]) == [
        "ServiceMonitor vllm/engines: selects no Service"
    ]


def test_a_monitor_naming_a_port_its_service_lacks_is_named() -> None:
    wrong_port = monitor({}, {"app.kubernetes.io/component": "serving-engine"}, "metrics")
    assert service_monitor_problems([prometheus({}, {}), wrong_port, ENGINE]) == [
        "ServiceMonitor vllm/engines: no selected Service has a port named 'metrics'"
    ]


def test_a_monitor_looks_for_services_in_its_own_namespace_by_default() -> None:
    elsewhere = monitor({}, {"app.kubernetes.io/component": "serving-engine"}, "service-port", namespace="monitoring")
    assert service_monitor_problems([prometheus({}, {}), elsewhere, ENGINE]) == [
        "ServiceMonitor monitoring/engines: selects no Service"
    ]


def scaled_object(query: str, *, address: str = PROMETHEUS_URL, target: str = "vllm-stack-m-deployment-vllm") -> Any:
    return {
        "kind": "ScaledObject",
        "metadata": {"name": "vllm-stack-m-scaledobject", "namespace": "vllm"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": target},
            "triggers": [
                {"type": "prometheus", "metadata": {"serverAddress": address, "query": query, "threshold": "5"}}
            ],
        },
    }


DEPLOYMENT = {"kind": "Deployment", "metadata": {"name": "vllm-stack-m-deployment-vllm", "namespace": "vllm"}}
ROUTER = service("vllm", ROUTER_SERVICE, {}, {"router-sport": 80})
SCALING_OBJECTS = [DEPLOYMENT, ENGINE, ROUTER, PROMETHEUS_SERVICE]


def test_a_scaled_object_on_the_engine_queue_passes() -> None:
    assert scaled_object_problems([*SCALING_OBJECTS, scaled_object(WAITING)]) == []


def test_a_scaled_object_whose_deployment_is_missing_is_named() -> None:
    problems = scaled_object_problems([*SCALING_OBJECTS, scaled_object(WAITING, target="other")])
    assert problems == ["ScaledObject vllm/vllm-stack-m-scaledobject: no Deployment vllm/other among the objects"]


def test_the_chart_default_server_address_resolves_to_no_service_of_the_stack() -> None:
    # vllm-stack's default: the operator's governing Service, which exists only at run time in namespace monitoring
    default = scaled_object(WAITING, address="http://prometheus-operated.monitoring.svc:9090")
    (problem,) = scaled_object_problems([*SCALING_OBJECTS, default])
    assert "serverAddress 'http://prometheus-operated.monitoring.svc:9090' is no Service" in problem


def test_a_server_address_with_the_wrong_port_is_named() -> None:
    wrong = scaled_object(WAITING, address="http://kube-prometheus-stack-prometheus.monitoring.svc:80")
    assert len(scaled_object_problems([*SCALING_OBJECTS, wrong])) == 1


def test_the_chart_default_query_filters_on_a_label_the_engines_do_not_set() -> None:
    default = 'vllm:num_requests_waiting{model="m"}'
    assert query_problems(default, namespace="vllm", services=SCALING_OBJECTS) == [
        f"{default!r}: vllm:num_requests_waiting (vLLM engine) has no label 'model'"
    ]


def test_the_wake_up_query_names_the_router_counter_and_its_model_label() -> None:
    assert query_problems(WAKE_UP, namespace="vllm", services=SCALING_OBJECTS) == []


def test_a_query_naming_an_unknown_metric_is_named() -> None:
    (problem,) = query_problems('sum(vllm:queue_length{namespace="vllm"})', namespace="vllm", services=[])
    assert "vllm:queue_length is not a metric the engines or router expose" in problem


def test_a_query_naming_a_service_the_stack_lacks_is_named() -> None:
    query = 'sum(vllm:num_requests_waiting{namespace="vllm",service="vllm-stack-gone-engine-service"})'
    assert query_problems(query, namespace="vllm", services=SCALING_OBJECTS) == [
        f"{query!r}: no Service vllm/vllm-stack-gone-engine-service among the objects"
    ]


def test_the_dcgm_exporter_monitor_exists_at_run_time_only_with_its_switch_on() -> None:
    policy_on = {"kind": "ClusterPolicy", "spec": {"dcgmExporter": {"serviceMonitor": {"enabled": True}}}}
    policy_off = {"kind": "ClusterPolicy", "spec": {"dcgmExporter": {"serviceMonitor": {"enabled": False}}}}
    kinds = [(o["kind"], o["metadata"]["name"]) for o in objects_created_at_run_time([policy_on])]
    assert ("ServiceMonitor", "nvidia-dcgm-exporter") in kinds
    assert not any(o["kind"] == "ServiceMonitor" for o in objects_created_at_run_time([policy_off]))
    assert service_monitor_problems([prometheus({}, {}), *objects_created_at_run_time([policy_on])]) == []


def test_monitors_inside_a_list_object_are_checked_too() -> None:
    lost = monitor({}, {"app.kubernetes.io/component": "router"}, "router-sport")
    problems = service_monitor_problems([prometheus({}, {}), {"kind": "List", "items": [lost]}, ENGINE])
    assert problems == ["ServiceMonitor vllm/engines: selects no Service"]
