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


def chart_pins_found(description_start: str) -> list[dict[str, str]]:
    """What one chart manager of renovate.json extracts from catalogue/charts.py: each match's fields after its
    templates (Renovate compiles a template with every named group of the match)."""
    manager = custom_manager(description_start)
    pattern = str(manager["matchStrings"][0]).replace("(?<", "(?P<")  # type: ignore[index]
    source = (PROJECT_ROOT / "catalogue" / "charts.py").read_text()
    templates = {key.removesuffix("Template"): str(text) for key, text in manager.items() if key.endswith("Template")}
    found = []
    for match in re.finditer(pattern, source):
        groups = match.groupdict()
        found.append({**groups, **{field: compiled(text, groups) for field, text in templates.items()}})
    return found


def compiled(template: str, groups: dict[str, str]) -> str:
    """A Renovate template whose only expressions are `{{{group}}}`."""
    return re.sub(r"\{\{\{(\w+)\}\}\}", lambda expression: groups[expression[1]], template)


def test_renovate_finds_every_chart_pin_with_its_repository_and_version() -> None:
    pins = [value for value in vars(charts).values() if isinstance(value, ChartPin)]
    repositories = chart_pins_found("Helm chart pins in catalogue/charts.py, from Helm repositories")
    registries = chart_pins_found("Helm chart pins in catalogue/charts.py, from OCI registries")
    assert {(f["depName"], f["registryUrl"], f["currentValue"]) for f in repositories} == {
        (pin.chart, pin.repository, pin.version) for pin in pins if not pin.repository.startswith("oci://")
    }
    assert {(f["depName"], f"oci://{f['registry']}", f["currentValue"]) for f in registries} == {
        (pin.chart, pin.repository, pin.version) for pin in pins if pin.repository.startswith("oci://")
    }
    assert all(f["datasource"] == "helm" for f in repositories)


def test_renovate_looks_each_oci_chart_up_as_the_image_helm_pulls() -> None:
    # `helm pull oci://<repository>/<chart> --version <tag>` (tools/fetch_charts.py): the same image and tag
    found = chart_pins_found("Helm chart pins in catalogue/charts.py, from OCI registries")
    assert found
    for fields in found:
        assert fields["datasource"] == "docker"
        assert fields["packageName"] == f"{fields['registry']}/{fields['depName']}"


def test_every_chart_bump_of_either_manager_re_pins_its_digest() -> None:
    chart_managers = [m for m in RENOVATE["customManagers"] if str(m["description"]).startswith("Helm chart pins")]
    (rule,) = [r for r in RENOVATE["packageRules"] if "postUpgradeTasks" in r]
    assert len(chart_managers) == 2
    assert {m["depTypeTemplate"] for m in chart_managers} == set(rule["matchDepTypes"])
    assert rule["postUpgradeTasks"]["commands"] == ["make charts-digest"]


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
