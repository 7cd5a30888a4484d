"""What each release and each cloud runs on the nodes: pods, their requests and where they land, as data.

One row per workload. `name` is the rendered object's name without the `<release>-` prefix, so a test can compare
this table with what `helm template` renders for our values (the render harness, issue 19): a chart bump that adds
a pod fails there until the table follows. Requests are what the scheduler reserves; a chart that sets none
reserves 0 but still takes a pod slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from catalogue import charts
from catalogue.gpu_drivers import GpuSoftwareOwners, Owner
from catalogue.node_sizes import Cloud


class Lands(StrEnum):
    SYSTEM = "system"  # no GPU toleration: only untainted nodes, i.e. the system pool
    GPU = "gpu"  # GPU nodes only (tolerates the GPU taint and selects GPU nodes)
    EVERY_NODE = "every-node"  # a DaemonSet that tolerates the GPU taint


@dataclass(frozen=True)
class Workload:
    kind: str  # Deployment, StatefulSet, DaemonSet
    name: str
    replicas: int  # per cluster; a DaemonSet has one pod per node it lands on (1 here)
    cpu_m: int
    memory_mi: int
    lands: Lands

    @property
    def per_node(self) -> bool:
        return self.kind == "DaemonSet"


@dataclass(frozen=True)
class Footprint:
    chart_version: str  # the pin this row was measured at; a test fails when the pin moves without it
    workloads: tuple[Workload, ...]
    source: str


def _deploy(name: str, cpu_m: int = 0, memory_mi: int = 0, replicas: int = 1, kind: str = "Deployment") -> Workload:
    return Workload(kind, name, replicas, cpu_m, memory_mi, Lands.SYSTEM)


def _daemonset(name: str, cpu_m: int = 0, memory_mi: int = 0, lands: Lands = Lands.EVERY_NODE) -> Workload:
    return Workload("DaemonSet", name, 1, cpu_m, memory_mi, lands)


RENDERED = "helm template (Helm 4.1.4) of the pinned chart with this product's values, 2026-12-01"

# Per release (ChartPin.release). vLLM engines are not here: each model's replicas and requests come from the
# environment (apps/vllm/serving.py engine_requests).
RELEASE_FOOTPRINTS: dict[str, Footprint] = {
    charts.CLUSTER_AUTOSCALER.release: Footprint(
        charts.CLUSTER_AUTOSCALER.version, (_deploy("", 100, 600),), RENDERED
    ),  # fullnameOverride: the Deployment is named after the release
    charts.GPU_OPERATOR.release: Footprint(
        charts.GPU_OPERATOR.version,
        (
            _deploy("", 200, 100),
            _deploy("node-feature-discovery-master", 100, 128),
            _deploy("node-feature-discovery-gc", 10, 128),
            _daemonset("node-feature-discovery-worker", 5, 64),
        ),
        RENDERED,
    ),
    charts.VLLM_STACK.release: Footprint(
        charts.VLLM_STACK.version, (_deploy("deployment-router", 400, 1000),), RENDERED
    ),
    charts.NVIDIA_DEVICE_PLUGIN.release: Footprint(
        charts.NVIDIA_DEVICE_PLUGIN.version,
        # the MPS control daemon renders too, but selects nvidia.com/mps.capable=true, which nothing sets: 0 pods
        (_daemonset("", lands=Lands.GPU),),
        RENDERED,
    ),
    charts.CROSSPLANE.release: Footprint(
        charts.CROSSPLANE.version, (_deploy("", 100, 256), _deploy("rbac-manager", 100, 256)), RENDERED
    ),
    charts.ARGO_CD.release: Footprint(
        charts.ARGO_CD.version,
        (
            _deploy("argocd-applicationset-controller"),
            _deploy("argocd-notifications-controller"),
            _deploy("argocd-repo-server"),
            _deploy("argocd-server"),
            _deploy("argocd-dex-server"),
            _deploy("argocd-redis"),
            _deploy("argocd-application-controller", kind="StatefulSet"),
        ),
        RENDERED,
    ),
    charts.TRAEFIK.release: Footprint(charts.TRAEFIK.version, (_deploy(""),), RENDERED),
    charts.DAPR.release: Footprint(
        charts.DAPR.version,
        (
            _deploy("operator"),
            _deploy("sentry"),
            _deploy("sidecar-injector"),
            _deploy("placement-server", kind="StatefulSet"),
            _deploy("scheduler-server", replicas=3, kind="StatefulSet"),
        ),
        RENDERED,
    ),
    charts.EXTERNAL_SECRETS.release: Footprint(
        charts.EXTERNAL_SECRETS.version, (_deploy("cert-controller"), _deploy(""), _deploy("webhook")), RENDERED
    ),
    # The chart requests nothing by default (a pod without requests is invisible to the scheduler and to this plan),
    # so these requests are ours: apps/monitoring/install.py sets them from this row. Alertmanager is off (no
    # receivers are configured). The Prometheus StatefulSet is made by the operator from the rendered Prometheus.
    charts.KUBE_PROMETHEUS_STACK.release: Footprint(
        charts.KUBE_PROMETHEUS_STACK.version,
        (
            Workload("StatefulSet", "prometheus", 1, 200, 1024, Lands.SYSTEM),
            _deploy("grafana", 100, 256),
            _deploy("operator", 100, 128),
            _deploy("kube-state-metrics", 10, 64),
            _daemonset("prometheus-node-exporter", 10, 32),
        ),
        RENDERED,
    ),
    # KEDA's own defaults (values.yaml resources.operator, .metricServer, .webhooks)
    charts.KEDA.release: Footprint(
        charts.KEDA.version,
        (
            _deploy("operator", 100, 100),
            _deploy("operator-metrics-apiserver", 100, 100),
            _deploy("admission-webhooks", 100, 100),
        ),
        RENDERED,
    ),
}

# The GPU Operator's operands: created by the operator from its ClusterPolicy at run time, so Helm never renders
# them. One pod per GPU node each, without requests (the chart's ClusterPolicy defaults, values.yaml @ v26.7.0:
# gfd, dcgmExporter, validator on; migManager selects MIG-capable nodes only and is left out).
OPERATOR_OPERANDS_ALWAYS = ("gpu-feature-discovery", "nvidia-dcgm-exporter", "nvidia-operator-validator")
OPERATOR_OPERAND_PER_COMPONENT = {
    "driver": "nvidia-driver-daemonset",
    "toolkit": "nvidia-container-toolkit-daemonset",
    "devicePlugin": "nvidia-device-plugin-daemonset",
}


def operator_operands(owners: GpuSoftwareOwners) -> tuple[Workload, ...]:
    owned = [
        name
        for component, name in OPERATOR_OPERAND_PER_COMPONENT.items()
        if owners.components()[component] is Owner.GPU_OPERATOR
    ]
    return tuple(_daemonset(name, lands=Lands.GPU) for name in (*owned, *OPERATOR_OPERANDS_ALWAYS))


EKS_SOURCE = (
    "EKS defaults of the vpc-cni, kube-proxy and coredns add-ons and of the aws-ebs-csi-driver add-on "
    "(requests as their manifests set them, 2026); estimates: EKS may change them between add-on versions"
)
GKE_SOURCE = (
    "estimate of a GKE Standard regional cluster with Dataplane V2 (kube-system of a 1.3x cluster: kube-dns, "
    "konnectivity, metrics-server, anetd, fluentbit, gke-metrics-agent, pdcsi); GKE changes them between versions"
)
AKS_SOURCE = (
    "estimate of an AKS cluster with Azure CNI overlay + Cilium and the Azure Policy add-on (kube-system and "
    "gatekeeper-system: coredns, konnectivity, metrics-server, cilium, azure-cns, CSI node drivers, gatekeeper)"
)


@dataclass(frozen=True)
class SystemPods:
    workloads: tuple[Workload, ...]
    source: str


# What the managed service (and, on EKS, the EBS CSI add-on this product enables) runs before any release.
CLOUD_SYSTEM_PODS: dict[Cloud, SystemPods] = {
    Cloud.AWS: SystemPods(
        (
            _daemonset("aws-node", 25),
            _daemonset("kube-proxy", 100),
            _daemonset("ebs-csi-node", 30, 120),
            _deploy("coredns", 100, 70, replicas=2),
            _deploy("ebs-csi-controller", 60, 240, replicas=2),
        ),
        EKS_SOURCE,
    ),
    Cloud.GOOGLE: SystemPods(
        (
            _daemonset("anetd", 100, 100),
            _daemonset("fluentbit-gke", 50, 100),
            _daemonset("gke-metrics-agent", 10, 110),
            _daemonset("pdcsi-node", 10, 20),
            _deploy("kube-dns", 260, 110, replicas=2),
            _deploy("kube-dns-autoscaler", 20, 10),
            _deploy("konnectivity-agent", 10, 30, replicas=2),
            _deploy("metrics-server", 50, 80),
            _deploy("event-exporter-gke"),
            _deploy("l7-default-backend", 10, 20),
        ),
        GKE_SOURCE,
    ),
    Cloud.AZURE: SystemPods(
        (
            _daemonset("cilium", 100, 100),
            _daemonset("azure-cns", 40, 250),
            _daemonset("csi-azuredisk-node", 30, 60),
            _daemonset("csi-azurefile-node", 30, 60),
            _daemonset("cloud-node-manager", 50, 50),
            _deploy("coredns", 100, 70, replicas=2),
            _deploy("coredns-autoscaler", 20, 10),
            _deploy("konnectivity-agent", 20, 20, replicas=2),
            _deploy("metrics-server", 50, 80, replicas=2),
            _deploy("cilium-operator", 100, 0),
            _deploy("azure-policy", 30, 50),
            _deploy("azure-policy-webhook", 30, 50),
            _deploy("gatekeeper-controller", 100, 256, replicas=2),
            _deploy("gatekeeper-audit", 100, 256),
        ),
        AKS_SOURCE,
    ),
}
