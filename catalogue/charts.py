"""Chart pins: the one place to bump a Helm chart (renovate.json finds the versions here).

Every `ChartPin` of this module is fetched by `make charts` (tools/fetch_charts.py) and rendered by the tests; a
new chart is one more `ChartPin` here. `digest` is the SHA-256 of the chart archive: the one in
../shared/charts/ (its README says where each came from); for the charts marked "built" that archive was
packaged from the release tag, so a `helm pull` of the published file reports a mismatch until
`make charts-digest` re-pins it from a reachable repository.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ChartPin:
    release: str
    chart: str
    repository: str
    version: str
    digest: str  # sha256 of <chart>-<version>.tgz; renovate's bump reruns `make charts-digest` (renovate.json)
    namespace: str
    timeout_seconds: int

    @property
    def archive_name(self) -> str:
        """The file `helm pull` writes, and the name the archive has in ../shared/charts/."""
        return f"{self.chart}-{self.version}.tgz"


GPU_OPERATOR = ChartPin(
    release="gpu-operator",
    chart="gpu-operator",
    repository="https://helm.ngc.nvidia.com/nvidia",
    version="v26.7.0",
    digest="bf6b04c16ff7cbc05720ea4b94187217316f9d869d445cfbde4fe0dffabe2557",
    namespace="gpu-operator",
    timeout_seconds=900,  # NFD + validator daemonsets on fresh GPU nodes take minutes
)

VLLM_STACK = ChartPin(
    release="vllm-stack",
    chart="vllm-stack",
    repository="https://vllm-project.github.io/production-stack",
    version="0.1.12",
    digest="a33248ff71c12b600774ec084c1d68e2a632d00132fc0f8b6cad4b52ca9eb0d3",
    namespace="vllm",
    timeout_seconds=600,
)
# The chart defaults the router image to "latest" with pull policy Always; pin the tag published with it.
VLLM_ROUTER_IMAGE_TAG = "v0.1.12"
# The default serving engine of `apps.vllm.models`: vLLM's own image, tagged v<release>. v0.33.0 is the newest
# stable vLLM release (`pip index versions vllm`, 2026-11-27); renovate.json tracks it on Docker Hub.
VLLM_ENGINE_IMAGE = "vllm/vllm-openai:v0.33.0"
# With models the release waits for engines: image pull (~10 GB), weight download and load (tutorials use 1200).
VLLM_ENGINE_TIMEOUT_SECONDS = 1800

NVIDIA_DEVICE_PLUGIN = ChartPin(
    release="nvidia-device-plugin",
    chart="nvidia-device-plugin",
    repository="https://nvidia.github.io/k8s-device-plugin",
    version="0.18.2",
    digest="b9ad1bcae78149a93c4be1e02c53245133c17a13bd6ecd3c9b355c6edb304bdb",
    namespace="nvidia-device-plugin",
    timeout_seconds=300,
)

CROSSPLANE = ChartPin(
    release="crossplane",
    chart="crossplane",
    repository="https://charts.crossplane.io/stable",
    version="2.3.4",
    digest="63f4c822797f6a8f0b763308451afc1ec7497cf954cb74e47a8a77437155361d",  # built, not the published file
    namespace="crossplane-system",
    # Its init container applies the CRDs without waiting for them (crossplane#5828); the core pod restarts
    # until they are established, which takes a few minutes on a fresh cluster.
    timeout_seconds=600,
)

ARGO_CD = ChartPin(
    release="argo-cd",
    chart="argo-cd",
    repository="https://argoproj.github.io/argo-helm",
    version="10.1.1",
    digest="556464ee08dc48dd80e6fdf415b6f2e5a5aaba49f30a5649693f05e3e16f4b26",  # built, not the published file
    namespace="argocd",
    # A pre-install hook Job (redis-secret-init) runs first, then seven workloads pull their images.
    timeout_seconds=600,
)

TRAEFIK = ChartPin(
    release="traefik",
    chart="traefik",
    repository="https://traefik.github.io/charts",
    version="41.3.0",
    digest="2015f6a17e371f97f4cc9007e94f91201fd3209417b758d317a6cddfa0761ba5",  # built, not the published file
    namespace="traefik",
    # Helm waits for the LoadBalancer Service's address: a cloud load balancer takes minutes to provision.
    timeout_seconds=900,
)

DAPR = ChartPin(
    release="dapr",
    chart="dapr",
    repository="https://dapr.github.io/helm-charts/",
    version="1.18.3",
    digest="ace724ac2f5911df9932424fb7664304c28aa5b43714a2324d2b3dc6900d355d",
    namespace="dapr-system",
    # Three scheduler replicas (an etcd quorum) each wait for a new volume to be provisioned and attached.
    timeout_seconds=900,
)

EXTERNAL_SECRETS = ChartPin(
    release="external-secrets",
    chart="external-secrets",
    repository="https://charts.external-secrets.io",
    version="2.9.0",
    digest="f879b7aba1a8bb707352a20527007230677f88283bdf174be18e7b3da58dd002",  # built, not the published file
    namespace="external-secrets",
    # Three deployments; the cert-controller turns ready only once the webhook serves with its CA injected.
    # Installs have overrun 5 minutes (department-of-veterans-affairs/va.gov-team#110314 needed 7).
    timeout_seconds=600,
)

KUBE_PROMETHEUS_STACK = ChartPin(
    release="kube-prometheus-stack",
    chart="kube-prometheus-stack",
    repository="https://prometheus-community.github.io/helm-charts",
    version="88.5.3",
    digest="8ee1b6bc8cd9cf3b61211e2d2e9ba6b2eac0815ec55022f3ccb1e9d53226ae71",  # built, not the published file
    namespace="monitoring",
    # Its CRDs, the operator, then Prometheus waits for its volume to be provisioned and attached.
    timeout_seconds=900,
)
# Where the release's node exporter runs (its subchart's namespaceOverride): it needs the host's network, PIDs and
# file system, which only a privileged namespace admits, so it leaves `monitoring` to a stricter level.
NODE_EXPORTER_NAMESPACE = "monitoring-node"

KEDA = ChartPin(
    release="keda",
    chart="keda",
    repository="https://kedacore.github.io/charts",
    version="2.20.2",
    digest="db60b1fa60f0565fefa4ce2f87e855b6a8854363ee82962fbe28a12a70d64c4c",
    namespace="keda",
    # Three deployments (operator, metrics API server, admission webhooks) with small images.
    timeout_seconds=600,
)

CLUSTER_AUTOSCALER = ChartPin(
    release="cluster-autoscaler",
    chart="cluster-autoscaler",
    repository="https://kubernetes.github.io/autoscaler",
    version="9.59.0",
    digest="4630211e5d459045a6811a7be0f8b00091b829464554eb88f97322a78cc26715",  # built, not the published file
    namespace="kube-system",  # its priority class, system-cluster-critical, is admitted there without a quota
    timeout_seconds=300,  # one small Deployment; no CRDs, no hooks
)

# --- The inference gateway (`apps.vllm.routing: gateway`; research/gateway.md). OCI repositories: the Helm provider
# and `make charts` pull `oci://<repository>/<chart>`.

# agentgateway's CRDs (AgentgatewayParameters and its policies, as templates) and its control plane, which runs the
# proxy of every Gateway of class `agentgateway` (EKS and AKS). v1.4.1 builds against Gateway API v1.6.1 and GAIE
# v1.5.0 (agentgateway go.mod at v1.4.1).
AGENTGATEWAY_CRDS = ChartPin(
    release="agentgateway-crds",
    chart="agentgateway-crds",
    repository="oci://cr.agentgateway.dev/charts",
    version="v1.4.1",
    digest="610713cf26034eee2c254a764c1089db531a4cf2254c632811adc83a0a2e2243",  # built, not the published file
    namespace="agentgateway-system",
    timeout_seconds=300,
)
AGENTGATEWAY = ChartPin(
    release="agentgateway",
    chart="agentgateway",
    repository="oci://cr.agentgateway.dev/charts",
    version="v1.4.1",
    digest="68e300bf4edaec308c6cc88804b49838c67b34cf8b7e540c510e5447fbd4261e",  # built, not the published file
    namespace="agentgateway-system",
    timeout_seconds=300,
)
# One release per model: its InferencePool, endpoint picker (EPP) and HTTPRoute. The release name is the pool's.
LLM_D_ROUTER_GATEWAY = ChartPin(
    release="llm-d-router",  # a prefix: each model's release is `<this>-<model name>` (apps/inference_pools)
    chart="llm-d-router-gateway",
    repository="oci://ghcr.io/llm-d/charts",
    version="v0.10.0",
    digest="df0b06be4a56e1c6ba977ddf571874bcad84caefe7836d00b76705baf89714de",  # built, not the published file
    namespace="vllm",  # beside the engines its pool selects
    timeout_seconds=300,
)
