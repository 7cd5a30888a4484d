"""agentgateway into agentgateway-system: the Gateway controller of `apps.vllm.routing: gateway` on EKS and AKS.

Two releases: its CRDs (AgentgatewayParameters and its policies), then its control plane with the Gateway API
Inference Extension on. At start the controller creates the GatewayClass `agentgateway`; for each Gateway of that
class it deploys a proxy and a LoadBalancer Service in the Gateway's namespace (research/gateway.md §3).
"""

from __future__ import annotations

from apps.declaration import (
    GATEWAY_CONTROLLER,
    GATEWAY_CRDS,
    RENDERED,
    AppDeclaration,
    Capability,
    Footprint,
    PodSecurityLevel,
    deployment,
)
from apps.gateway_crds import installed
from catalogue.charts import AGENTGATEWAY, AGENTGATEWAY_CRDS, ChartPin
from catalogue.gateway import GATEWAY_NAME
from spec.environment import Environment

# What the controller gives the proxy of each Gateway when no AgentgatewayParameters says otherwise
# (agentgateway@v1.4.1 controller/pkg/deployer/agentgateway_parameters.go, defaultResourceRequests).
PROXY_CPU_M = 100
PROXY_MEMORY_MI = 128


class Agentgateway(AppDeclaration):
    construct_id = "agentgateway"
    pin = AGENTGATEWAY
    footprint = Footprint(
        AGENTGATEWAY.version,
        (
            deployment("", 100, 128),  # the controller: the chart's own requests (values.yaml `resources`)
            # The proxy of the one Gateway (catalogue/gateway.py), named after it; the controller makes it at run time.
            deployment(GATEWAY_NAME, PROXY_CPU_M, PROXY_MEMORY_MI),
        ),
        RENDERED,
    )
    # The controller with the pod security context of install.py. The proxies run in the Gateway's namespace, whose
    # level is that namespace's app's (tests/data/pod_security_run_time_pods.yaml).
    pod_security = PodSecurityLevel.RESTRICTED

    @property
    def pins(self) -> tuple[ChartPin, ...]:
        return (AGENTGATEWAY_CRDS, AGENTGATEWAY)  # the CRDs first: the controller watches their kinds at start

    def enabled(self, environment: Environment) -> bool:
        return installed(environment)

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return (GATEWAY_CONTROLLER,)

    def needs(self, environment: Environment) -> tuple[Capability, ...]:
        return (GATEWAY_CRDS,)  # it watches Gateways, HTTPRoutes and InferencePools from the start


DECLARATION = Agentgateway()
