"""Typed Helm values: each chart's values are a model, serialised once to the YAML document Helm receives."""

from __future__ import annotations

import yaml
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class HelmValues(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, extra="forbid", frozen=True)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(by_alias=True, exclude_none=True), sort_keys=False)


class Toggle(HelmValues):
    enabled: bool


class Toleration(HelmValues):
    key: str
    operator: str = "Equal"
    value: str
    effect: str = "NoSchedule"
