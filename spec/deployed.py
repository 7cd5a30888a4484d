"""What locates a deployed environment's cluster (`Identity`): the cluster stack records it as its `identity` output
(constructs/cluster_outputs.py), and operations/upgrade_checks.py compares the next file with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalogue.node_sizes import DEFAULT_AWS_ZONE_SUFFIXES, Cloud
from spec.environment import Environment


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
