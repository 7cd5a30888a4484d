"""The Kubernetes Cluster Autoscaler on EKS: resizes this cluster's managed node groups between their bounds.

GKE and AKS run it in their control planes. On EKS nothing else acts on a node group's min/max, so the apps stack
installs it before every other release: pods those releases leave Pending are what it scales up for.
"""

from __future__ import annotations

from cdktf import TerraformStack

from apps.cluster_autoscaler import DECLARATION, IMAGE_REPOSITORY, SERVICE_ACCOUNT, image_tag
from apps.declaration import NODE_CAPACITY, AppOrderError
from apps.installer import InstallContext, Installed, cloud_part
from catalogue.charts import CLUSTER_AUTOSCALER
from constructs import Construct
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues

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


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    environment = context.environment
    cloud = cloud_part(DECLARATION, environment.cloud)
    if cloud is None:  # a bug: the declaration enables it on a cloud without its part
        raise AppOrderError(f"no node autoscaler for {environment.cloud.value}")
    release = ClusterAutoscalerRelease(
        stack,
        DECLARATION.construct_id,
        values=ClusterAutoscalerValues.for_cluster(
            cluster_name=environment.name,
            region=environment.resolved_region,
            kubernetes_version=environment.version,
            service_account_annotations=cloud.service_account_annotations(stack, environment),
        ),
    )
    return Installed(provides={NODE_CAPACITY: [release.release]})
