"""The typed environment: what one environment file means once it has been validated.

Field names follow dot-kubernetes' `spec.parameters` (camelCase in YAML, snake_case in Python).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

from catalogue import charts
from catalogue.charts import VLLM_ENGINE_IMAGE, VLLM_STACK
from catalogue.kubernetes_versions import DEFAULT_VERSIONS
from catalogue.machines import Accelerator
from catalogue.node_sizes import DEFAULT_REGIONS, Cloud, NodeSize

NAME_PATTERN = r"^[a-z][a-z0-9-]*$"
NAME_MAX_LENGTH = 24  # leaves room for suffixes under the shortest cloud limit (IAM role names, 64)
LABEL_PATTERN = r"^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$"
VERSION_PATTERN = r"^1\.[0-9]{2}$"
REGION_PATTERN = r"^[a-z][a-z0-9-]*[0-9a-z]$"
MACHINE_TYPE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
PROJECT_PATTERN = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
ZONE_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$"
GOOGLE_ZONE_PATTERN = r"^[a-z]+-[a-z]+[0-9]+-[a-z]$"
SUBSCRIPTION_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
NO_SPACES_PATTERN = r"^\S+$"
# A pool's name with our 6-hex replacement suffix must fit AKS's pool names (^[a-z][a-z0-9]{0,11}$: no hyphen).
POOL_NAME_PATTERN = r"^[a-z][a-z0-9]{0,5}$"
DNS_LABEL_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"  # RFC 1123 label: what Kubernetes accepts as a namespace
HOSTNAME_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$"
REPO_URL_PATTERN = r"^(https?://|ssh://|git@)\S+$"  # the repository URL forms Argo CD accepts
SOURCE_PATH_PATTERN = r"^(\.|[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)$"
# RFC 1035 label: what a Service name (the chart names one per model) must be
SERVICE_NAME_PATTERN = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
SECRET_KEY_PATTERN = r"^[-._a-zA-Z0-9]+$"
QUANTITY_PATTERN = r"^[1-9][0-9]*(Mi|Gi|Ti)$"
RETENTION_PATTERN = r"^[1-9][0-9]*(h|d|w)$"
IMAGE_PATTERN = r"^[a-z0-9][a-z0-9._/:-]*:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$"
HTTP_HEADER_PATTERN = r"^[A-Za-z0-9-]+$"
MODEL_PATTERN = r"^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$"
OBJECT_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
SECRET_TYPE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./_-]*$"
# Every character any of the three secret managers allows; apps/external_secrets/__init__.py narrows it per cloud.
CLOUD_SECRET_NAME_PATTERN = r"^[A-Za-z0-9/_+=.@-]+$"
AZURE_VAULT_URL_PATTERN = r"^https://[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]\.vault\.azure\.net/?$"
# Object storage the Run:ai Model Streamer reads; apps/vllm/weights.py checks the scheme and names per cloud. No
# character that Terraform (`${`), an IAM ARN (`*`, `?`) or a condition's string literal (quotes) would read.
WEIGHTS_PATTERN = r"^(s3|gs|az)://[A-Za-z0-9._/-]+$"
# Every pattern above, in words, for error messages.
PATTERN_MEANINGS = {
    NAME_PATTERN: "lowercase letters, digits and hyphens, starting with a letter",
    VERSION_PATTERN: 'a Kubernetes version "1.NN" in quotes, such as "1.36"',
    REGION_PATTERN: "a region name such as us-east-1, us-east1 or eastus",
    MACHINE_TYPE_PATTERN: "a machine type without spaces, such as g5.xlarge",
    PROJECT_PATTERN: "a Google project ID: 6 to 30 lowercase letters, digits and hyphens",
    LABEL_PATTERN: "lowercase letters, digits, '.', '_' and '-'",
    ZONE_PATTERN: "an AWS availability zone such as us-east-1a",
    GOOGLE_ZONE_PATTERN: "a Google zone such as us-east1-c",
    SUBSCRIPTION_PATTERN: "an Azure subscription ID: a lowercase GUID such as 00000000-0000-0000-0000-000000000000",
    NO_SPACES_PATTERN: "text without spaces",
    POOL_NAME_PATTERN: "1 to 6 lowercase letters and digits, starting with a letter (AKS pool names allow no more)",
    DNS_LABEL_PATTERN: "a DNS label: lowercase letters, digits and hyphens, starting and ending with a letter or digit",
    HOSTNAME_PATTERN: "a lowercase DNS name such as argocd.example.com",
    REPO_URL_PATTERN: "a Git repository URL (https://, ssh:// or git@)",
    SOURCE_PATH_PATTERN: "a relative path inside the repository, such as . or apps/dev",
    SERVICE_NAME_PATTERN: "lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
    SECRET_KEY_PATTERN: "a Secret key: letters, digits, '-', '_' and '.'",
    QUANTITY_PATTERN: "a whole number of Mi, Gi or Ti, such as 16Gi",
    RETENTION_PATTERN: "a whole number of hours, days or weeks, such as 48h or 7d",
    IMAGE_PATTERN: "an image with a tag, such as vllm/vllm-openai:v0.33.0",
    HTTP_HEADER_PATTERN: "an HTTP header name such as x-user-id",
    MODEL_PATTERN: "a Hugging Face model id such as facebook/opt-125m, or a path",
    OBJECT_NAME_PATTERN: "a Kubernetes object name: lowercase letters, digits, '-' and '.'",
    SECRET_TYPE_PATTERN: "a Secret type such as Opaque or kubernetes.io/dockerconfigjson",
    CLOUD_SECRET_NAME_PATTERN: "a secret name: letters, digits and '/_+=.@-'",
    AZURE_VAULT_URL_PATTERN: "a Key Vault URL such as https://my-vault.vault.azure.net/",
    WEIGHTS_PATTERN: (
        "s3://<bucket>/<folder>, gs://<bucket>/<folder> or az://<account>/<container>/<folder>: letters, digits, "
        "'.', '_', '-' and '/'"
    ),
}
# The chart names a model's Service `<release>-<name>-engine-service`, which must be a DNS label (63 characters).
MODEL_NAME_MAX_LENGTH = 63 - len(f"{VLLM_STACK.release}--engine-service")
# vLLM flags that a model field sets; passing them in extraArgs as well would contradict the field.
FLAGS_OF_FIELDS = {
    "--tensor-parallel-size": "tensorParallelSize",
    "--max-model-len": "maxModelLen",
    "--dtype": "dtype",
    "--pipeline-parallel-size": "gpus / tensorParallelSize",
    "--hf-token": "hfTokenSecret",
}


Count = Annotated[int, Field(ge=0, le=1000)]
PositiveCount = Annotated[int, Field(ge=1, le=1000)]
NonEmpty = Annotated[str, Field(min_length=1, max_length=256, pattern=NO_SPACES_PATTERN)]
DnsLabel = Annotated[str, Field(pattern=DNS_LABEL_PATTERN, max_length=63)]
Capacity = Literal["onDemand", "spot"]
MAX_GPU_POOLS = 8
GoogleZones = Annotated[list[Annotated[str, Field(pattern=GOOGLE_ZONE_PATTERN)]], Field(min_length=1, max_length=8)]
ZoneList = Annotated[list[Annotated[str, Field(pattern=ZONE_PATTERN)]], Field(min_length=3, max_length=3)]


class Spec(BaseModel):
    """Base for every section: camelCase keys, no unknown keys, no type coercion, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        extra="forbid",
        strict=True,
        frozen=True,
    )


class ScalingSpec(Spec):
    min_node_count: int
    max_node_count: int  # subclasses give it a default with validate_default, so the check below always runs

    # A field validator (not a model validator) so the error names the field, e.g. gpu.maxNodeCount.
    @field_validator("max_node_count")
    @classmethod
    def _max_not_below_min(cls, maximum: int, info: ValidationInfo) -> int:
        minimum = info.data.get("min_node_count")  # absent when minNodeCount itself was invalid
        if minimum is not None and minimum > maximum:
            raise ValueError(f"minNodeCount ({minimum}) is greater than maxNodeCount ({maximum})")
        return maximum


class GpuPoolSpec(ScalingSpec):
    """One GPU node pool of `gpu.pools`: exactly one of accelerator (+ gpusPerNode), instanceType or nodeSize."""

    name: Annotated[str, Field(pattern=POOL_NAME_PATTERN)]
    accelerator: Annotated[Accelerator, Field(strict=False)] | None = None  # lax: YAML gives a plain string
    gpus_per_node: PositiveCount | None = None  # None: 1 with accelerator
    instance_type: Annotated[str, Field(pattern=MACHINE_TYPE_PATTERN, max_length=64)] | None = None
    node_size: NodeSize | None = None
    capacity: Capacity = "onDemand"
    min_node_count: Count = 1
    max_node_count: PositiveCount = Field(default=10, validate_default=True)
    # None: gpu.scaleDownAfterMinutes
    scale_down_after_minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    zones: GoogleZones | None = None  # google only, as gpu.zones

    @model_validator(mode="after")
    def _one_shape(self) -> GpuPoolSpec:
        shapes = {"accelerator": self.accelerator, "instanceType": self.instance_type, "nodeSize": self.node_size}
        given = [name for name, value in shapes.items() if value is not None]
        if len(given) != 1:
            found = ", ".join(given) or "none"
            raise ValueError(
                f"pool {self.name!r}: set exactly one of accelerator, instanceType or nodeSize (found {found})"
            )
        if self.gpus_per_node is not None and self.accelerator is None:
            raise ValueError(f"pool {self.name!r}: gpusPerNode applies only with accelerator")
        return self


class GpuSpec(ScalingSpec):
    enabled: bool = False
    node_size: NodeSize = "small"
    min_node_count: Count = 1
    max_node_count: PositiveCount = Field(default=10, validate_default=True)
    instance_type: Annotated[str, Field(pattern=MACHINE_TYPE_PATTERN, max_length=64)] | None = None
    # How long a GPU node stays idle before the autoscaler removes it (the upstream default; GPUs are costly).
    scale_down_after_minutes: Annotated[int, Field(ge=1, le=1440)] = 10
    # google only: the zones of the GPU pool (default: the catalogue's zones for the region and GPU)
    zones: GoogleZones | None = None
    # Several pools by accelerator, on spot or on demand; without it the fields above make the one pool `gpu`.
    pools: Annotated[list[GpuPoolSpec], Field(min_length=1, max_length=MAX_GPU_POOLS)] | None = None

    @model_validator(mode="after")
    def _one_pool_form(self) -> GpuSpec:
        single = {"nodeSize", "instanceType", "minNodeCount", "maxNodeCount", "zones", "scaleDownAfterMinutes"}
        mixed = sorted(single & {to_camel(name) for name in self.model_fields_set}) if self.pools else []
        if mixed and mixed != ["scaleDownAfterMinutes"]:
            first = next(name for name in mixed if name != "scaleDownAfterMinutes")
            raise ValueError(f"{first} describes the single GPU pool; with pools, set it on each pool instead")
        return self

    @field_validator("pools")
    @classmethod
    def _pools_alone_and_unique(cls, pools: list[GpuPoolSpec] | None, info: ValidationInfo) -> list[GpuPoolSpec] | None:
        if pools is None:
            return None
        if info.data.get("enabled") is False:
            raise ValueError("need gpu.enabled: true")
        names = [pool.name for pool in pools]
        repeated = next((name for name in names if names.count(name) > 1), None)
        if repeated is not None:
            raise ValueError(f"two pools are named {repeated!r}; names must be unique")
        if "system" in names:
            raise ValueError("'system' is the system pool's name; choose another")
        return pools


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


TraefikExposure = Literal["internal", "public"]


class TraefikSpec(AppSpec):
    """Traefik's LoadBalancer Service (apps/traefik/install.py): inside the cluster's network unless made public."""

    # internal: an address of the VPC/VNet only; public: an internet-facing address, open to sourceRanges only.
    exposure: TraefikExposure = "internal"
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
    extra_args: list[Annotated[str, Field(min_length=1, max_length=1024)]] = []
    hf_token_secret: SecretRef | None = None
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


class VllmSpec(Spec):
    enabled: bool = False
    routing_logic: RoutingLogic | None = None  # None: the chart's default, roundrobin
    session_key: Annotated[str, Field(pattern=HTTP_HEADER_PATTERN, max_length=128)] | None = Field(
        default=None, validate_default=True
    )
    models: list[VllmModelSpec] = []

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
    secrets: list[ExternalSecretSpec] = []  # after `store`, so its validator can see it

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


# Kubernetes' own namespaces and every namespace one of our releases installs into: a user namespace of the
# same name would be shared with (and deleted along with) that release.
RESERVED_NAMESPACES = frozenset(
    {"default", "kube-system", "kube-public", "kube-node-lease"}
    | {pin.namespace for pin in vars(charts).values() if isinstance(pin, charts.ChartPin)}
)


class LocalBackend(Spec):
    type: Literal["local"] = "local"
    path: NonEmpty = "state"  # folder; one <stack>.tfstate per stack


class S3Backend(Spec):
    type: Literal["s3"]
    bucket: NonEmpty
    key_prefix: NonEmpty = "gpu-clusters"
    region: NonEmpty
    use_lockfile: bool = True  # S3-native state locking (Terraform >= 1.10), no DynamoDB table needed


class GcsBackend(Spec):
    type: Literal["gcs"]
    bucket: NonEmpty
    prefix: NonEmpty = "gpu-clusters"


class AzurermBackend(Spec):
    type: Literal["azurerm"]
    resource_group_name: NonEmpty
    storage_account_name: NonEmpty
    container_name: NonEmpty
    key_prefix: NonEmpty = "gpu-clusters"


class CloudBackend(Spec):
    """Terraform Cloud / Enterprise; the token comes from `terraform login` or TF_TOKEN_*, never from here."""

    type: Literal["cloud"]
    organization: NonEmpty
    hostname: NonEmpty = "app.terraform.io"
    project: NonEmpty | None = None
    workspace_tags: list[Annotated[str, Field(pattern=LABEL_PATTERN)]] = []


Backend = Annotated[
    LocalBackend | S3Backend | GcsBackend | AzurermBackend | CloudBackend,
    Field(discriminator="type"),
]


# Where `make deploy` runs relative to the cluster's network (aws and azure without publicAccessCidrs).
# A field, not a flag on the command line: the answer belongs to the environment (a Terraform Cloud agent pool
# or a CI runner inside the VPC), is reviewed with it, and holds the same on a laptop, in CI and on Terraform
# Cloud, where nobody can pass an extra variable to make.
DeployFrom = Literal["outside-network", "inside-network"]


class EndpointAccessSpec(Spec):
    """Who may reach the Kubernetes API. Private access is always on; public access is limited to CIDRs."""

    # Private by default: the public endpoint opens only to the CIDRs listed here.
    public_access_cidrs: list[str] = []
    # inside-network: the runner of the apps stack reaches the private endpoint (VPC, peering, VPN, agent).
    deploy_from: DeployFrom = "outside-network"

    @field_validator("public_access_cidrs")
    @classmethod
    def _cidrs(cls, cidrs: list[str]) -> list[str]:
        for cidr in cidrs:
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError as error:
                raise ValueError(f"{cidr!r} is not a CIDR block ({error})") from None
        return cidrs


class Environment(ScalingSpec):
    name: Annotated[str, Field(pattern=NAME_PATTERN, min_length=1, max_length=NAME_MAX_LENGTH)]
    cloud: Annotated[Cloud, Field(strict=False)]  # lax: YAML gives a plain string; errors then list the values
    region: Annotated[str, Field(pattern=REGION_PATTERN)] | None = Field(default=None, validate_default=True)
    # Default: the cloud's default in catalogue/kubernetes_versions.py (filled in by _default_version).
    version: Annotated[str, Field(pattern=VERSION_PATTERN)] = Field(default=None, validate_default=True)
    project: Annotated[str, Field(pattern=PROJECT_PATTERN)] | None = None
    # azure only: the subscription both stacks' azurerm provider uses (unset: ARM_SUBSCRIPTION_ID).
    subscription_id: Annotated[str, Field(pattern=SUBSCRIPTION_PATTERN)] | None = None
    node_size: NodeSize = "small"
    min_node_count: PositiveCount = 1  # the system pool hosts the vLLM router and operator controllers
    max_node_count: PositiveCount = Field(default=10, validate_default=True)
    gpu: GpuSpec = GpuSpec()
    namespaces: list[DnsLabel] = ["dev", "production"]  # dot-kubernetes' default, for both file formats
    apps: AppsSpec = AppsSpec()
    backend: Backend = LocalBackend()
    endpoint_access: EndpointAccessSpec = EndpointAccessSpec()
    # AWS only: the three zones of the VPC, pinned so a new zone never reshuffles subnets (default: <region>a/b/c)
    availability_zones: ZoneList | None = None

    @field_validator("region")
    @classmethod
    def _default_region(cls, value: str | None, info: ValidationInfo) -> str | None:
        cloud = info.data.get("cloud")
        return value if value is not None or cloud is None else DEFAULT_REGIONS[cloud]

    @field_validator("version", mode="before")
    @classmethod
    def _default_version(cls, value: object, info: ValidationInfo) -> object:
        cloud = info.data.get("cloud")
        return value if value is not None or cloud is None else DEFAULT_VERSIONS[cloud]

    @field_validator("namespaces")
    @classmethod
    def _namespaces_unique_and_ours(cls, namespaces: list[str]) -> list[str]:
        duplicates = sorted({name for name in namespaces if namespaces.count(name) > 1})
        if duplicates:
            raise ValueError(f"{duplicates[0]!r} is listed twice")
        reserved = [name for name in namespaces if name in RESERVED_NAMESPACES]
        if reserved:
            raise ValueError(f"{reserved[0]!r} is reserved (Kubernetes' own, or where one of our apps installs)")
        return namespaces

    @field_validator("project")
    @classmethod
    def _project_only_on_google(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("cloud") not in (None, Cloud.GOOGLE):
            raise ValueError("project applies only to cloud: google")
        return value

    @field_validator("subscription_id")
    @classmethod
    def _subscription_only_on_azure(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("cloud") not in (None, Cloud.AZURE):
            raise ValueError("subscriptionId applies only to cloud: azure")
        return value

    @field_validator("gpu")
    @classmethod
    def _gpu_zones_in_the_region(cls, gpu: GpuSpec, info: ValidationInfo) -> GpuSpec:
        pools = gpu.pools or []
        zone_lists = [("zones", gpu.zones), *((f"pools.{i}.zones", pool.zones) for i, pool in enumerate(pools))]
        for field, zones in zone_lists:
            if zones is None:
                continue
            if info.data.get("cloud") not in (None, Cloud.GOOGLE):
                raise ValueError(f"{field} applies only to cloud: google")
            region = info.data.get("region")
            outside = [zone for zone in zones if region and zone.rsplit("-", 1)[0] != region]
            if outside:
                raise ValueError(f"{field}: {outside[0]!r} is not a zone of region {region!r}")
        return gpu

    @field_validator("availability_zones")
    @classmethod
    def _zones_in_the_region(cls, zones: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if zones is None:
            return None
        if info.data.get("cloud") not in (None, Cloud.AWS):
            raise ValueError("availabilityZones applies only to cloud: aws")
        region = info.data.get("region")
        outside = [zone for zone in zones if region and zone[:-1] != region]
        if outside:
            raise ValueError(f"{outside[0]!r} is not a zone of region {region!r}")
        if len(set(zones)) != len(zones):
            raise ValueError("zones must differ")
        return zones

    @property
    def cluster_stack_name(self) -> str:
        return f"{self.name}-cluster"

    @property
    def apps_stack_name(self) -> str:
        return f"{self.name}-apps"

    @property
    def resolved_region(self) -> str:
        assert self.region is not None  # filled by _default_region
        return self.region
