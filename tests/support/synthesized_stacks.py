"""Every stack of every shipped environment (examples/ and environments/), synthesised once per test session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.terraform_tools import Synthesis, shipped_environment_files, synthesize


@dataclass(frozen=True)
class SynthesizedStack:
    name: str
    path: Path
    text: str

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.text)
        return parsed

    @property
    def is_cluster_stack(self) -> bool:
        return self.name.endswith("-cluster")

    def resources(self, resource_type: str) -> list[dict[str, Any]]:
        return list(self.json.get("resource", {}).get(resource_type, {}).values())


def synthesize_all(outdir: Path) -> list[SynthesizedStack]:
    return read_all(synthesize(shipped_environment_files(), outdir).outdir)


def read_all(outdir: Path) -> list[SynthesizedStack]:
    synthesis = Synthesis(outdir)
    return [
        SynthesizedStack(
            name, synthesis.stack_dir(name) / "cdk.tf.json", (synthesis.stack_dir(name) / "cdk.tf.json").read_text()
        )
        for name in synthesis.stack_names()
    ]
