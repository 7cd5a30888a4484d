"""The metrics and labels our KEDA queries name, with who exposes them and where that was read.

The queries (apps/vllm/install.py) select series by these names only, and a test checks each query
against this table, so a query cannot name a metric or label nobody exposes (KEDA reads an empty result as 0:
a model that silently never scales).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExposedMetric:
    name: str
    exposed_by: str
    labels: frozenset[str]  # the exposer's own labels
    source: str


ENGINE_WAITING = "vllm:num_requests_waiting"
ROUTER_INCOMING = "vllm:num_incoming_requests_total"

EXPOSED_METRICS: dict[str, ExposedMetric] = {
    ENGINE_WAITING: ExposedMetric(
        ENGINE_WAITING,
        exposed_by="vLLM engine",
        labels=frozenset({"model_name", "engine"}),
        # gauge of the V1 engine's Prometheus logger, per engine; read in vllm-project/vllm vllm/v1/metrics/loggers.py
        # (code index, main branch of 2026); the served engine is vllm/vllm-openai:v0.33.0 (catalogue/charts.py)
        source="vllm-project/vllm vllm/v1/metrics/loggers.py, PrometheusStatLogger (vLLM >= 0.8 V1 engine)",
    ),
    ROUTER_INCOMING: ExposedMetric(
        ROUTER_INCOMING,
        exposed_by="vllm-stack router",
        # a Counter `vllm:num_incoming_requests` with label `model`, exposed with the `_total` suffix; it counts
        # requests "including when no backends available" (what wakes a model scaled to zero)
        labels=frozenset({"model"}),
        source="vllm-project/production-stack src/vllm_router/services/metrics_service/__init__.py @ a6c01db0 "
        "(router image lmcache/lmstack-router:v0.1.12)",
    ),
}

# Labels Prometheus adds to every series it scrapes through a ServiceMonitor (prometheus-operator's relabelling of
# the endpoints it discovers: the target's namespace, Service, pod, container, endpoint port, job).
TARGET_LABELS = frozenset({"namespace", "service", "pod", "container", "endpoint", "job", "instance"})
