"""Checks over rendered Kubernetes objects (dicts, as `helm template` prints them): what Prometheus scrapes, and
whether each ScaledObject can scale. Plain functions returning problems, so any render harness can call them.

Selection follows prometheus-operator's rules: an empty selector (`{}`) selects everything, an absent one
nothing; an absent namespace selector on a Prometheus means its own namespace only, on a ServiceMonitor the
monitor's own namespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

from apps.vllm.metrics import EXPOSED_METRICS, TARGET_LABELS
from catalogue.charts import GPU_OPERATOR

Object = Mapping[str, Any]
GPU_OPERATOR_NAMESPACE = GPU_OPERATOR.namespace  # a ClusterPolicy is cluster-scoped; the operator fills its own

# A PromQL vector selector: metric{label="value",...} (our queries always name a metric and its labels).
SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\{([^}]*)\}")
MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"\s*')


def expanded(objects: Iterable[Object]) -> list[Object]:
    """The objects with every `kind: List` replaced by its items (kube-prometheus-stack renders its
    additionalServiceMonitors as one List)."""
    flat: list[Object] = []
    for item in objects:
        flat += expanded(item.get("items") or []) if item.get("kind") == "List" else [item]
    return flat


def of_kind(objects: Iterable[Object], kind: str) -> list[Object]:
    return [item for item in expanded(objects) if item.get("kind") == kind]


def namespace_of(item: Object) -> str:
    return str(item.get("metadata", {}).get("namespace", ""))


def name_of(item: Object) -> str:
    return str(item.get("metadata", {}).get("name", ""))


def labels_of(item: Object) -> Mapping[str, str]:
    return item.get("metadata", {}).get("labels") or {}


def requirement_holds(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
    value = labels.get(key)
    return {
        "In": value in values,
        "NotIn": value not in values,
        "Exists": key in labels,
        "DoesNotExist": key not in labels,
    }[operator]


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A Kubernetes label selector: None selects nothing, {} everything."""
    if selector is None:
        return False
    matched = all(labels.get(key) == value for key, value in (selector.get("matchLabels") or {}).items())
    return matched and all(requirement_holds(e, labels) for e in selector.get("matchExpressions") or [])


def watched_namespace(prometheus: Object, namespace: str, namespace_labels: Mapping[str, Mapping[str, str]]) -> bool:
    selector = prometheus.get("spec", {}).get("serviceMonitorNamespaceSelector")
    if selector is None:
        return namespace == namespace_of(prometheus)
    labels = {"kubernetes.io/metadata.name": namespace, **namespace_labels.get(namespace, {})}
    return selects(selector, labels)


def monitor_namespaces(monitor: Object) -> tuple[bool, set[str]]:
    """(any namespace, the named ones) a ServiceMonitor looks for Services in."""
    selector = monitor.get("spec", {}).get("namespaceSelector") or {}
    if selector.get("any"):
        return True, set()
    return False, set(selector.get("matchNames") or [namespace_of(monitor)])


def service_monitor_problems(
    objects: Sequence[Object], *, namespace_labels: Mapping[str, Mapping[str, str]] | None = None
) -> list[str]:
    """Every ServiceMonitor must be selected by a Prometheus of the objects and select a Service with its port."""
    prometheuses = of_kind(objects, "Prometheus")
    services = of_kind(objects, "Service")
    problems = []
    if not prometheuses:
        return ["no Prometheus among the objects"]
    for monitor in of_kind(objects, "ServiceMonitor"):
        where = f"ServiceMonitor {namespace_of(monitor)}/{name_of(monitor)}"
        scraped = any(
            selects(prometheus.get("spec", {}).get("serviceMonitorSelector"), labels_of(monitor))
            and watched_namespace(prometheus, namespace_of(monitor), namespace_labels or {})
            for prometheus in prometheuses
        )
        if not scraped:
            problems.append(f"{where}: no Prometheus selects it")
        any_namespace, namespaces = monitor_namespaces(monitor)
        targets = [
            service
            for service in services
            if (any_namespace or namespace_of(service) in namespaces)
            and selects(monitor.get("spec", {}).get("selector", {}), labels_of(service))
        ]
        if not targets:
            problems.append(f"{where}: selects no Service")
            continue
        for endpoint in monitor.get("spec", {}).get("endpoints") or []:
            port = endpoint.get("port")
            if not any(port in {p.get("name") for p in s.get("spec", {}).get("ports") or []} for s in targets):
                problems.append(f"{where}: no selected Service has a port named {port!r}")
    return problems


def resolves_to_service(address: str, services: Sequence[Object]) -> bool:
    """http://<service>.<namespace>.svc[.cluster.local]:<port> names a Service of the objects with that port."""
    parsed = urlparse(address)
    parts = (parsed.hostname or "").split(".")
    if len(parts) < 3 or parts[2] != "svc" or parsed.port is None:
        return False
    service, namespace = parts[0], parts[1]
    return any(
        name_of(item) == service
        and namespace_of(item) == namespace
        and parsed.port in {port.get("port") for port in item.get("spec", {}).get("ports") or []}
        for item in services
    )


def query_problems(query: str, *, namespace: str, services: Sequence[Object]) -> list[str]:
    """The query names only metrics the engine or router exposes, filtered by labels they (or Prometheus) set."""
    selectors = SELECTOR.findall(query)
    if not selectors:
        return [f"{query!r}: names no metric with label matchers"]
    problems = []
    for metric, matchers in selectors:
        exposed = EXPOSED_METRICS.get(metric)
        if exposed is None:
            problems.append(f"{query!r}: {metric} is not a metric the engines or router expose (apps/vllm/metrics.py)")
            continue
        for label, _, value in MATCHER.findall(matchers):
            if label not in exposed.labels | TARGET_LABELS:
                problems.append(f"{query!r}: {metric} ({exposed.exposed_by}) has no label {label!r}")
            if label == "namespace" and value != namespace:
                problems.append(f"{query!r}: namespace {value!r} is not the ScaledObject's ({namespace!r})")
            if label == "service" and not any(name_of(s) == value and namespace_of(s) == namespace for s in services):
                problems.append(f"{query!r}: no Service {namespace}/{value} among the objects")
    return problems


def scaled_object_problems(objects: Sequence[Object]) -> list[str]:
    """Every ScaledObject targets a Deployment of the objects and queries a Prometheus Service of the objects."""
    services = of_kind(objects, "Service")
    problems = []
    for scaled in of_kind(objects, "ScaledObject"):
        namespace = namespace_of(scaled)
        where = f"ScaledObject {namespace}/{name_of(scaled)}"
        spec = scaled.get("spec", {})
        target = spec.get("scaleTargetRef", {})
        kind = target.get("kind", "Deployment")
        if not any(name_of(o) == target.get("name") and namespace_of(o) == namespace for o in of_kind(objects, kind)):
            problems.append(f"{where}: no {kind} {namespace}/{target.get('name')} among the objects")
        triggers = spec.get("triggers") or []
        if not triggers:
            problems.append(f"{where}: no trigger")
        for trigger in triggers:
            metadata = trigger.get("metadata", {})
            if trigger.get("type") != "prometheus":
                continue
            address = str(metadata.get("serverAddress", ""))
            if not resolves_to_service(address, services):
                problems.append(f"{where}: serverAddress {address!r} is no Service (and port) among the objects")
            problems += [
                f"{where}: {p}"
                for p in query_problems(str(metadata.get("query", "")), namespace=namespace, services=services)
            ]
    return problems


# --- objects no chart renders, which the checks must know exist ------------------------------------------------


def service(namespace: str, name: str, labels: Mapping[str, str], ports: Mapping[str, int]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {"ports": [{"name": port, "port": number} for port, number in ports.items()]},
    }


def objects_created_at_run_time(objects: Sequence[Object]) -> list[dict[str, Any]]:
    """What exists once the cluster and its operators run, though `helm template` never prints it."""
    created = [
        # The API server's Service, in every cluster (kubernetes.io/docs/concepts/security/controlling-access).
        service("default", "kubernetes", {"component": "apiserver", "provider": "kubernetes"}, {"https": 443}),
    ]
    for deployment in of_kind(objects, "Deployment"):
        for container in deployment.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            for argument in container.get("args") or []:
                if argument.startswith("--kubelet-service="):
                    # prometheus-operator keeps this Service's endpoints on the nodes' kubelets (its --kubelet-service
                    # flag; labels and ports from prometheus-operator pkg/kubelet/controller.go)
                    namespace, name = argument.split("=", 1)[1].split("/")
                    labels = {"app.kubernetes.io/name": "kubelet", "k8s-app": "kubelet"}
                    ports = {"https-metrics": 10250, "http-metrics": 10255, "cadvisor": 4194}
                    created.append(service(namespace, name, labels, ports))
    for policy in of_kind(objects, "ClusterPolicy"):
        exporter = policy.get("spec", {}).get("dcgmExporter", {})
        if exporter.get("enabled", True) and exporter.get("serviceMonitor", {}).get("enabled"):
            # The GPU Operator's DCGM exporter state, in the operator's namespace (NVIDIA/gpu-operator
            # assets/state-dcgm-exporter/0400_service.yaml and 0500_service_monitor.yaml)
            namespace = GPU_OPERATOR_NAMESPACE
            created.append(
                service(namespace, "nvidia-dcgm-exporter", {"app": "nvidia-dcgm-exporter"}, {"gpu-metrics": 9400})
            )
            created.append(
                {
                    "apiVersion": "monitoring.coreos.com/v1",
                    "kind": "ServiceMonitor",
                    "metadata": {
                        "name": "nvidia-dcgm-exporter",
                        "namespace": namespace,
                        "labels": {"app": "nvidia-dcgm-exporter"},
                    },
                    "spec": {
                        "endpoints": [{"port": "gpu-metrics", "path": "/metrics"}],
                        "namespaceSelector": {"matchNames": [namespace]},
                        "selector": {"matchLabels": {"app": "nvidia-dcgm-exporter"}},
                    },
                }
            )
    return created
