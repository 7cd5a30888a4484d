"""Traefik into traefik, its LoadBalancer Service shaped for the cloud that answers it."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack

from apps.installer import InstallContext, Installed, next_step
from apps.traefik import DECLARATION
from catalogue.charts import TRAEFIK
from catalogue.node_sizes import Cloud
from constructs import Construct
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues

# Named explicitly so Argo CD's Ingress and this class cannot drift apart.
TRAEFIK_INGRESS_CLASS = "traefik"

# Helm waits until the Service has a load balancer address, so each cloud must be able to provision one.
LOAD_BALANCER_ANNOTATIONS: dict[Cloud, dict[str, str]] = {
    # EKS runs no AWS Load Balancer Controller; the built-in AWS cloud provider answers the Service, and this
    # annotation makes it an NLB instead of a previous-generation Classic LB, in the subnets tagged
    # kubernetes.io/role/elb (constructs/aws/network.py). (kubernetes.io/docs/reference/labels-annotations-taints)
    Cloud.AWS: {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
    # GKE and AKS provision a regional external TCP load balancer for a plain LoadBalancer Service.
    Cloud.GOOGLE: {},
    Cloud.AZURE: {},
}


class IngressClassValues(HelmValues):
    enabled: bool = True
    is_default_class: bool = True  # Ingresses without a class land here, as with the chart's default
    name: str = TRAEFIK_INGRESS_CLASS


class ServiceSpecValues(HelmValues):
    type: str = "LoadBalancer"


class ServiceValues(HelmValues):
    annotations: dict[str, str]
    spec: ServiceSpecValues = ServiceSpecValues()


class TraefikValues(HelmValues):
    ingress_class: IngressClassValues = IngressClassValues()
    service: ServiceValues

    @classmethod
    def for_cloud(cls, cloud: Cloud) -> TraefikValues:
        return cls(service=ServiceValues(annotations=LOAD_BALANCER_ANNOTATIONS[cloud]))


class TraefikRelease(PinnedHelmRelease):
    def __init__(
        self, scope: Construct, construct_id: str, *, cloud: Cloud, after: Sequence[ITerraformDependable]
    ) -> None:
        super().__init__(scope, construct_id, pin=TRAEFIK, values=TraefikValues.for_cloud(cloud), after=after)

    @property
    def address_command(self) -> str:
        # the chart names the Service after the release
        return (
            f"kubectl -n {self.pin.namespace} get service {self.pin.release} "
            "-o jsonpath='{.status.loadBalancer.ingress[0]}'"
        )


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    traefik = TraefikRelease(stack, DECLARATION.construct_id, cloud=context.environment.cloud, after=context.after)
    return Installed(outputs=next_step("traefik", traefik.pin.namespace, traefik.address_command))
