"""Every connection the vllm namespace needs, as data: apps/vllm/install/network_policies.py turns them into
NetworkPolicies, and a connection not listed here is dropped (default deny, both ways).

Pods are selected by the labels vllm-stack 0.1.12 renders on them (templates/_helpers.tpl: `chart.routerStandardLabels`
on the router, lines 281-287; `chart.engineCommonLabels` on every engine, lines 261-266, included by
templates/deployment-vllm-multi.yaml line 53). tests/rendered/test_vllm_flows.py checks these flows against what Helm
renders for every shipped stack.

With `apps.vllm.routing: gateway` there is no router: the Gateway's proxies (agentgateway's pods beside the Gateway on
EKS and AKS, GKE's managed proxies in the proxy-only subnet) ask each model's endpoint picker (EPP) for an engine and
send the request there; tests/rendered/test_inference_routes.py checks those flows.

Who is not here, and why:
- clients are any pod of the cluster: the router is a ClusterIP Service with no API key, meant for in-cluster apps in
  whatever namespace (and traefik's, where one routes to it). `kubectl port-forward` (the `vllm_port_forward_command`
  output) needs no rule: the kubelet's runtime dials the port on localhost inside the pod's own network namespace
  (containerd internal/cri/server/sandbox_portforward_linux.go), which no NetworkPolicy sees.
- KEDA (namespace keda) asks Prometheus (namespace monitoring) for the queues and scales the Deployments through the
  API server: it never connects into vllm.
- NFS (2049): the model cache's file share (EFS, Azure Files) is mounted by the node's CSI plugin, in the host
  network (the EFS CSI node DaemonSet runs with hostNetwork: true, kubernetes-sigs/aws-efs-csi-driver
  charts/aws-efs-csi-driver/templates/node-daemonset.yaml), not by the pod, so no pod needs a rule for it. GKE's
  Cloud Storage FUSE is the exception that is here: its sidecar runs in the pod and reads the bucket over HTTPS with
  the pod's Workload Identity (gcs-fuse-csi-driver docs/design-snippets.md).
- the engines' ZMQ (55555) and UCX (9999) ports and the router's LMCache port (9000) serve KV-cache transfer, which
  no engine here is configured for: nothing may reach them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from apps.vllm.cache import DOWNLOAD_LABEL, cache_enabled
from apps.vllm.weights import streamed_models
from catalogue.charts import AGENTGATEWAY, KUBE_PROMETHEUS_STACK, VLLM_STACK
from catalogue.gateway import GATEWAY_NAME, GATEWAY_PORT, GKE_PROXY_ONLY_CIDR, GOOGLE_HEALTH_CHECK_CIDRS
from catalogue.node_sizes import Cloud
from spec.environment import Environment

Protocol = Literal["TCP", "UDP"]

NAMESPACE = VLLM_STACK.namespace
# vllm-stack 0.1.12: the engines' `container-port` (templates/_helpers.tpl line 5, values.yaml line 303), which is
# also the router's default --k8s-port, the port it sends each engine pod its requests on.
ENGINE_PORT = 8000
ROUTER_PORT = 8000  # routerSpec.containerPort (values.yaml line 519), the router Service's targetPort
DNS_PORT = 53
HTTPS_PORT = 443
GKE_METADATA_PORT = 80
# llm-d-router-gateway v0.10.0's EPP (routerlib templates/_deployment.yaml): ext_proc gRPC, gRPC health, metrics.
EPP_PORT = 9002
EPP_HEALTH_PORT = 9003
EPP_METRICS_PORT = 9090
# agentgateway v1.4.1's controller serves its proxies' configuration over xDS here (values.yaml
# controller.service.ports.agwGrpc, the container port grpc-xds-agw of templates/deployment.yaml).
XDS_PORT = 9978


@dataclass(frozen=True)
class Pods:
    """Pods with all of `labels` ({}: every pod) in one namespace, or in every namespace (namespace None)."""

    name: str  # names the policy that selects them, when they are in vllm
    namespace: str | None
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Addresses:
    """Addresses outside the pod network, `cidr` or (None) any."""

    cidr: str | None


@dataclass(frozen=True)
class Flow:
    source: Pods | Addresses
    destination: Pods | Addresses
    port: int
    why: str
    protocols: tuple[Protocol, ...] = ("TCP",)


EVERY_POD = Pods("every-pod", NAMESPACE, {})
ROUTER = Pods(
    "router", NAMESPACE, {"app.kubernetes.io/component": "router", "app.kubernetes.io/instance": VLLM_STACK.release}
)
ENGINES = Pods(
    "engines",
    NAMESPACE,
    {"app.kubernetes.io/component": "serving-engine", "app.kubernetes.io/instance": VLLM_STACK.release},
)
# The model cache's download Jobs, by the label apps/vllm/install/cache.py gives their pods.
CACHE_DOWNLOADS = Pods("cache-downloads", NAMESPACE, {"app.kubernetes.io/name": DOWNLOAD_LABEL})
ANY_POD = Pods("any-pod", None, {})
# The label EKS's CoreDNS, GKE's kube-dns and AKS's CoreDNS pods all carry.
KUBE_DNS = Pods("kube-dns", "kube-system", {"k8s-app": "kube-dns"})
# prometheus-operator's label on the pods of a Prometheus, which kube-prometheus-stack 88.5.3's Prometheus Service
# selects them by (templates/prometheus/service.yaml line 77).
PROMETHEUS = Pods("prometheus", KUBE_PROMETHEUS_STACK.namespace, {"app.kubernetes.io/name": "prometheus"})
# Any address: NetworkPolicy cannot select the API server by pod, and the address a rule sees differs by dataplane
# (the VPC CNI sees the `kubernetes` Service's ClusterIP, Cilium the endpoints behind it, which it labels
# kube-apiserver, an identity a CIDR rule does not always select): a rule on the port alone matches on all three.
ANYWHERE = Addresses(None)
# Where pods get their Workload Identity tokens under GKE Dataplane V2: the node's GKE metadata server answers there.
GKE_METADATA_SERVER = Addresses("169.254.169.254/32")
# `apps.vllm.routing: gateway`. Every EPP pod carries the chart's mode label (routerlib templates/_helpers.tpl
# `llm-d-router.modeLabels`, on the pod template of templates/_deployment.yaml).
ENDPOINT_PICKERS = Pods("endpoint-pickers", NAMESPACE, {"llm-d.ai/igw-mode": "llm-d-router-gateway"})
# agentgateway deploys the Gateway's proxy in the Gateway's namespace, its pods labelled with the Gateway's name
# (Gateway API's gateway-name label; agentgateway controller/pkg/kgateway/helm `kgateway.gateway.selectorLabels`).
GATEWAY_PROXY = Pods("gateway-proxy", NAMESPACE, {"gateway.networking.k8s.io/gateway-name": GATEWAY_NAME})
# agentgateway v1.4.1's controller pods (templates/_helpers.tpl `agentgateway.selectorLabels`).
AGENTGATEWAY_CONTROLLER = Pods(
    "agentgateway-controller",
    AGENTGATEWAY.namespace,
    {"app.kubernetes.io/name": AGENTGATEWAY.chart, "app.kubernetes.io/instance": AGENTGATEWAY.release},
)
# GKE's managed Gateway: its regional proxies reach pods from the proxy-only subnet, its health checks from Google's.
GKE_PROXIES = Addresses(GKE_PROXY_ONLY_CIDR)
GOOGLE_HEALTH_CHECKS = tuple(Addresses(cidr) for cidr in GOOGLE_HEALTH_CHECK_CIDRS)


def flows(environment: Environment) -> tuple[Flow, ...]:
    gateway = environment.apps.vllm.routing == "gateway"
    dns = Flow(
        EVERY_POD,
        KUBE_DNS,
        DNS_PORT,
        "names of what the pods reach outside the cluster: Hugging Face, buckets",
        protocols=("UDP", "TCP"),
    )
    weights = Flow(
        ENGINES,
        ANYWHERE,
        HTTPS_PORT,
        "weights: Hugging Face, a streamed model's bucket and its identity, the cache's bucket",
    )
    if gateway:
        needed = [dns, *gateway_flows(environment), weights]
    else:
        needed = [
            dns,
            Flow(ANY_POD, ROUTER, ROUTER_PORT, "clients: the OpenAI API through the router Service (port 80)"),
            Flow(
                ROUTER,
                ENGINES,
                ENGINE_PORT,
                "requests to each engine pod's IP (k8s pod-ip discovery), and its /metrics",
            ),
            Flow(ROUTER, ANYWHERE, HTTPS_PORT, "the Kubernetes API: the router lists and watches the engine pods"),
            weights,
        ]
    if environment.apps.monitoring.enabled:
        needed.append(Flow(PROMETHEUS, ENGINES, ENGINE_PORT, "scrapes the engines' ServiceMonitor port (service-port)"))
        if gateway:
            needed.append(
                Flow(PROMETHEUS, ENDPOINT_PICKERS, EPP_METRICS_PORT, "scrapes each EPP's ServiceMonitor port")
            )
        else:
            needed.append(
                Flow(PROMETHEUS, ROUTER, ROUTER_PORT, "scrapes the router's ServiceMonitor port (router-sport)")
            )
    cache = cache_enabled(environment)
    if cache:
        needed.append(Flow(CACHE_DOWNLOADS, ANYWHERE, HTTPS_PORT, "downloads each model from Hugging Face once"))
    if environment.cloud is Cloud.GOOGLE:
        why = "Workload Identity tokens for the streamed weights' or the cache's bucket"
        if streamed_models(environment) or cache:
            needed.append(Flow(ENGINES, GKE_METADATA_SERVER, GKE_METADATA_PORT, why))
        if cache:
            needed.append(Flow(CACHE_DOWNLOADS, GKE_METADATA_SERVER, GKE_METADATA_PORT, why))
    return tuple(needed)


def gateway_flows(environment: Environment) -> list[Flow]:
    """The Gateway's proxies to each model's EPP (which engine?) and then to that engine; the EPPs to the engines."""
    needed = [
        Flow(ENDPOINT_PICKERS, ENGINES, ENGINE_PORT, "scrapes each engine's /metrics (queue, KV cache) to score it"),
        Flow(ENDPOINT_PICKERS, ANYWHERE, HTTPS_PORT, "the Kubernetes API: watches its InferencePool and its pods"),
    ]
    if environment.cloud is Cloud.GOOGLE:
        needed += [
            Flow(
                GKE_PROXIES, ENDPOINT_PICKERS, EPP_PORT, "GKE's Gateway asks the model's EPP for an engine (ext_proc)"
            ),
            Flow(GKE_PROXIES, ENGINES, ENGINE_PORT, "GKE's Gateway sends each request to the engine its EPP chose"),
        ]
        for checks in GOOGLE_HEALTH_CHECKS:
            needed += [
                Flow(checks, ENDPOINT_PICKERS, EPP_HEALTH_PORT, "health checks of the EPP backend (gRPC)"),
                Flow(checks, ENGINES, ENGINE_PORT, "health checks of the pool's engines (HealthCheckPolicy /health)"),
            ]
        return needed
    return [
        Flow(ANYWHERE, GATEWAY_PROXY, GATEWAY_PORT, "clients: the OpenAI API through the Gateway's load balancer"),
        Flow(GATEWAY_PROXY, ENDPOINT_PICKERS, EPP_PORT, "asks the model's EPP which engine to use (ext_proc)"),
        Flow(GATEWAY_PROXY, ENGINES, ENGINE_PORT, "sends each request to the engine its EPP chose"),
        Flow(GATEWAY_PROXY, AGENTGATEWAY_CONTROLLER, XDS_PORT, "its routes and policies from the controller (xDS)"),
        *needed,
    ]
