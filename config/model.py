"""The typed environment: what one environment file means once it has been validated.

Field names follow dot-kubernetes' `spec.parameters` (camelCase in YAML, snake_case in Python).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from config.catalogue import DEFAULT_KUBERNETES_VERSION, DEFAULT_REGIONS, Cloud, NodeSize

NAME_PATTERN = r"^[a-z][a-z0-9-]*$"
NAME_MAX_LENGTH = 24  # leaves room for suffixes under the shortest cloud limit (IAM role names, 64)
LABEL_PATTERN = r"^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$"
VERSION_PATTERN = r"^1\.[0-9]{2}$"
REGION_PATTERN = r"^[a-z][a-z0-9-]*[0-9a-z]$"
MACHINE_TYPE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
PROJECT_PATTERN = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
ZONE_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$"
GOOGLE_ZONE_PATTERN = r"^[a-z]+-[a-z]+[0-9]+-[a-z]$"
NO_SPACES_PATTERN = r"^\S+$"
NAMESPACE_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
OBJECT_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
SECRET_TYPE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./_-]*$"
# Every character any of the three secret managers allows; config/external_secrets.py narrows it per cloud.
CLOUD_SECRET_NAME_PATTERN = r"^[A-Za-z0-9/_+=.@-]+$"
AZURE_VAULT_URL_PATTERN = r"^https://[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]\.vault\.azure\.net/?$"
# Every pattern above, in words, for error messages.
PATTERN_MEANINGS = {
    NAME_PATTERN: "lowercase letters, digits and hyphens, starting with a letter",
    VERSION_PATTERN: 'a Kubernetes version "1.NN" in quotes, such as "1.33"',
    REGION_PATTERN: "a region name such as us-east-1, us-east1 or eastus",
    MACHINE_TYPE_PATTERN: "a machine type without spaces, such as g5.xlarge",
    PROJECT_PATTERN: "a Google project ID: 6 to 30 lowercase letters, digits and hyphens",
    LABEL_PATTERN: "lowercase letters, digits, '.', '_' and '-'",
    ZONE_PATTERN: "an AWS availability zone such as us-east-1a",
    GOOGLE_ZONE_PATTERN: "a Google zone such as us-east1-c",
    NO_SPACES_PATTERN: "text without spaces",
    NAMESPACE_PATTERN: "a Kubernetes namespace name: lowercase letters, digits and hyphens",
    OBJECT_NAME_PATTERN: "a Kubernetes object name: lowercase letters, digits, '-' and '.'",
    SECRET_TYPE_PATTERN: "a Secret type such as Opaque or kubernetes.io/dockerconfigjson",
    CLOUD_SECRET_NAME_PATTERN: "a secret name: letters, digits and '/_+=.@-'",
    AZURE_VAULT_URL_PATTERN: "a Key Vault URL such as https://my-vault.vault.azure.net/",
}

Count = Annotated[int, Field(ge=0, le=1000)]
PositiveCount = Annotated[int, Field(ge=1, le=1000)]
NonEmpty = Annotated[str, Field(min_length=1, max_length=256, pattern=NO_SPACES_PATTERN)]
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


class GpuSpec(ScalingSpec):
    enabled: bool = False
    node_size: NodeSize = "small"
    min_node_count: Count = 1
    max_node_count: PositiveCount = Field(default=10, validate_default=True)
    instance_type: Annotated[str, Field(pattern=MACHINE_TYPE_PATTERN, max_length=64)] | None = None
    # google only: the zones of the GPU pool (default: the catalogue's zones for the region and GPU)
    zones: (
        Annotated[list[Annotated[str, Field(pattern=GOOGLE_ZONE_PATTERN)]], Field(min_length=1, max_length=8)] | None
    ) = None


class AppSpec(Spec):
    enabled: bool = False


class ExternalSecretSpec(Spec):
    """One secret of the cloud's secret manager, copied into a Kubernetes Secret (dot-kubernetes' fields)."""

    from_secret: Annotated[str, Field(pattern=CLOUD_SECRET_NAME_PATTERN, max_length=512)]
    to_secret: Annotated[str, Field(pattern=OBJECT_NAME_PATTERN, max_length=253)]
    to_namespace: Annotated[str, Field(pattern=NAMESPACE_PATTERN, max_length=63)]
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
    nvidia: AppSpec = AppSpec()
    vllm: AppSpec = AppSpec()
    external_secrets: ExternalSecretsSpec = ExternalSecretsSpec()


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


class EndpointAccessSpec(Spec):
    """Who may reach the Kubernetes API. Private access is always on; public access is limited to CIDRs."""

    # Private by default: the public endpoint opens only to the CIDRs listed here.
    public_access_cidrs: list[str] = []

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
    version: Annotated[str, Field(pattern=VERSION_PATTERN)] = DEFAULT_KUBERNETES_VERSION
    project: Annotated[str, Field(pattern=PROJECT_PATTERN)] | None = None
    node_size: NodeSize = "small"
    min_node_count: PositiveCount = 1  # the system pool hosts the vLLM router and operator controllers
    max_node_count: PositiveCount = Field(default=10, validate_default=True)
    gpu: GpuSpec = GpuSpec()
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

    @field_validator("project")
    @classmethod
    def _project_only_on_google(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("cloud") not in (None, Cloud.GOOGLE):
            raise ValueError("project applies only to cloud: google")
        return value

    @field_validator("gpu")
    @classmethod
    def _gpu_zones_in_the_region(cls, gpu: GpuSpec, info: ValidationInfo) -> GpuSpec:
        if gpu.zones is None:
            return gpu
        if info.data.get("cloud") not in (None, Cloud.GOOGLE):
            raise ValueError("zones applies only to cloud: google")
        region = info.data.get("region")
        outside = [zone for zone in gpu.zones if region and zone.rsplit("-", 1)[0] != region]
        if outside:
            raise ValueError(f"zones: {outside[0]!r} is not a zone of region {region!r}")
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
