"""What each managed service runs on the nodes before any release: pods, their requests and where they land.

The apps' own pods are in their declarations (apps/<app>/__init__.py `footprint`).
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.declaration import Workload, daemonset, deployment
from catalogue.node_sizes import Cloud

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
            daemonset("aws-node", 25),
            daemonset("kube-proxy", 100),
            daemonset("ebs-csi-node", 30, 120),
            deployment("coredns", 100, 70, replicas=2),
            deployment("ebs-csi-controller", 60, 240, replicas=2),
        ),
        EKS_SOURCE,
    ),
    Cloud.GOOGLE: SystemPods(
        (
            daemonset("anetd", 100, 100),
            daemonset("fluentbit-gke", 50, 100),
            daemonset("gke-metrics-agent", 10, 110),
            daemonset("pdcsi-node", 10, 20),
            deployment("kube-dns", 260, 110, replicas=2),
            deployment("kube-dns-autoscaler", 20, 10),
            deployment("konnectivity-agent", 10, 30, replicas=2),
            deployment("metrics-server", 50, 80),
            deployment("event-exporter-gke"),
            deployment("l7-default-backend", 10, 20),
        ),
        GKE_SOURCE,
    ),
    Cloud.AZURE: SystemPods(
        (
            daemonset("cilium", 100, 100),
            daemonset("azure-cns", 40, 250),
            daemonset("csi-azuredisk-node", 30, 60),
            daemonset("csi-azurefile-node", 30, 60),
            daemonset("cloud-node-manager", 50, 50),
            deployment("coredns", 100, 70, replicas=2),
            deployment("coredns-autoscaler", 20, 10),
            deployment("konnectivity-agent", 20, 20, replicas=2),
            deployment("metrics-server", 50, 80, replicas=2),
            deployment("cilium-operator", 100, 0),
            deployment("azure-policy", 30, 50),
            deployment("azure-policy-webhook", 30, 50),
            deployment("gatekeeper-controller", 100, 256, replicas=2),
            deployment("gatekeeper-audit", 100, 256),
        ),
        AKS_SOURCE,
    ),
}
