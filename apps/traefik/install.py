"""Traefik into traefik, its LoadBalancer Service shaped for the cloud that answers it and for who may reach it."""

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
from spec.apps import LoadBalancerSpec, TraefikSpec

# Named explicitly so Argo CD's Ingress and this class cannot drift apart.
TRAEFIK_INGRESS_CLASS = "traefik"
# Traefik's TLS entrypoint (the chart's `ports.websecure`, TLS on by default, Service port 443): routers on it
# answer with Traefik's default certificate unless a TLSStore names another.
TLS_ENTRYPOINT = "websecure"

# Helm waits until the Service has a load balancer address, so each cloud must be able to provision one.
LOAD_BALANCER_ANNOTATIONS: dict[Cloud, dict[str, str]] = {
    # EKS runs no AWS Load Balancer Controller; the built-in AWS cloud provider answers the Service, and this
    # annotation makes it an NLB instead of a previous-generation Classic LB. (kubernetes.io/docs/reference/
    # labels-annotations-taints)
    Cloud.AWS: {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
    # GKE and AKS provision a regional TCP load balancer for a plain LoadBalancer Service.
    Cloud.GOOGLE: {},
    Cloud.AZURE: {},
}
# What makes that load balancer internal: an address in the cluster's network only, none on the internet.
INTERNAL_ANNOTATIONS: dict[Cloud, dict[str, str]] = {
    # The built-in AWS provider's own annotation (`aws-load-balancer-scheme` is the LB Controller's, which this
    # provider ignores): the NLB goes into the private subnets tagged kubernetes.io/role/internal-elb
    # (constructs/aws/network.py); without it, into the public ones tagged kubernetes.io/role/elb.
    Cloud.AWS: {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
    # An internal passthrough Network Load Balancer in the cluster's subnet.
    Cloud.GOOGLE: {"networking.gke.io/load-balancer-type": "Internal"},
    # The cluster's internal load balancer, with a frontend address in the nodes' subnet.
    Cloud.AZURE: {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
}


def service_annotations(cloud: Cloud, spec: LoadBalancerSpec) -> dict[str, str]:
    internal = INTERNAL_ANNOTATIONS[cloud] if spec.exposure == "internal" else {}
    return {**LOAD_BALANCER_ANNOTATIONS[cloud], **internal}


class IngressClassValues(HelmValues):
    enabled: bool = True
    is_default_class: bool = True  # Ingresses without a class land here, as with the chart's default
    name: str = TRAEFIK_INGRESS_CLASS


class ServiceSpecValues(HelmValues):
    type: str = "LoadBalancer"
    # Each cloud's provider turns these into its firewall: node security group rules (EKS NLB), VPC firewall
    # rules (GKE), network security group rules (AKS). None: the chart's default, no restriction.
    load_balancer_source_ranges: list[str] | None = None


class ServiceValues(HelmValues):
    annotations: dict[str, str]
    spec: ServiceSpecValues = ServiceSpecValues()


class TraefikValues(HelmValues):
    ingress_class: IngressClassValues = IngressClassValues()
    service: ServiceValues

    @classmethod
    def for_spec(cls, spec: TraefikSpec, *, cloud: Cloud) -> TraefikValues:
        return cls(
            service=ServiceValues(
                annotations=service_annotations(cloud, spec),
                spec=ServiceSpecValues(load_balancer_source_ranges=spec.source_ranges or None),
            )
        )


class TraefikRelease(PinnedHelmRelease):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: TraefikSpec,
        cloud: Cloud,
        after: Sequence[ITerraformDependable],
    ) -> None:
        values = TraefikValues.for_spec(spec, cloud=cloud)
        super().__init__(scope, construct_id, pin=TRAEFIK, values=values, after=after)

    @property
    def address_command(self) -> str:
        # the chart names the Service after the release
        return (
            f"kubectl -n {self.pin.namespace} get service {self.pin.release} "
            "-o jsonpath='{.status.loadBalancer.ingress[0]}'"
        )


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    environment = context.environment
    traefik = TraefikRelease(
        stack, DECLARATION.construct_id, spec=environment.apps.traefik, cloud=environment.cloud, after=context.after
    )
    return Installed(outputs=next_step("traefik", traefik.pin.namespace, traefik.address_command))
