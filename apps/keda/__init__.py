"""KEDA into keda: scales each autoscaled model's engines on its queue (the ScaledObjects ride in vllm-stack).

No switch of its own: installed exactly when a model of `apps.vllm.models` has `autoscaling`.
"""

from __future__ import annotations

from apps.declaration import (
    PROMETHEUS,
    RENDERED,
    SCALED_OBJECTS,
    AppDeclaration,
    Capability,
    Footprint,
    PodSecurityLevel,
    deployment,
)
from catalogue.charts import KEDA
from spec.environment import Environment


def autoscaled(environment: Environment) -> bool:
    vllm = environment.apps.vllm
    return vllm.enabled and any(model.autoscaling is not None for model in vllm.models)


class Keda(AppDeclaration):
    construct_id = "keda"
    pin = KEDA
    # KEDA's own defaults (values.yaml resources.operator, .metricServer, .webhooks)
    footprint = Footprint(
        KEDA.version,
        (
            deployment("operator", 100, 100),
            deployment("operator-metrics-apiserver", 100, 100),
            deployment("admission-webhooks", 100, 100),
        ),
        RENDERED,
    )
    pod_security = PodSecurityLevel.RESTRICTED

    def enabled(self, environment: Environment) -> bool:
        return autoscaled(environment)

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return (SCALED_OBJECTS,)

    def needs(self, environment: Environment) -> tuple[Capability, ...]:
        return (PROMETHEUS,)  # its chart renders a ServiceMonitor; the loader requires monitoring with autoscaling


DECLARATION = Keda()
