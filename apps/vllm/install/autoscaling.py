"""Queue-driven scaling of a model's engines: KEDA's Prometheus triggers on the engines' queue, and the router's
count of incoming requests that wakes a model scaled to zero."""

from __future__ import annotations

from typing import Literal

from apps.monitoring import PROMETHEUS_URL
from apps.vllm.metrics import ENGINE_WAITING, ROUTER_INCOMING
from constructs.helm.values import HelmValues
from spec.apps import AutoscalingSpec

# How often KEDA queries Prometheus for each model (the chart's example value); the engines are scraped every 30 s.
KEDA_POLLING_SECONDS = 15
# The window the wake-up query looks back over: longer than two scrapes, so one request is seen.
WAKE_UP_WINDOW = "2m"


def waiting_requests_query(namespace: str, engine_service: str) -> str:
    """Requests queued in this model's engines, summed over its replicas: one number, 0 when none runs.

    Selected by the Service Prometheus scraped them through (the chart's default query filters on `model`, a label
    the engines do not set); the router's own copy of the metric comes through another Service and is left out."""
    return f'sum({ENGINE_WAITING}{{namespace="{namespace}",service="{engine_service}"}})'


def incoming_requests_query(namespace: str, router_service: str, served_model: str) -> str:
    """1 while the router has received requests for this model lately (even with no engine to send them to)."""
    selector = f'namespace="{namespace}",service="{router_service}",model="{served_model}"'
    return f"max(rate({ROUTER_INCOMING}{{{selector}}}[{WAKE_UP_WINDOW}]) > bool 0)"


class PrometheusTriggerMetadata(HelmValues):
    server_address: str = PROMETHEUS_URL
    query: str
    threshold: str  # KEDA takes it as text


class KedaTrigger(HelmValues):
    type: str = "prometheus"
    # AverageValue: KEDA divides the query's value by the replica count, so the threshold is per replica.
    metric_type: Literal["AverageValue", "Value"] = "AverageValue"
    metadata: PrometheusTriggerMetadata


class ScaleDownBehavior(HelmValues):
    stabilization_window_seconds: int


class HpaBehavior(HelmValues):
    scale_down: ScaleDownBehavior


class HpaConfig(HelmValues):
    behavior: HpaBehavior


class KedaAdvanced(HelmValues):
    horizontal_pod_autoscaler_config: HpaConfig


class ModelKedaValues(HelmValues):
    """`modelSpec[].keda`: the chart renders a ScaledObject on the model's Deployment and omits its replicas."""

    enabled: bool = True
    min_replica_count: int
    max_replica_count: int
    polling_interval: int = KEDA_POLLING_SECONDS
    cooldown_period: int  # KEDA waits this long after the last active trigger before scaling to zero
    # ...and the HPA this long before removing a replica above the minimum
    advanced: KedaAdvanced
    triggers: list[KedaTrigger]

    @classmethod
    def for_model(
        cls, autoscaling: AutoscalingSpec, *, namespace: str, engine_service: str, router_service: str, served: str
    ) -> ModelKedaValues:
        triggers = [
            KedaTrigger(
                metadata=PrometheusTriggerMetadata(
                    query=waiting_requests_query(namespace, engine_service),
                    threshold=str(autoscaling.target_waiting_requests),
                )
            )
        ]
        if autoscaling.min_replicas == 0:
            # At zero no engine reports a queue: the router's count of incoming requests wakes the model.
            triggers.append(
                KedaTrigger(
                    metadata=PrometheusTriggerMetadata(
                        query=incoming_requests_query(namespace, router_service, served), threshold="1"
                    )
                )
            )
        seconds = autoscaling.scale_down_after_seconds
        return cls(
            min_replica_count=autoscaling.min_replicas,
            max_replica_count=autoscaling.max_replicas,
            cooldown_period=seconds,
            advanced=KedaAdvanced(
                horizontal_pod_autoscaler_config=HpaConfig(
                    behavior=HpaBehavior(scale_down=ScaleDownBehavior(stabilization_window_seconds=seconds))
                )
            ),
            triggers=triggers,
        )
