"""Typed Helm values: each chart's values are a model, serialised once to the YAML document Helm receives."""

from __future__ import annotations

from typing import ClassVar

import yaml
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class HelmValues(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, extra="forbid", frozen=True)
    # Top-level chart defaults to delete. Helm merges our maps into the chart's, so `{}` keeps a default map;
    # only an explicit null removes it.
    removed_defaults: ClassVar[tuple[str, ...]] = ()

    def to_yaml(self) -> str:
        values = {**self.model_dump(by_alias=True, exclude_none=True), **dict.fromkeys(self.removed_defaults)}
        return yaml.safe_dump(values, sort_keys=False)


class Toggle(HelmValues):
    enabled: bool


class Toleration(HelmValues):
    key: str
    operator: str = "Equal"
    value: str
    effect: str = "NoSchedule"
