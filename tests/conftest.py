"""Shared test set-up: the fast provider import path, and synthesis helpers over the real stacks."""

from __future__ import annotations

import fcntl
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import lazy_provider_imports

# Before anything imports a provider package; the same switch as main.py's, to time the suite without it.
if os.environ.get("GPU_CLUSTERS_EAGER_PROVIDER_IMPORTS") != "1":
    lazy_provider_imports.install()

from cdktf import Testing as CdktfTesting

from spec.environment import Environment
from spec.pools import REPLACEMENT_SUFFIX_LENGTH
from stacks.environment import add_environment
from tests.support.synthesized_stacks import SynthesizedStack, read_all, synthesize_all
from validation.loader import EnvironmentFile, load_environment_file

if TYPE_CHECKING:  # the harness (jsonschema, schemas) is imported only by the sessions that render
    from tests.support.rendering import RenderedStack, Renderer

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((PROJECT_ROOT / "examples").glob("*.yaml"))
SHIPPED_ENVIRONMENTS = sorted((PROJECT_ROOT / "environments").glob("*.yaml"))


class SynthesizedEnvironment:
    """Both stacks of one environment, synthesised on a test app, as JSON text (for the matchers) and dicts."""

    def __init__(self, environment_file: EnvironmentFile) -> None:
        app = CdktfTesting.app()
        self.cluster_stack, self.apps_stack = add_environment(app, environment_file)
        self.cluster = CdktfTesting.synth(self.cluster_stack)
        self.apps = CdktfTesting.synth(self.apps_stack)

    @property
    def cluster_json(self) -> dict[str, Any]:
        cluster: dict[str, Any] = json.loads(self.cluster)
        return cluster

    @property
    def apps_json(self) -> dict[str, Any]:
        apps: dict[str, Any] = json.loads(self.apps)
        return apps


def environment(**fields: Any) -> Environment:
    """A validated environment from camelCase fields, as an environment file would hold them."""
    return Environment.model_validate({"name": "test", "cloud": "aws", **fields})


def synth(**fields: Any) -> SynthesizedEnvironment:
    return _synthesized(EnvironmentFile(path=Path("test.yaml"), environment=environment(**fields), warnings=()))


def synth_file(path: Path) -> SynthesizedEnvironment:
    return _synthesized(load_environment_file(path))


_SYNTHESIZED: dict[tuple[Path, str, tuple[str, ...]], SynthesizedEnvironment] = {}


def _synthesized(environment_file: EnvironmentFile) -> SynthesizedEnvironment:
    """One synth per distinct environment per test process, whichever module asks: tests only read the result."""
    key = (environment_file.path, environment_file.environment.model_dump_json(), environment_file.warnings)
    if key not in _SYNTHESIZED:
        _SYNTHESIZED[key] = SynthesizedEnvironment(environment_file)
    return _SYNTHESIZED[key]


def pool_role(pool_name: str) -> str:
    """`gpu` of `gpu-1a2b3c` or `gpu1a2b3c`: which pool a node pool is, whatever its replacement suffix."""
    return re.sub(f"-?[0-9a-f]{{{REPLACEMENT_SUFFIX_LENGTH}}}$", "", pool_name)


def resources_of(stack_json: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return list(stack_json.get("resource", {}).get(resource_type, {}).values())


def session_shared_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder every pytest-xdist worker of this run sees (the base temp folder alone is per worker)."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    root = tmp_path_factory.getbasetemp()
    shared = root.parent / f"shared-{run_id}" / name if run_id else root / "shared" / name
    shared.mkdir(parents=True, exist_ok=True)
    return shared


@pytest.fixture(scope="session")
def all_stacks(tmp_path_factory: pytest.TempPathFactory) -> list[SynthesizedStack]:
    """Every stack main.py writes for examples/ and environments/, synthesised once per run for all workers."""
    shared = session_shared_dir(tmp_path_factory, "all-stacks")
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker synthesises, the others wait and read its output
        done = shared / "done"
        if not done.exists():
            stacks = synthesize_all(shared / "out")
            done.touch()
            return stacks
    return read_all(shared / "out")


@pytest.fixture(scope="session")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    """`helm template` through tests/support/rendering.py; its cache is shared by the run's xdist workers (entries are
    keyed by content and renamed into place when complete), so every module that renders pays once."""
    from tests.support.rendering import Renderer

    return Renderer(session_shared_dir(tmp_path_factory, "helm-renders"))


@pytest.fixture(scope="session")
def rendered(renderer: Renderer, all_stacks: list[SynthesizedStack]) -> list[RenderedStack]:
    """Every release of every shipped apps stack, rendered; read-only (the parsed objects are shared)."""
    from tests.support.rendering import rendered_stacks

    return rendered_stacks(renderer, all_stacks)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long chains first, so that the CPU-bound modules fill the cores while they wait; longest first in each.

    A module marked `slow` or `e2e` says how long it took (`seconds`, measured on the 2-core CI machine): only
    the order depends on it. A chain is an `e2e` module (one Terraform run after another, waiting on the emulator
    most of the time) or one marked `chain=True` (one process on one core). Started among the first, each runs
    beside others instead of being left last on its own. Sorting is stable: each module's tests stay together.
    """

    def order(item: pytest.Item) -> tuple[bool, int]:
        e2e, slow = item.get_closest_marker("e2e"), item.get_closest_marker("slow")
        marker = e2e or slow
        chain = e2e is not None or (slow is not None and bool(slow.kwargs.get("chain")))
        return (not chain, -int(marker.kwargs.get("seconds", 60)) if marker else 0)

    items.sort(key=order)
