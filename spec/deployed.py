"""Changes to a running environment that Terraform would plan without complaint but that break it: refused before
anything changes, each with what to do instead. Pure functions over the environment file and what the cluster
stack's state says was deployed (its `identity` and `kubernetes_version` outputs); the deploy check reads those.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalogue.node_sizes import DEFAULT_AWS_ZONE_SUFFIXES, Cloud
from spec.environment import Environment

# Every cloud upgrades a control plane one minor version at a time and never downgrades one:
# EKS https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html ("one minor version at a time"),
# GKE https://cloud.google.com/kubernetes-engine/docs/concepts/cluster-upgrades (control plane: one minor per
# upgrade, no minor downgrade), AKS https://learn.microsoft.com/azure/aks/upgrade-cluster (no skipping minors,
# except from an unsupported version; no downgrade).
MAX_MINOR_STEP = 1


@dataclass(frozen=True)
class Identity:
    """What locates the running cluster: change one and Terraform plans a second cluster, not a move."""

    cloud: str
    name: str
    region: str
    project: str | None = None  # Google
    subscription: str | None = None  # Azure
    zones: tuple[str, ...] | None = None  # AWS: the subnets' zones, which every node group depends on

    @classmethod
    def of(cls, environment: Environment) -> Identity:
        return cls(
            cloud=environment.cloud.value,
            name=environment.name,
            region=environment.resolved_region,
            project=environment.project,
            subscription=environment.subscription_id,
            zones=aws_zones(environment) if environment.cloud is Cloud.AWS else None,
        )

    def as_output(self) -> dict[str, str | list[str]]:
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in self.__dict__.items()
            if value is not None
        }

    @classmethod
    def from_outputs(cls, outputs: dict[str, Any]) -> Identity | None:
        """From the cluster stack's outputs; stacks deployed before `identity` existed still have name and region."""
        if "identity" in outputs:
            recorded = dict(outputs["identity"])
            if "zones" in recorded:
                recorded["zones"] = tuple(recorded["zones"])
            return cls(**recorded)
        if "cluster_name" in outputs and "region" in outputs:
            return cls(cloud="", name=outputs["cluster_name"], region=outputs["region"])
        return None


def aws_zones(environment: Environment) -> tuple[str, ...]:
    """The zones of an EKS environment's subnets: the file's, else the region's first three."""
    region = environment.resolved_region
    return tuple(environment.availability_zones or [f"{region}{suffix}" for suffix in DEFAULT_AWS_ZONE_SUFFIXES])


# Field of the environment file, as the user writes it, for each part of the identity.
IDENTITY_FIELDS = {"cloud": "cloud", "region": "region", "project": "project", "subscription": "subscriptionId"}


def identity_problem(deployed: Identity, environment: Environment) -> str | None:
    """One line when the file would leave the deployed cluster running unmanaged beside a new one."""
    wanted = Identity.of(environment)
    # A stack deployed before the identity output existed recorded only its name and region.
    parts = IDENTITY_FIELDS if deployed.cloud else {"region": "region"}
    for part, field in parts.items():
        before, after = getattr(deployed, part), getattr(wanted, part)
        if before != after:
            return (
                f"{field}: {before or '(default)'} -> {after or '(default)'} would create a second cluster and leave "
                f"{deployed.name!r} running, unmanaged and billed, in {deployed.cloud or 'the cloud'} {deployed.region}"
                f" (Terraform cannot move a cluster); instead create a new environment (a new name) with "
                f"{field}: {after or '(default)'}, move the work, then destroy {deployed.name!r} with its old file"
            )
    if deployed.zones and wanted.zones and deployed.zones != wanted.zones and deployed.region == wanted.region:
        return (
            f"availabilityZones: {', '.join(deployed.zones)} -> {', '.join(wanted.zones)} replaces the subnets under "
            f"every node group, and new subnets come up before the old ones go (the node groups create first), "
            f"with the same address ranges, which EC2 refuses; instead create a new environment in those zones, "
            f"move the work, then destroy {deployed.name!r} with its old file"
        )
    return None


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def upgrade_problem(cloud: Cloud, deployed: str, wanted: str) -> str | None:
    """One line when `wanted` skips a minor above the deployed version, or goes below it."""
    (major, running), (wanted_major, target) = _minor(deployed), _minor(wanted)
    if wanted_major != major:
        return f"version: {wanted} is another major version than the running {deployed}; upgrades stay within 1.x"
    if target < running:
        return (
            f"version: {wanted} is below the running {major}.{running}; {cloud.value} cannot downgrade a cluster: "
            f"keep version: {major}.{running}, or create a new environment at {wanted}"
        )
    if target - running > MAX_MINOR_STEP:
        steps = " -> ".join(f"{major}.{minor}" for minor in range(running + 1, target + 1))
        return (
            f"version: {wanted} is {target - running} minor versions above the running {major}.{running}; "
            f"{cloud.value} upgrades one minor at a time: deploy each in turn, {steps}"
        )
    return None
