"""Traefik into traefik: the ingress controller behind the cloud's load balancer."""

from __future__ import annotations

from apps.declaration import RENDERED, AppDeclaration, Footprint, PodSecurityLevel, deployment
from catalogue.charts import TRAEFIK
from spec.environment import Environment


class Traefik(AppDeclaration):
    construct_id = "traefik"
    pin = TRAEFIK
    footprint = Footprint(TRAEFIK.version, (deployment(""),), RENDERED)
    pod_security = PodSecurityLevel.RESTRICTED

    def enabled(self, environment: Environment) -> bool:
        return environment.apps.traefik.enabled


DECLARATION = Traefik()
