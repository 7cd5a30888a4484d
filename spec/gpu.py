"""The GPU section: one pool from `gpu.nodeSize` / `gpu.instanceType`, or several from `gpu.pools`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

from catalogue.machines import Accelerator
from catalogue.node_sizes import NodeSize
from spec.fields import MACHINE_TYPE_PATTERN, POOL_NAME_PATTERN, Count, GoogleZones, PositiveCount, ScalingSpec

Capacity = Literal["onDemand", "spot"]
MAX_GPU_POOLS = 8


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
