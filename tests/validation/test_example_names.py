"""Examples and shipped environments can be built in one run: their names (and so their stacks) are unique."""

from __future__ import annotations

from tests.conftest import EXAMPLES, SHIPPED_ENVIRONMENTS
from validation.loader import load_environments


def test_every_example_and_environment_name_is_unique() -> None:
    loaded = load_environments([*EXAMPLES, *SHIPPED_ENVIRONMENTS])
    assert len({environment_file.environment.name for environment_file in loaded}) == len(loaded)
