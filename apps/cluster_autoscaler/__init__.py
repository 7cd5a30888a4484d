"""The EKS Cluster Autoscaler: its image per Kubernetes minor, its identity, and the tags it acts on.

GKE and AKS run the same autoscaler inside their control planes; on EKS we install it (catalogue/charts.py) and
grant it a role that may resize only this cluster's node groups. Both stacks derive every name from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.declaration import NODE_CAPACITY, RENDERED, AppDeclaration, Capability, Footprint, ScrapeTarget, deployment
from catalogue.charts import CLUSTER_AUTOSCALER
from catalogue.identities import KubernetesServiceAccount
from catalogue.node_sizes import Cloud
from spec.environment import Environment
from spec.pools import NodePoolSpec

# GKE and AKS run the autoscaler in their control planes; only EKS clusters get ours.
INSTALLED_ON = frozenset({Cloud.AWS})
# The chart's service account name, set explicitly in our values so the IRSA trust can name it.
SERVICE_ACCOUNT = KubernetesServiceAccount(namespace=CLUSTER_AUTOSCALER.namespace, name=CLUSTER_AUTOSCALER.release)
IMAGE_REPOSITORY = "registry.k8s.io/autoscaling/cluster-autoscaler"

RELEASE_TAGS = "https://github.com/kubernetes/autoscaler/tags (cluster-autoscaler-<version>, read 2026-08-22)"


@dataclass(frozen=True)
class AutoscalerImage:
    tag: str
    source: str


# The upstream README: run "the latest Cluster Autoscaler release that corresponds to the minor version of
# Kubernetes". The chart's default (v1.35.0) is right for no minor, so the tag is always set from this table.
IMAGE_TAGS: dict[str, AutoscalerImage] = {
    "1.33": AutoscalerImage("v1.33.6", RELEASE_TAGS),
    "1.34": AutoscalerImage("v1.34.5", RELEASE_TAGS),
    "1.35": AutoscalerImage("v1.35.2", RELEASE_TAGS),
    "1.36": AutoscalerImage("v1.36.1", RELEASE_TAGS),  # version/version.go at the tag says 1.36.1
}

# EKS tags every managed node group's Auto Scaling group with k8s.io/cluster-autoscaler/enabled and
# k8s.io/cluster-autoscaler/<cluster> (docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html); the
# autoscaler discovers groups by those keys. No AWS page states the values, so the cluster stack sets the second one
# itself to "owned", the value the role's write condition requires (constructs/aws/cluster_autoscaler.py).
OWNED_VALUE = "owned"
# ASG tags the autoscaler reads to build the node of an empty group (cloudprovider/aws/README.md, "Auto-Discovery
# Setup" and "Scaling a node group to 0").
NODE_TEMPLATE_PREFIX = "k8s.io/cluster-autoscaler/node-template/"
GPU_RESOURCE = "nvidia.com/gpu"


def cluster_tag(cluster_name: str) -> str:
    return f"k8s.io/cluster-autoscaler/{cluster_name}"


def identity_name(cluster_name: str) -> str:
    """The IAM role the autoscaler's service account assumes; both stacks find it by this name."""
    return f"{cluster_name}-cluster-autoscaler"


def image_tag(kubernetes_version: str) -> str:
    try:
        return IMAGE_TAGS[kubernetes_version].tag
    except KeyError:
        raise ValueError(
            f"no Cluster Autoscaler image is pinned for Kubernetes {kubernetes_version} "
            f"(known: {', '.join(IMAGE_TAGS)}); add its newest v{kubernetes_version}.x tag to IMAGE_TAGS"
        ) from None


def node_template_tags(spec: NodePoolSpec) -> dict[str, str]:
    """The ASG tags that describe a node of `spec` to the autoscaler while the group has none.

    DescribeNodegroup already returns the group's labels and taints, but the autoscaler calls it only while the
    group has never had a node; the tags hold after that too, with the pool's own idle time where it sets one.
    """
    tags = {f"{NODE_TEMPLATE_PREFIX}label/{key}": value for key, value in spec.labels.items()}
    tags |= {f"{NODE_TEMPLATE_PREFIX}taint/{taint.key}": f"{taint.value}:NoSchedule" for taint in spec.taints}
    if spec.gpu is not None:
        tags[f"{NODE_TEMPLATE_PREFIX}resources/{GPU_RESOURCE}"] = str(spec.gpu.tier.gpu_count)
    if spec.scale_down_after_minutes is not None:
        idle = f"{spec.scale_down_after_minutes}m"
        tags[f"{NODE_TEMPLATE_PREFIX}autoscaling-options/scaledownunneededtime"] = idle
    return tags


class ClusterAutoscaler(AppDeclaration):
    """Provides node capacity, which every other app waits for (apps/declaration.py `shared_waits`)."""

    construct_id = "cluster-autoscaler"
    pin = CLUSTER_AUTOSCALER
    # fullnameOverride: the Deployment is named after the release
    footprint = Footprint(CLUSTER_AUTOSCALER.version, (deployment("", 100, 600),), RENDERED)
    # kube-system is the cluster's own: EKS runs its CNI, kube-proxy and CoreDNS there, some of them privileged, and
    # manages their settings; a label of ours would refuse their pods or be one more thing EKS does not expect.
    pod_security = None
    cloud_parts = INSTALLED_ON

    def enabled(self, environment: Environment) -> bool:
        return environment.cloud in INSTALLED_ON

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return (NODE_CAPACITY,)

    def scrape_targets(self, environment: Environment) -> tuple[ScrapeTarget, ...]:
        # Its chart's own ServiceMonitor would install before the monitoring stack's CRD; that stack renders it.
        labels = {
            "app.kubernetes.io/instance": CLUSTER_AUTOSCALER.release,
            "app.kubernetes.io/name": "aws-cluster-autoscaler",
        }
        return (ScrapeTarget(CLUSTER_AUTOSCALER.release, CLUSTER_AUTOSCALER.namespace, labels, "http"),)


DECLARATION = ClusterAutoscaler()
