"""The typed environment: what one environment file means once it has been validated.

Field names follow dot-kubernetes' `spec.parameters` (camelCase in YAML, snake_case in Python).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from catalogue.kubernetes_versions import DEFAULT_VERSIONS
from catalogue.node_sizes import DEFAULT_REGIONS, Cloud, NodeSize
from spec.apps import AppsSpec
from spec.backends import Backend, LocalBackend
from spec.fields import (
    NAME_MAX_LENGTH,
    NAME_PATTERN,
    PROJECT_PATTERN,
    REGION_PATTERN,
    RESERVED_NAMESPACES,
    SUBSCRIPTION_PATTERN,
    VERSION_PATTERN,
    DnsLabel,
    PositiveCount,
    ScalingSpec,
    Spec,
    ZoneList,
)
from spec.gpu import GpuSpec

DeployFrom = Literal["outside-network", "inside-network"]


class EndpointAccessSpec(Spec):
    """Who may reach the Kubernetes API. Private access is always on; public access is limited to CIDRs."""

    # Private by default: the public endpoint opens only to the CIDRs listed here.
    public_access_cidrs: list[str] = Field(default_factory=list)
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
    # dot-kubernetes' default, for both file formats
    namespaces: list[DnsLabel] = Field(default_factory=lambda: ["dev", "production"])
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
