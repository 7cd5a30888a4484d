"""Dapr into dapr-system; its scheduler keeps state on volumes of the default StorageClass."""

from __future__ import annotations

from apps.declaration import (
    DEFAULT_STORAGE,
    RENDERED,
    AppDeclaration,
    Capability,
    Footprint,
    PodSecurityLevel,
    deployment,
)
from catalogue.charts import DAPR
from spec.environment import Environment


class Dapr(AppDeclaration):
    construct_id = "dapr"
    pin = DAPR
    footprint = Footprint(
        DAPR.version,
        (
            deployment("operator"),
            deployment("sentry"),
            deployment("sidecar-injector"),
            deployment("placement-server", kind="StatefulSet"),
            deployment("scheduler-server", replicas=3, kind="StatefulSet"),
        ),
        RENDERED,
    )
    pod_security = PodSecurityLevel.RESTRICTED  # with global.seccompProfile (install.py)

    def enabled(self, environment: Environment) -> bool:
        return environment.apps.dapr.enabled

    def needs(self, environment: Environment) -> tuple[Capability, ...]:
        return (DEFAULT_STORAGE,)  # the scheduler's volumes


DECLARATION = Dapr()
