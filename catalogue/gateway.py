"""The inference gateway's fixed facts: the CRD bundles it applies (plain YAML release assets, not charts), the
Gateway every model's HTTPRoute attaches to, and each cloud's Gateway class. Sources: research/gateway.md."""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.node_sizes import Cloud


@dataclass(frozen=True)
class CrdBundle:
    """CRDs published as one YAML release asset. Applied server-side at deploy (HTTPRoute's CRD is ~242 KB, near
    client-side apply's 256 KiB annotation limit). The deploy checks what it reads by content: every CRD in `crds`
    present and every `bundle-version` annotation equal to `version` (apps/gateway_crds/install.py). `sha256` is of
    the file the tests render from (../shared/charts/), built from the release tag: the published asset's digest could
    not be read here, and a byte check against an unverified digest could stop a correct first deploy."""

    name: str
    version: str
    url: str
    sha256: str
    kinds: tuple[str, ...]  # the documents applied; the others of the file are left out
    crds: tuple[str, ...]  # the CRDs the stack relies on (metadata.name), checked present in what the deploy reads
    names: tuple[str, ...] = ()  # if set, of those kinds only the documents so named (metadata.name)

    @property
    def file_name(self) -> str:
        return f"{self.name}-{self.version}.yaml"


GATEWAY_API = CrdBundle(
    name="gateway-api-standard",
    version="v1.6.1",
    url="https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml",
    sha256="24d931f22abd8e40c973264319ead7cfa09d0fb7716b7ab1ee2ff174cb063a73",
    kinds=("CustomResourceDefinition", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"),
    crds=tuple(
        f"{plural}.gateway.networking.k8s.io"
        for plural in (
            "backendtlspolicies",
            "gatewayclasses",
            "gateways",
            "grpcroutes",
            "httproutes",
            "listenersets",
            "referencegrants",
            "tcproutes",
            "tlsroutes",
            "udproutes",
        )
    ),
)
INFERENCE_POOL_CRD = "inferencepools.inference.networking.k8s.io"
# Only InferencePool (inference.networking.k8s.io/v1) is used: the legacy x-k8s.io kinds of the file are left out,
# as llm-d's own install applies the InferencePool document alone (`v1-manifests.yaml`).
INFERENCE_EXTENSION = CrdBundle(
    name="gateway-api-inference-extension-crds",
    version="v1.5.0",
    url="https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/v1.5.0/manifests.yaml",
    sha256="3ddbd0f2ac232736a4571b840b6521d591bae61959d32597da2da2f2809956f4",
    kinds=("CustomResourceDefinition",),
    crds=(INFERENCE_POOL_CRD,),
    names=(INFERENCE_POOL_CRD,),
)
# What apps/gateway_crds applies on EKS and AKS (GKE's managed Gateway installs both itself).
CRD_BUNDLES = (GATEWAY_API, INFERENCE_EXTENSION)

# The one Gateway every model's HTTPRoute attaches to.
GATEWAY_NAME = "inference-gateway"
GATEWAY_NAMESPACE = "vllm"
GATEWAY_PORT = 80

# GKE's managed classes, regional (llm-d guides/prereq/gateways/gke.md); agentgateway's controller creates its own
# GatewayClass at start (agentgateway controller/pkg/controller/gatewayclass.go).
GATEWAY_CLASSES: dict[Cloud, dict[str, str]] = {
    Cloud.GOOGLE: {"internal": "gke-l7-rilb", "public": "gke-l7-regional-external-managed"},
    Cloud.AWS: {"internal": "agentgateway", "public": "agentgateway"},
    Cloud.AZURE: {"internal": "agentgateway", "public": "agentgateway"},
}
# GKE installs the Gateway API and InferencePool CRDs itself (gateway_api_config, CHANNEL_STANDARD) from this
# version; the product's GKE minimums are above it (catalogue/kubernetes_versions.py).
GKE_INFERENCE_POOL_SINCE = "1.34.0-gke.1626000"

# GKE's regional managed proxies (both classes above) run in a proxy-only subnet of the cluster's region and VPC
# (purpose REGIONAL_MANAGED_PROXY) and reach the engines and endpoint pickers from its addresses; /23 is Google's
# recommended size. Clear of the nodes, pods, services and control-plane ranges of constructs/google/composition.py.
GKE_PROXY_ONLY_CIDR = "10.12.0.0/23"
# Where Google's load-balancer health checks come from (cloud.google.com/load-balancing/docs/health-check-concepts).
GOOGLE_HEALTH_CHECK_CIDRS = ("35.191.0.0/16", "130.211.0.0/22")
