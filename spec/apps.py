"""The `apps` section: one model per app the apps stack can install (field names as dot-kubernetes has them)."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from catalogue.charts import VLLM_ENGINE_IMAGE, VLLM_STACK
from spec.fields import (
    AZURE_VAULT_URL_PATTERN,
    CLOUD_SECRET_NAME_PATTERN,
    HOSTNAME_PATTERN,
    HTTP_HEADER_PATTERN,
    IMAGE_PATTERN,
    MODEL_PATTERN,
    OBJECT_NAME_PATTERN,
    POOL_NAME_PATTERN,
    QUANTITY_PATTERN,
    REPO_URL_PATTERN,
    RESERVED_NAMESPACES,
    RETENTION_PATTERN,
    REVISION_PATTERN,
    SECRET_KEY_PATTERN,
    SECRET_TYPE_PATTERN,
    SERVICE_NAME_PATTERN,
    SOURCE_PATH_PATTERN,
    WEIGHTS_PATTERN,
    Count,
    DnsLabel,
    PositiveCount,
    Spec,
)

MODEL_NAME_MAX_LENGTH = 63 - len(f"{VLLM_STACK.release}--engine-service")
# vLLM flags that a model field sets; passing them in extraArgs as well would contradict the field.
FLAGS_OF_FIELDS = {
    "--tensor-parallel-size": "tensorParallelSize",
    "--max-model-len": "maxModelLen",
    "--dtype": "dtype",
    "--pipeline-parallel-size": "gpus / tensorParallelSize",
    "--hf-token": "hfTokenSecret",
    "--revision": "revision",
}


class AppSpec(Spec):
    enabled: bool = False


# dot-kubernetes' defaults for apps.argocd (kcl/data.k `appArgocd` in vfarcic/crossplane-kubernetes).
ARGOCD_REFERENCE_REPO_URL = "https://github.com/vfarcic/SOMETHING"  # a placeholder there, too


class ArgocdSpec(AppSpec):
    host: Annotated[str, Field(pattern=HOSTNAME_PATTERN, max_length=253)] = "acme.com"
    repo_url: Annotated[str, Field(alias="repoURL", pattern=REPO_URL_PATTERN, max_length=2048)] = (
        ARGOCD_REFERENCE_REPO_URL
    )
    # The one namespace the Application may deploy into (its AppProject allows no other, apps/argocd/install.py).
    destination_namespace: DnsLabel = "argo-cd"
    source_path: Annotated[str, Field(pattern=SOURCE_PATH_PATTERN, max_length=1024)] = "."

    @field_validator("destination_namespace")
    @classmethod
    def _destination_not_reserved(cls, namespace: str) -> str:
        # In argocd the repository could rewrite its own AppProject; elsewhere it would share a namespace with
        # Kubernetes or one of our releases.
        if namespace in RESERVED_NAMESPACES:
            raise ValueError(f"{namespace!r} is reserved (Kubernetes' own, or where one of our apps installs)")
        return namespace


Exposure = Literal["internal", "public"]


class LoadBalancerSpec(Spec):
    """A LoadBalancer Service of ours: inside the cluster's network unless made public, open to sourceRanges."""

    # internal: an address of the VPC/VNet only; public: an internet-facing address, open to sourceRanges only.
    exposure: Exposure = "internal"
    # Who may reach the load balancer (its loadBalancerSourceRanges), in either exposure; empty: the whole network
    # (internal). After `exposure`, so that its validator sees it.
    source_ranges: list[str] = Field(default=[], validate_default=True)

    @field_validator("source_ranges")
    @classmethod
    def _cidrs_and_public_names_them(cls, ranges: list[str], info: ValidationInfo) -> list[str]:
        for cidr in ranges:
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError as error:
                raise ValueError(f"{cidr!r} is not a CIDR block ({error})") from None
        if len(set(ranges)) != len(ranges):
            raise ValueError("a CIDR block is listed twice")
        if info.data.get("exposure") == "public" and not ranges:
            raise ValueError(
                "exposure: public needs the CIDR blocks that may reach the load balancer "
                '(["0.0.0.0/0"] opens it to everyone)'
            )
        return ranges


class TraefikSpec(LoadBalancerSpec, AppSpec):
    """Traefik's LoadBalancer Service (apps/traefik/install.py)."""


class GatewaySpec(LoadBalancerSpec):
    """The inference Gateway's address (`routing: gateway`): the same choice as Traefik's (apps/inference_gateway)."""


Quantity = Annotated[str, Field(pattern=QUANTITY_PATTERN)]
RoutingLogic = Literal["roundrobin", "session", "prefixaware", "kvaware"]
Dtype = Literal["auto", "half", "float16", "bfloat16", "float32"]


class SecretRef(Spec):
    """A key of a Kubernetes Secret in the vllm namespace; the value itself never appears in an environment file."""

    name: Annotated[str, Field(pattern=OBJECT_NAME_PATTERN, max_length=253)]
    key: Annotated[str, Field(pattern=SECRET_KEY_PATTERN, max_length=253)]


class AutoscalingSpec(Spec):
    """KEDA scales the model's engines on its own queue: requests waiting per replica (vllm:num_requests_waiting)."""

    min_replicas: Count = 1  # 0: scale to zero when idle (a cold start on the next request)
    max_replicas: PositiveCount = Field(default=2, validate_default=True)
    target_waiting_requests: Annotated[int, Field(ge=1, le=10_000)] = 5  # per replica, averaged
    scale_down_after_seconds: Annotated[int, Field(ge=30, le=86_400)] = 300

    @field_validator("max_replicas")
    @classmethod
    def _max_not_below_min(cls, maximum: int, info: ValidationInfo) -> int:
        minimum = info.data.get("min_replicas")
        if minimum is not None and minimum > maximum:
            raise ValueError(f"minReplicas ({minimum}) is greater than maxReplicas ({maximum})")
        return maximum


class VllmModelSpec(Spec):
    """One served model: a vLLM engine Deployment and Service behind the router."""

    name: Annotated[str, Field(pattern=SERVICE_NAME_PATTERN, max_length=MODEL_NAME_MAX_LENGTH)]
    model: Annotated[str, Field(pattern=MODEL_PATTERN, max_length=256)]
    image: Annotated[str, Field(pattern=IMAGE_PATTERN, max_length=256)] = VLLM_ENGINE_IMAGE
    replicas: Count = 1
    gpus: PositiveCount = 1  # per replica
    cpu: PositiveCount | None = None  # whole cores; None: the tier's default (apps/vllm/serving.py)
    memory: Quantity | None = None  # None: the tier's default (apps/vllm/serving.py)
    storage: Quantity | None = None  # model-cache volume; None: no volume, weights download to the pod
    # A copy of the weights in the cloud's object storage, streamed to the GPUs (apps/vllm/weights.py); None: from
    # Hugging Face (or `storage`). `model` stays the name clients ask for.
    weights: Annotated[str, Field(pattern=WEIGHTS_PATTERN, max_length=1024)] | None = None
    max_model_len: Annotated[int, Field(ge=1, le=10_000_000)] | None = None  # tokens
    dtype: Dtype | None = None
    tensor_parallel_size: PositiveCount | None = None  # None: gpus
    extra_args: list[Annotated[str, Field(min_length=1, max_length=1024)]] = Field(default_factory=list)
    hf_token_secret: SecretRef | None = None
    # A Hugging Face commit, branch or tag; None: main. With apps.vllm.modelCache a change downloads again.
    revision: Annotated[str, Field(pattern=REVISION_PATTERN, max_length=128)] | None = None
    # A gpu.pools name; None: the pool with the fewest GPUs per node that holds a replica.
    pool: Annotated[str, Field(pattern=POOL_NAME_PATTERN)] | None = None
    # None: `replicas` engines, always; set: between minReplicas and maxReplicas (apps.monitoring must be on)
    autoscaling: AutoscalingSpec | None = None

    @field_validator("extra_args")
    @classmethod
    def _no_flag_a_field_sets(cls, arguments: list[str]) -> list[str]:
        for argument in arguments:
            if "${" in argument or "%{" in argument:
                raise ValueError(f"{argument!r}: Terraform would read ${{...}} and %{{...}} as expressions")
            flag = argument.split("=", 1)[0]
            if flag in FLAGS_OF_FIELDS:
                raise ValueError(f"{flag} is set from {FLAGS_OF_FIELDS[flag]}; use that instead")
        return arguments


class ModelCacheSpec(Spec):
    """One shared ReadWriteMany volume per cluster that keeps every model's download (apps/vllm/cache.py)."""

    enabled: bool = False
    size: Quantity = "100Gi"  # what the claim asks for; Azure Files provisions (and bills) it, EFS and GCS grow


Routing = Literal["router", "gateway"]


class VllmSpec(Spec):
    enabled: bool = False
    model_cache: ModelCacheSpec = ModelCacheSpec()
    # router: the vllm-stack router; gateway: the Gateway API with one InferencePool and endpoint picker per model.
    routing: Routing = "router"
    gateway: GatewaySpec = GatewaySpec()
    routing_logic: RoutingLogic | None = None  # None: the chart's default, roundrobin
    session_key: Annotated[str, Field(pattern=HTTP_HEADER_PATTERN, max_length=128)] | None = Field(
        default=None, validate_default=True
    )
    models: list[VllmModelSpec] = Field(default_factory=list)

    # A field validator (not a model validator) so the error names sessionKey.
    @field_validator("session_key")
    @classmethod
    def _session_key_with_session_routing(cls, key: str | None, info: ValidationInfo) -> str | None:
        routing = info.data.get("routing_logic")
        if routing == "session" and key is None:
            raise ValueError("required with routingLogic: session (the request header that pins a user to an engine)")
        if routing != "session" and key is not None:
            raise ValueError("applies only to routingLogic: session")
        return key

    @field_validator("models")
    @classmethod
    def _unique_names(cls, models: list[VllmModelSpec]) -> list[VllmModelSpec]:
        names = [model.name for model in models]
        repeated = next((name for name in names if names.count(name) > 1), None)
        if repeated is not None:
            raise ValueError(f"two models are named {repeated!r}; names must be unique")
        return models


class MonitoringSpec(AppSpec):
    """kube-prometheus-stack: Prometheus (scrapes every ServiceMonitor), Grafana with the vLLM and DCGM dashboards."""

    retention: Annotated[str, Field(pattern=RETENTION_PATTERN)] = "2d"  # long-term history belongs elsewhere
    storage: Quantity = "20Gi"  # Prometheus' volume, on the cluster's default StorageClass


class ExternalSecretSpec(Spec):
    """One secret of the cloud's secret manager, copied into a Kubernetes Secret (dot-kubernetes' fields)."""

    from_secret: Annotated[str, Field(pattern=CLOUD_SECRET_NAME_PATTERN, max_length=512)]
    to_secret: Annotated[str, Field(pattern=OBJECT_NAME_PATTERN, max_length=253)]
    to_namespace: DnsLabel
    type: Annotated[str, Field(pattern=SECRET_TYPE_PATTERN, max_length=253)] = "Opaque"


class ExternalSecretsSpec(AppSpec):
    store: bool = False  # a ClusterSecretStore for the cloud's secret manager, reached with workload identity
    azure_vault_url: Annotated[str, Field(pattern=AZURE_VAULT_URL_PATTERN)] | None = None
    secrets: list[ExternalSecretSpec] = Field(default_factory=list)  # after `store`: its validator sees it

    @field_validator("store")
    @classmethod
    def _store_needs_the_operator(cls, store: bool, info: ValidationInfo) -> bool:
        if store and info.data.get("enabled") is False:
            raise ValueError("store: true needs enabled: true (the store is an object of the operator's CRDs)")
        return store

    @field_validator("secrets")
    @classmethod
    def _secrets_need_a_store_and_distinct_targets(
        cls, secrets: list[ExternalSecretSpec], info: ValidationInfo
    ) -> list[ExternalSecretSpec]:
        if secrets and info.data.get("store") is not True:
            raise ValueError("secrets need store: true (every ExternalSecret reads from the store it creates)")
        targets = [(secret.to_namespace, secret.to_secret) for secret in secrets]
        repeated = next((target for index, target in enumerate(targets) if target in targets[:index]), None)
        if repeated:
            namespace, name = repeated
            raise ValueError(f"toSecret {name!r} in toNamespace {namespace!r} is listed twice")
        return secrets


class AppsSpec(Spec):
    monitoring: MonitoringSpec = MonitoringSpec()
    nvidia: AppSpec = AppSpec()
    vllm: VllmSpec = VllmSpec()
    crossplane: AppSpec = AppSpec()
    argocd: ArgocdSpec = ArgocdSpec()
    traefik: TraefikSpec = TraefikSpec()
    dapr: AppSpec = AppSpec()
    openfunction: AppSpec = AppSpec()  # accepted, never installed (validation/warnings.py says why)
    external_secrets: ExternalSecretsSpec = ExternalSecretsSpec()
