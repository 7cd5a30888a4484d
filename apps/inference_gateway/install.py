"""The inference Gateway and, per model, its llm-d-router-gateway release: InferencePool, endpoint picker, HTTPRoute.

The Gateway (and on EKS and AKS agentgateway's objects for it) are kinds of CRDs the cluster or another release
brings, so they ride in a release of our custom-objects chart (constructs/helm/custom_objects.py) made after those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from cdktf import ITerraformDependable, TerraformStack
from pydantic import Field

from apps.declaration import INFERENCE_GATEWAY
from apps.inference_gateway import (
    BASE_MODEL_HEADER,
    DECLARATION,
    EPP_CPU_M,
    EPP_MEMORY_LIMIT_MI,
    EPP_MEMORY_MI,
    engine_labels,
    epp_name,
    pool_name,
)
from apps.inference_gateway.dashboard import DASHBOARD_LABEL, DASHBOARD_UID, dashboard_json
from apps.installer import InstallContext, Installed
from apps.traefik.install import service_annotations
from catalogue.charts import LLM_D_ROUTER_GATEWAY
from catalogue.gateway import GATEWAY_CLASSES, GATEWAY_NAME, GATEWAY_NAMESPACE, GATEWAY_PORT
from catalogue.node_sizes import Cloud
from constructs import Construct
from constructs.helm.custom_objects import CustomObjectsRelease
from constructs.helm.kubernetes_objects import NamespacedObjectMeta
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues
from spec.apps import VllmModelSpec
from spec.environment import Environment

AGENTGATEWAY_GROUP = "agentgateway.dev"
AGENTGATEWAY_VERSION = f"{AGENTGATEWAY_GROUP}/v1alpha1"  # agentgateway-crds v1.4.1 serves only this version
GATEWAY_API_GROUP = "gateway.networking.k8s.io"
# agentgateway's documented body-based routing (its content-routing guide): a PreRouting policy on the Gateway sets
# a header from the body's `model`, which the HTTPRoute of each model matches.
MODEL_FROM_BODY = "json(request.body).model"


# --- The Gateway, and agentgateway's objects for it


class RouteNamespaces(HelmValues):
    from_: Literal["Same"] = Field(default="Same", alias="from")  # the HTTPRoutes are the pools' releases', in vllm


class AllowedRoutes(HelmValues):
    namespaces: RouteNamespaces = RouteNamespaces()


class Listener(HelmValues):
    name: str = "http"
    protocol: str = "HTTP"
    port: int = GATEWAY_PORT
    allowed_routes: AllowedRoutes = AllowedRoutes()


class ParametersReference(HelmValues):
    group: str = AGENTGATEWAY_GROUP
    kind: str = "AgentgatewayParameters"
    name: str


class GatewayInfrastructure(HelmValues):
    # agentgateway copies these onto its proxy's LoadBalancer Service (research/gateway.md section 3).
    annotations: dict[str, str] | None = None
    parameters_ref: ParametersReference | None = None


class GatewayObjectSpec(HelmValues):
    gateway_class_name: str
    listeners: list[Listener] = Field(default_factory=lambda: [Listener()])
    infrastructure: GatewayInfrastructure | None = None


class GatewayObject(HelmValues):
    api_version: str = f"{GATEWAY_API_GROUP}/v1"
    kind: str = "Gateway"
    metadata: NamespacedObjectMeta = NamespacedObjectMeta(name=GATEWAY_NAME, namespace=GATEWAY_NAMESPACE)
    spec: GatewayObjectSpec


class ServiceSpecOverlay(HelmValues):
    # Each cloud's provider turns these into its firewall, as for Traefik's Service (apps/traefik/install.py).
    load_balancer_source_ranges: list[str]


class ServiceOverlay(HelmValues):
    spec: ServiceSpecOverlay


class ParametersSpec(HelmValues):
    service: ServiceOverlay


class AgentgatewayParameters(HelmValues):
    """The proxy Service's source ranges, which Gateway.spec.infrastructure has no field for."""

    api_version: str = AGENTGATEWAY_VERSION
    kind: str = "AgentgatewayParameters"
    metadata: NamespacedObjectMeta = NamespacedObjectMeta(name=GATEWAY_NAME, namespace=GATEWAY_NAMESPACE)
    spec: ParametersSpec


class PolicyTarget(HelmValues):
    group: str = GATEWAY_API_GROUP
    kind: str = "Gateway"
    name: str = GATEWAY_NAME


class HeaderValue(HelmValues):
    name: str
    value: str  # a CEL expression


class RequestTransformation(HelmValues):
    set: list[HeaderValue]


class Transformation(HelmValues):
    request: RequestTransformation


class TrafficPolicy(HelmValues):
    phase: Literal["PreRouting"] = "PreRouting"  # before the HTTPRoutes are matched, so the header can pick one
    transformation: Transformation


class PolicySpec(HelmValues):
    target_refs: list[PolicyTarget] = Field(default_factory=lambda: [PolicyTarget()])
    traffic: TrafficPolicy


class AgentgatewayPolicy(HelmValues):
    api_version: str = AGENTGATEWAY_VERSION
    kind: str = "AgentgatewayPolicy"
    metadata: NamespacedObjectMeta = NamespacedObjectMeta(name=f"{GATEWAY_NAME}-model", namespace=GATEWAY_NAMESPACE)
    spec: PolicySpec = PolicySpec(
        traffic=TrafficPolicy(
            transformation=Transformation(
                request=RequestTransformation(set=[HeaderValue(name=BASE_MODEL_HEADER, value=MODEL_FROM_BODY)])
            )
        )
    )


class DashboardConfigMap(HelmValues):
    api_version: str = "v1"
    kind: str = "ConfigMap"
    metadata: NamespacedObjectMeta
    data: dict[str, str]

    @classmethod
    def endpoint_pickers(cls) -> DashboardConfigMap:
        meta = NamespacedObjectMeta(name=DASHBOARD_UID, namespace=GATEWAY_NAMESPACE, labels=DASHBOARD_LABEL)
        return cls(metadata=meta, data={f"{DASHBOARD_UID}.json": dashboard_json()})


def gateway_objects(environment: Environment) -> list[HelmValues]:
    """The Gateway of this cloud and exposure; on EKS and AKS its proxy Service's shape and the body routing; with
    monitoring, the endpoint pickers' dashboard."""
    dashboard: list[HelmValues] = [DashboardConfigMap.endpoint_pickers()] if environment.apps.monitoring.enabled else []
    return [*_gateway(environment), *dashboard]


def _gateway(environment: Environment) -> list[HelmValues]:
    spec = environment.apps.vllm.gateway
    cloud = environment.cloud
    class_name = GATEWAY_CLASSES[cloud][spec.exposure]
    if cloud is Cloud.GOOGLE:  # a managed load balancer: no Service of ours to shape (gateway_problems)
        return [GatewayObject(spec=GatewayObjectSpec(gateway_class_name=class_name))]
    parameters = (
        AgentgatewayParameters(
            spec=ParametersSpec(
                service=ServiceOverlay(spec=ServiceSpecOverlay(load_balancer_source_ranges=spec.source_ranges))
            )
        )
        if spec.source_ranges
        else None
    )
    gateway = GatewayObject(
        spec=GatewayObjectSpec(
            gateway_class_name=class_name,
            infrastructure=GatewayInfrastructure(
                # Traefik's per cloud: the same built-in load-balancer providers answer the proxy's Service.
                annotations=service_annotations(cloud, spec) or None,
                parameters_ref=ParametersReference(name=parameters.metadata.name) if parameters else None,
            ),
        )
    )
    return [gateway, AgentgatewayPolicy(), *([parameters] if parameters else [])]


# --- One llm-d-router-gateway release per model


class ResourceList(HelmValues):
    cpu: str | None = None
    memory: str


class EppResources(HelmValues):
    # No CPU limit, as the chart's default: the EPP bursts while it scores.
    requests: ResourceList = ResourceList(cpu=f"{EPP_CPU_M}m", memory=f"{EPP_MEMORY_MI}Mi")
    limits: ResourceList = ResourceList(memory=f"{EPP_MEMORY_LIMIT_MI}Mi")


class Epp(HelmValues):
    resources: EppResources = EppResources()


class ModelServers(HelmValues):
    match_labels: dict[str, str]  # the chart's default target port, 8000, is the engines' (apps/vllm/flows.py)


class MetricsAuth(HelmValues):
    # The chart's fixed default name would be one Secret for every pool of the namespace (research section 3).
    secret_name: str


class PrometheusMonitor(HelmValues):
    enabled: bool = True  # a ServiceMonitor whose scrapes carry the EPP's service-account token
    auth: MetricsAuth


class MonitoringProvider(HelmValues):
    # provider.name gke would otherwise make it Google Managed Prometheus, which the cluster leaves off.
    name: Literal["prometheusoperator"] = "prometheusoperator"


class EppMonitoring(HelmValues):
    prometheus: PrometheusMonitor
    provider: MonitoringProvider | None = None


class RouterLibrary(HelmValues):
    model_servers: ModelServers
    epp: Epp = Epp()
    monitoring: EppMonitoring | None = None


class Provider(HelmValues):
    name: Literal["gke"] = "gke"  # HealthCheckPolicy and GCPBackendPolicy for GKE's Gateway (templates/gke.yaml)


class HttpRoute(HelmValues):
    create: bool = True
    inference_gateway_name: str = GATEWAY_NAME
    inference_gateway_namespace: str = GATEWAY_NAMESPACE
    base_model: str  # the route matches BASE_MODEL_HEADER equal to this (templates/httproute.yaml L24-30)


class InferencePoolValues(HelmValues):
    router: RouterLibrary
    provider: Provider | None = None  # None: the chart's `none`, what agentgateway needs
    http_route: HttpRoute

    @classmethod
    def for_model(cls, environment: Environment, model: VllmModelSpec) -> InferencePoolValues:
        google = environment.cloud is Cloud.GOOGLE
        monitoring = (
            EppMonitoring(
                prometheus=PrometheusMonitor(auth=MetricsAuth(secret_name=f"{epp_name(model)}-metrics-reader")),
                provider=MonitoringProvider() if google else None,
            )
            if environment.apps.monitoring.enabled
            else None
        )
        return cls(
            router=RouterLibrary(model_servers=ModelServers(match_labels=engine_labels(model)), monitoring=monitoring),
            provider=Provider() if google else None,
            http_route=HttpRoute(base_model=model.model),  # the name vLLM serves it under, the body's `model`
        )


class InferencePoolRelease(PinnedHelmRelease):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment: Environment,
        model: VllmModelSpec,
        after: Sequence[ITerraformDependable],
    ) -> None:
        pin = replace(LLM_D_ROUTER_GATEWAY, release=pool_name(model))
        values = InferencePoolValues.for_model(environment, model)
        super().__init__(scope, construct_id, pin=pin, values=values, after=after)


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    environment = context.environment
    gateway = CustomObjectsRelease(
        stack,
        DECLARATION.construct_id,
        release_name=GATEWAY_NAME,
        namespace=GATEWAY_NAMESPACE,
        objects=gateway_objects(environment),
        after=context.after,
    )
    pools = [
        InferencePoolRelease(
            stack, pool_name(model), environment=environment, model=model, after=[*context.after, gateway.release]
        )
        for model in environment.apps.vllm.models
    ]
    return Installed(provides={INFERENCE_GATEWAY: [gateway.release, *(pool.release for pool in pools)]})
