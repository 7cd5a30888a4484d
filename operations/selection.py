"""What every operation starts from: the environment file the command names, and where its stacks were synthesised."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from main import selected_environment_files
from validation.loader import ConfigError, EnvironmentFile

# Where `make` synthesised the stacks (the Makefile exports it; cdktf's default otherwise).
STACKS_DIR = Path(os.environ.get("STACKS_DIR", "cdktf.out/stacks"))


def named_environment_file(name: str) -> EnvironmentFile | None:
    """The file among those ENVIRONMENTS selects whose `name` is `name`; None after saying why not on stderr (each
    problem of a bad file one `error:` line, or the names there are)."""
    try:
        environment_files = selected_environment_files()
    except ConfigError as error:
        for line in error.lines:
            print(f"error: {line}", file=sys.stderr)
        return None
    match = next((f for f in environment_files if f.environment.name == name), None)
    if match is None:
        known = ", ".join(f.environment.name for f in environment_files)
        print(f"error: no environment named {name!r} in the selected files (known: {known})", file=sys.stderr)
    return match
