"""Composition root: environment files -> validated environments -> two stacks each -> Terraform JSON.

ENVIRONMENTS (comma-separated files or folders) selects the files; default: environments/*.yaml.
Bad input prints one line per problem, `error: <file>: <field>: <problem>`, and exits 2 before anything is written.
`main.py --check` only validates the files (what `make synth` runs before cdktf, which would repeat a failing
app's output inside its own report).
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


def main(*, check_only: bool = False) -> int:
    # Set to 1 to import the provider packages as shipped (the benchmark's baseline).
    if os.environ.get("GPU_CLUSTERS_EAGER_PROVIDER_IMPORTS") != "1":
        lazy_provider_imports.install()

    from validation.loader import ConfigError

    # cdktf-cli echoes an app's stderr as "[ERROR]" lines (and again inside its failure report), and prints the
    # annotations from manifest.json itself at their own level: under it, problems go to stdout, once.
    run_by_cdktf_cli = os.environ.get("CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS") == "true"
    try:
        environment_files = selected_environment_files()
    except ConfigError as error:
        for line in error.lines:
            print(f"error: {line}", file=sys.stdout if run_by_cdktf_cli else sys.stderr)
        return 2
    if check_only:
        return 0

    from cdktf import App

    from stacks.environment import add_environment

    app = App()
    stacks = [stack for environment_file in environment_files for stack in add_environment(app, environment_file)]
    app.synth()
    if not run_by_cdktf_cli:  # a direct run shows the annotations here
        for stack in stacks:
            for entry in stack.node.metadata:
                if entry.type == "@cdktf/warn":
                    print(f"warning: {stack.node.id}: {entry.data}", file=sys.stderr)
                elif entry.type == "@cdktf/info":  # the capacity plan, one line per node pool
                    print(f"info: {stack.node.id}: {entry.data}", file=sys.stderr)
    print(synthesised_line(app.outdir, [file.environment.name for file in environment_files]))
    return 0


def synthesised_line(outdir: str, names: list[str]) -> str:
    """Where the stacks went and what to run next, in one line."""
    folder = Path(outdir).resolve() / "stacks"
    shown = folder.relative_to(Path.cwd()) if folder.is_relative_to(Path.cwd()) else folder
    if len(names) == 1:
        return f"wrote {names[0]}-cluster and {names[0]}-apps to {shown}/; next: make review ENV={names[0]}"
    return f"wrote {2 * len(names)} stacks ({len(names)} environments) to {shown}/; next: make review ENV=<name>"


if __name__ == "__main__":
    sys.exit(main(check_only=sys.argv[1:] == ["--check"]))
