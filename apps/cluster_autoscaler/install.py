"""The Kubernetes Cluster Autoscaler on EKS: resizes this cluster's managed node groups between their bounds.

GKE and AKS run it in their control planes. On EKS nothing else acts on a node group's min/max, so the apps stack
installs it before every other release: pods those releases leave Pending are what it scales up for.
"""

from __future__ import annotations

from cdktf import TerraformStack

from apps.cluster_autoscaler import IMAGE_REPOSITORY, INSTALLED_ON, SERVICE_ACCOUNT, image_tag
from apps.installer import (
    NODE_CAPACITY,
    AppModule,
    AppOrderError,
    Capability,
    InstallContext,
    Installed,
    ScrapeTarget,
)
from catalogue.charts import CLUSTER_AUTOSCALER
from constructs import Construct
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues
from spec.environment import Environment

# Scheduled ahead of ordinary pods, and never preempted by them (the chart's default, stated so it cannot drift).
PRIORITY_CLASS = "system-cluster-critical"
# The upstream example manifest's requests (cloudprovider/aws/examples/cluster-autoscaler-autodiscover.yaml).
REQUESTS = {"cpu": "100m", "memory": "600Mi"}
# Flags beyond the chart's defaults (FAQ.md "What are the parameters to CA?"):
EXTRA_ARGS = {
    # the group whose node leaves the least CPU and memory idle, when several could take the pods
    "expander": "least-waste",
    # vLLM engines mount an emptyDir for shared memory; with the default (true) no node running one ever drains
    "skip-nodes-with-local-storage": "false",
}


class AutoDiscovery(HelmValues):
    cluster_name: str  # the chart joins k8s.io/cluster-autoscaler/enabled and k8s.io/cluster-autoscaler/<name>


class Image(HelmValues):
    repository: str = IMAGE_REPOSITORY
    tag: str


class ServiceAccount(HelmValues):
    create: bool = True
    name: str = SERVICE_ACCOUNT.name
    annotations: dict[str, str]


class Rbac(HelmValues):
    service_account: ServiceAccount


class Resources(HelmValues):
    requests: dict[str, str]


class ClusterAutoscalerValues(HelmValues):
    fullname_override: str = CLUSTER_AUTOSCALER.release
    cloud_provider: str = "aws"
    aws_region: str
    auto_discovery: AutoDiscovery
    image: Image
    priority_class_name: str = PRIORITY_CLASS
    rbac: Rbac
    resources: Resources = Resources(requests=REQUESTS)
    extra_args: dict[str, str] = EXTRA_ARGS

    @classmethod
    def for_cluster(
        cls, *, cluster_name: str, region: str, kubernetes_version: str, service_account_annotations: dict[str, str]
    ) -> ClusterAutoscalerValues:
        return cls(
            aws_region=region,
            auto_discovery=AutoDiscovery(cluster_name=cluster_name),
            image=Image(tag=image_tag(kubernetes_version)),
            rbac=Rbac(service_account=ServiceAccount(annotations=service_account_annotations)),
        )


class ClusterAutoscalerRelease(PinnedHelmRelease):
    def __init__(self, scope: Construct, construct_id: str, *, values: ClusterAutoscalerValues) -> None:
        super().__init__(scope, construct_id, pin=CLUSTER_AUTOSCALER, values=values)


class ClusterAutoscalerApp(AppModule):
    """Provides node capacity, which every other app waits for (apps/installer.py `shared_waits`)."""

    construct_id = "cluster-autoscaler"

    def enabled(self, environment: Environment) -> bool:
        return environment.cloud in INSTALLED_ON

    def namespaces(self, environment: Environment) -> tuple[str, ...]:
        return (CLUSTER_AUTOSCALER.namespace,)

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return (NODE_CAPACITY,)

    def scrape_targets(self, environment: Environment) -> tuple[ScrapeTarget, ...]:
        # Its chart's own ServiceMonitor would install before the monitoring stack's CRD; that stack renders it.
        labels = {
            "app.kubernetes.io/instance": CLUSTER_AUTOSCALER.release,
            "app.kubernetes.io/name": "aws-cluster-autoscaler",
        }
        return (ScrapeTarget(CLUSTER_AUTOSCALER.release, CLUSTER_AUTOSCALER.namespace, labels, "http"),)

    def install(self, stack: TerraformStack, context: InstallContext) -> Installed:
        release = context.composition.node_autoscaler(stack, context.environment)
        if release is None:  # a bug: INSTALLED_ON and the composition disagree
            raise AppOrderError(f"no node autoscaler for {context.environment.cloud.value}")
        return Installed(provides={NODE_CAPACITY: [release.release]})
