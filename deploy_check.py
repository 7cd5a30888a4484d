"""`make deploy` runs this first: it stops before anything is created when the apps stack could not reach the API.

Usage: python deploy_check.py <environment name>  (ENVIRONMENTS selects the files, as for main.py).
Exit 0: deploy may go ahead; 1: the environment's apps stack would time out from outside its network
(after the cluster took its 15 minutes), with the ways out; 2: bad input.
"""

from __future__ import annotations

import sys

from config.compatibility import unreachable_api_warning
from config.loader import ConfigError
from main import selected_environment_files


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: deploy_check.py <environment name>", file=sys.stderr)
        return 2
    name = argv[1]
    try:
        environment_files = selected_environment_files()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    matches = [f for f in environment_files if f.environment.name == name]
    if not matches:
        known = ", ".join(f.environment.name for f in environment_files)
        print(f"error: no environment named {name!r} in the selected files (known: {known})", file=sys.stderr)
        return 2
    problem = unreachable_api_warning(matches[0].environment)
    if problem:
        print(f"error: {matches[0].path}: {problem}; deploy stopped before creating anything", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
