"""Every version pin is exact and every one is where renovate.json looks for it."""

from __future__ import annotations

import json
import re
import tomllib

from catalogue import charts
from catalogue.charts import ChartPin
from tests.conftest import PROJECT_ROOT

RENOVATE = json.loads((PROJECT_ROOT / "renovate.json").read_text())
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+$")


def custom_manager(description_start: str) -> dict[str, object]:
    return next(m for m in RENOVATE["customManagers"] if str(m["description"]).startswith(description_start))


def test_renovate_finds_every_chart_pin_with_its_repository_and_version() -> None:
    pins = [value for value in vars(charts).values() if isinstance(value, ChartPin)]
    source = (PROJECT_ROOT / "catalogue" / "charts.py").read_text()
    pattern = str(custom_manager("Helm chart pins")["matchStrings"][0])  # type: ignore[index]
    found = {
        (m["depName"], m["registryUrl"], m["currentValue"]) for m in re.finditer(pattern.replace("(?<", "(?P<"), source)
    }
    assert found == {(pin.chart, pin.repository, pin.version) for pin in pins}


def test_renovate_finds_the_router_image_tag() -> None:
    pattern = str(custom_manager("vLLM router image")["matchStrings"][0]).replace("(?<", "(?P<")  # type: ignore[index]
    match = re.search(pattern, (PROJECT_ROOT / "catalogue" / "charts.py").read_text())
    assert match is not None
    assert match["currentValue"] == charts.VLLM_ROUTER_IMAGE_TAG


def test_renovate_finds_the_vllm_engine_image_with_an_exact_tag() -> None:
    pattern = str(custom_manager("vLLM engine image")["matchStrings"][0]).replace("(?<", "(?P<")  # type: ignore[index]
    match = re.search(pattern, (PROJECT_ROOT / "catalogue" / "charts.py").read_text())
    assert match is not None
    assert f"{match['depName']}:{match['currentValue']}" == charts.VLLM_ENGINE_IMAGE
    assert EXACT_VERSION.match(match["currentValue"])


def test_renovate_finds_the_pipenv_version_in_the_makefile() -> None:
    pattern = str(custom_manager("pipenv itself")["matchStrings"][0]).replace("(?<", "(?P<")  # type: ignore[index]
    match = re.search(pattern, (PROJECT_ROOT / "Makefile").read_text())
    assert match is not None
    assert EXACT_VERSION.match(match["currentValue"])


def test_every_chart_pin_is_an_exact_version() -> None:
    for pin in (value for value in vars(charts).values() if isinstance(value, ChartPin)):
        assert EXACT_VERSION.match(pin.version), pin


def test_every_python_package_is_pinned_exactly() -> None:
    pipfile = tomllib.loads((PROJECT_ROOT / "Pipfile").read_text())
    for section in ("packages", "dev-packages"):
        for name, spec in pipfile[section].items():
            version = spec if isinstance(spec, str) else spec["version"]
            assert version.startswith("=="), f"{name} is not pinned: {version}"


def test_cli_and_node_are_pinned_exactly_in_package_json() -> None:
    dependencies = json.loads((PROJECT_ROOT / "package.json").read_text())["devDependencies"]
    assert set(dependencies) == {"cdktf-cli", "node"}
    assert all(EXACT_VERSION.match(version) for version in dependencies.values())
