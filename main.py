"""Composition root: environment files -> validated environments -> two stacks each -> Terraform JSON.

ENVIRONMENTS (comma-separated files or folders) selects the files; default: environments/*.yaml.
Bad input prints one line `error: <file>: <field>: <problem>` and exits 2 before anything is written.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import lazy_provider_imports

if TYPE_CHECKING:  # imported at run time only after lazy_provider_imports.install()
    from validation.loader import EnvironmentFile

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_ENVIRONMENTS = PROJECT_ROOT / "environments"


def selected_environment_files() -> list[EnvironmentFile]:
    """The validated files ENVIRONMENTS selects (default: environments/); raises ConfigError on bad input."""
    from validation.loader import load_environments, resolve_environment_paths

    return load_environments(resolve_environment_paths(os.environ.get("ENVIRONMENTS"), DEFAULT_ENVIRONMENTS))


def main() -> int:
    # Set to 1 to import the provider packages as shipped (the benchmark's baseline).
    if os.environ.get("GPU_CLUSTERS_EAGER_PROVIDER_IMPORTS") != "1":
        lazy_provider_imports.install()

    from validation.loader import ConfigError

    try:
        environment_files = selected_environment_files()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    from cdktf import App

    from stacks.environment import add_environment

    app = App()
    stacks = [stack for environment_file in environment_files for stack in add_environment(app, environment_file)]
    app.synth()
    # Annotations land in manifest.json (and the cdktf CLI shows them); a direct run shows them here.
    for stack in stacks:
        for entry in stack.node.metadata:
            if entry.type == "@cdktf/warn":
                print(f"warning: {stack.node.id}: {entry.data}", file=sys.stderr)
            elif entry.type == "@cdktf/info":  # the capacity plan, one line per node pool
                print(f"info: {stack.node.id}: {entry.data}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
