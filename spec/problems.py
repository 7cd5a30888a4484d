"""A rule over the validated environment that it breaks: the loader turns the first into the one-line error."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    field: str  # the native dotted path, e.g. apps.vllm.models.0.gpus
    problem: str
