"""The Gateway API and InferencePool CRDs of `apps.vllm.routing: gateway` on EKS and AKS (catalogue/gateway.py
CRD_BUNDLES): plain YAML release assets, not charts, applied at deploy before anything creates their kinds.

GKE's managed Gateway installs the same CRDs itself (the cluster's gateway_api_config), so there it is not installed.
No chart and no namespace: the CRDs and the Gateway API's admission policy are cluster-scoped, and nothing runs.
"""

from __future__ import annotations

from apps.declaration import GATEWAY_CRDS, AppDeclaration, Capability, Footprint
from catalogue.node_sizes import Cloud
from spec.environment import Environment

# The clouds whose clusters bring neither these CRDs nor a Gateway controller: there the apps stack installs both
# (this app, then apps/agentgateway).
INSTALLED_ON = frozenset({Cloud.AWS, Cloud.AZURE})


def installed(environment: Environment) -> bool:
    """Gateway mode on a cloud whose cluster brings no Gateway of its own."""
    vllm = environment.apps.vllm
    return vllm.enabled and vllm.routing == "gateway" and environment.cloud in INSTALLED_ON


class GatewayCrds(AppDeclaration):
    construct_id = "gateway-crds"
    pin = None
    footprint = Footprint("", (), "applies CRDs and an admission policy: no pods")
    pod_security = None  # installs into no namespace

    def enabled(self, environment: Environment) -> bool:
        return installed(environment)

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return (GATEWAY_CRDS,)


DECLARATION = GatewayCrds()
