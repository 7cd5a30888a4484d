"""The import rule: a module imports only its own layer or lower ones, no chain of imports comes back to
where it started, and the pure side never imports cdktf.

The layers are listed once, lowest first, in LAYERS. `check_imports(root)` reads every Python file under a
root with `ast` (nothing is imported) and reports what breaks the rule. Imports under `if TYPE_CHECKING:`
count like any other: they are the quiet way a layer reaches upward. The tests run the checker over this
repository, and over a small synthetic tree that breaks each rule once, which shows that it can fail.
"""

from __future__ import annotations

import ast
import os
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Layer:
    name: str
    meaning: str
    files: tuple[str, ...]  # paths from the root: `*` is one name, a trailing `/**` is anything below a folder
    except_files: tuple[str, ...] = ()
    pure: bool = False  # the pure side: no cdktf, no `constructs` library, no provider package

    def holds(self, path: str) -> bool:
        return any(_matches(path, p) for p in self.files) and not any(_matches(path, p) for p in self.except_files)


APP_INSTALLER_FILES = ("apps/*/install.py", "apps/*/install/**", "apps/*/aws.py", "apps/*/google.py", "apps/*/azure.py")

# Lowest first. A module may import its own layer and earlier (lower) ones in this list, never a later one.
LAYERS = (
    Layer(
        "lazy_provider_imports",
        "import hooks that defer the provider packages; imports nothing of ours",
        ("lazy_provider_imports.py",),
        pure=True,
    ),
    Layer(
        "catalogue",
        "facts as data: machine types, chart pins, calendars, driver ownership",
        ("catalogue/**",),
        pure=True,
    ),
    Layer(
        "spec",
        "the typed input: environment model, problems, node-pool specs, deployed identity",
        ("spec/**",),
        pure=True,
    ),
    Layer(
        "app declarations",
        "what each app is and asks for, without cdktf: apps/ less the installers",
        ("apps/__init__.py", "apps/declaration.py", "apps/*/**"),
        except_files=APP_INSTALLER_FILES,
        pure=True,
    ),
    Layer(
        "capacity",
        "what each node pool must hold",
        ("capacity/**",),
        pure=True,
    ),
    Layer(
        "validation",
        "the loader and warnings: files in, a validated Environment out",
        ("validation/**",),
        pure=True,
    ),
    Layer(
        "constructs",
        "cdktf building blocks: Helm releases and the per-cloud constructs",
        ("constructs/**",),
    ),
    Layer(
        "app installers",
        "how each app is installed with cdktf, and the installer protocol",
        ("apps/installer.py", "apps/installers.py", *APP_INSTALLER_FILES),
    ),
    Layer(
        "stacks",
        "composition only: the cluster and apps stacks of an environment",
        ("stacks/**",),
    ),
    Layer(
        "entry points",
        "main.py, the operations, the tools and the benchmark",
        ("main.py", "operations/**", "tools/**", "bench/**"),
    ),
)

NOT_CHECKED = frozenset({"tests", ".venv", "node_modules", ".tools", "cdktf.out"})  # top-level folders
CDKTF_PACKAGES = frozenset({"cdktf", "constructs"})
PROVIDER_PACKAGE_PREFIX = "cdktf_cdktf_provider_"


def _matches(path: str, pattern: str) -> bool:
    parts = path.split("/")
    if pattern.endswith("/**"):
        folder = pattern.removesuffix("/**").split("/")
        return len(parts) > len(folder) and all(map(fnmatchcase, parts, folder))
    wanted = pattern.split("/")
    return len(parts) == len(wanted) and all(map(fnmatchcase, parts, wanted))


@dataclass(frozen=True)
class Import:
    path: str  # the importing file, from the root
    line: int
    importer: str  # its module
    imported: str  # our module when `ours`, else the name as written
    ours: bool
    type_only: bool  # under `if TYPE_CHECKING:`

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.imported}{' (under TYPE_CHECKING)' if self.type_only else ''}"


@dataclass(frozen=True)
class Upward:
    edge: Import
    importer_layer: int  # positions in LAYERS
    imported_layer: int

    def __str__(self) -> str:
        return (
            f"{self.edge}: layer {self.importer_layer + 1} ({LAYERS[self.importer_layer].name}) must not import"
            f" layer {self.imported_layer + 1} ({LAYERS[self.imported_layer].name})"
        )


@dataclass(frozen=True)
class Cycle:
    tangle: tuple[str, ...]  # every module of the strongly connected set, sorted
    path: tuple[Import, ...]  # one cycle through the first of them; each edge's imported is the next's importer

    def __str__(self) -> str:
        chain = " -> ".join(str(edge) for edge in self.path)
        return f"cycle: {chain}  [modules in this tangle: {', '.join(self.tangle)}]"


@dataclass(frozen=True)
class PureSideImport:
    edge: Import
    layer: int

    def __str__(self) -> str:
        return f"{self.edge}: layer {self.layer + 1} ({LAYERS[self.layer].name}) is on the pure side: no cdktf"


@dataclass(frozen=True)
class Report:
    unplaced: tuple[str, ...]  # files in no layer, or in several
    upward: tuple[Upward, ...]
    cycles: tuple[Cycle, ...]
    pure_side: tuple[PureSideImport, ...]


def python_files(root: Path) -> Iterator[str]:
    """Every .py file below root, as a path from it, less the folders that are not checked."""
    for folder, subfolders, files in os.walk(root):
        here = Path(folder).relative_to(root)
        subfolders[:] = sorted(
            name for name in subfolders if not name.startswith(".") and not (here == Path() and name in NOT_CHECKED)
        )
        for name in sorted(files):
            if name.endswith(".py"):
                yield (here / name).as_posix()


def module_name(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _ours_or_written(name: str, modules: Mapping[str, str]) -> tuple[str, bool]:
    """The longest leading part of a dotted name that is one of our files; else the name is somebody else's."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate, True
    return name, False


def _targets(
    node: ast.Import | ast.ImportFrom, package: list[str], modules: Mapping[str, str]
) -> Iterator[tuple[str, bool]]:
    """What one import statement names: (our module, True), or (the name as written, False)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield _ours_or_written(alias.name, modules)
        return
    base = node.module or ""
    if node.level:  # relative: from the importing file's package, one level up per dot after the first
        if node.level - 1 > len(package):  # above the top: it cannot run, so it is reported as written
            yield "." * node.level + base, False
            return
        base = ".".join([*package[: len(package) - (node.level - 1)], *([base] if base else [])])
    for alias in node.names:
        submodule = f"{base}.{alias.name}" if base else alias.name
        if alias.name != "*" and submodule in modules:  # `from catalogue import charts`: the module charts
            yield submodule, True
        else:
            yield _ours_or_written(base, modules) if base else (submodule, False)


def imports_of(path: str, source: str, modules: Mapping[str, str]) -> Iterator[Import]:
    """Every import statement of one file, wherever it sits, resolved to our modules where it names one."""
    tree = ast.parse(source, filename=path)
    type_only: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.body:
                type_only.update(ast.walk(statement))
    importer = module_name(path)
    package = importer.split(".") if path.endswith("__init__.py") else importer.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for imported, ours in dict.fromkeys(_targets(node, package, modules)):
                if not (ours and imported == importer):
                    yield Import(path, node.lineno, importer, imported, ours, node in type_only)


def _tangles(graph: Mapping[str, Mapping[str, Import]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph.get(module, {}):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


def _shortest_cycle(start: str, members: set[str], graph: Mapping[str, Mapping[str, Import]]) -> tuple[Import, ...]:
    came_by: dict[str, Import] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for target, edge in sorted(graph.get(module, {}).items()):
            if target not in members or target in came_by:
                continue
            came_by[target] = edge
            if target == start:
                path = [edge]
                while path[0].importer != start:
                    path.insert(0, came_by[path[0].importer])
                return tuple(path)
            queue.append(target)
    raise AssertionError(f"no cycle through {start} in {sorted(members)}")


def check_imports(root: Path) -> Report:
    """Read every Python file below root (less NOT_CHECKED) and report what breaks the import rule."""
    paths = list(python_files(root))
    modules = {module_name(path): path for path in paths}
    layer_of: dict[str, int] = {}
    unplaced: list[str] = []
    for path in paths:
        holders = [i for i, layer in enumerate(LAYERS) if layer.holds(path)]
        if len(holders) == 1:
            layer_of[path] = holders[0]
        else:
            named = ", ".join(LAYERS[i].name for i in holders) or "none"
            unplaced.append(f"{path}: must sit in exactly one layer of LAYERS, sits in: {named}")

    edges = [edge for path in paths for edge in imports_of(path, (root / path).read_text(), modules)]
    edges.sort(key=lambda edge: (edge.path, edge.line))
    upward: list[Upward] = []
    pure_side: list[PureSideImport] = []
    graph: dict[str, dict[str, Import]] = {}
    for edge in edges:
        importer_layer = layer_of.get(edge.path)
        if edge.ours:
            graph.setdefault(edge.importer, {}).setdefault(edge.imported, edge)
            imported_layer = layer_of.get(modules[edge.imported])
            if importer_layer is not None and imported_layer is not None and imported_layer > importer_layer:
                upward.append(Upward(edge, importer_layer, imported_layer))
        elif importer_layer is not None and LAYERS[importer_layer].pure:
            top = edge.imported.split(".")[0]
            if top in CDKTF_PACKAGES or top.startswith(PROVIDER_PACKAGE_PREFIX):
                pure_side.append(PureSideImport(edge, importer_layer))

    cycles = [Cycle(tuple(members), _shortest_cycle(members[0], set(members), graph)) for members in _tangles(graph)]
    return Report(tuple(unplaced), tuple(upward), tuple(cycles), tuple(pure_side))


def _listing(what: str, found: tuple[object, ...]) -> str:
    return (
        f"{len(found)} {what} (the layers, lowest first, are LAYERS in tests/policies/test_layers.py):\n"
        + "\n".join(str(item) for item in found)
    )


@pytest.fixture(scope="module")
def repository() -> Report:
    return check_imports(PROJECT_ROOT)


def test_every_module_sits_in_exactly_one_layer(repository: Report) -> None:
    if repository.unplaced:
        pytest.fail(_listing("file(s) outside the layers", repository.unplaced), pytrace=False)


def test_no_module_imports_a_higher_layer(repository: Report) -> None:
    if repository.upward:
        pytest.fail(_listing("upward import(s)", repository.upward), pytrace=False)


def test_no_import_cycle(repository: Report) -> None:
    if repository.cycles:
        pytest.fail(_listing("import cycle(s)", repository.cycles), pytrace=False)


def test_pure_side_imports_no_cdktf(repository: Report) -> None:
    if repository.pure_side:
        pytest.fail(_listing("cdktf import(s) on the pure side", repository.pure_side), pytrace=False)


# One of each mistake, beside imports the rule allows: same layer, downward (also under TYPE_CHECKING),
# relative, `from package import module`, the `constructs` library from our `constructs/` folder (no
# __init__.py), and files the checker skips (tests/, .venv/) that would be unplaced if it read them.
SYNTHETIC_TREE = {
    "lazy_provider_imports.py": "import sys\n",
    "catalogue/__init__.py": "",
    "catalogue/charts.py": "from dataclasses import dataclass\nfrom stacks import backends\n",
    "catalogue/node_sizes.py": "from catalogue.charts import Chart\n",
    "spec/__init__.py": "",
    "spec/environment.py": (
        "from typing import TYPE_CHECKING\n"
        "\n"
        "from catalogue import charts\n"
        "\n"
        "if TYPE_CHECKING:\n"
        "    from validation.warnings import Warning\n"
    ),
    "spec/pools.py": "import cdktf\n",
    "apps/__init__.py": "",
    "apps/vllm/__init__.py": "from spec.environment import Environment\nimport cdktf_cdktf_provider_helm.release\n",
    "apps/vllm/install.py": (
        "from cdktf import TerraformStack\n"
        "from constructs import Construct\n"
        "\n"
        "from apps.installer import Installed\n"
        "from apps.vllm import Environment\n"
        "from constructs.helm.release import PinnedHelmRelease\n"
    ),
    "apps/installer.py": "import typing\n\nif typing.TYPE_CHECKING:\n    from constructs.helm import release\n",
    "capacity/__init__.py": "",
    "capacity/plan.py": "from . import footprints\n",
    "capacity/footprints.py": "def plan() -> None:\n    from capacity.plan import Plan\n",
    "validation/__init__.py": "",
    "validation/loader.py": "from constructs import Construct\n\nfrom spec import environment\n",
    "validation/warnings.py": "",
    "constructs/helm/release.py": "from constructs import Construct\n\nfrom .values import HelmValues\n",
    "constructs/helm/values.py": "from ..composition import Composition\n",
    "constructs/composition.py": "from catalogue.node_sizes import Cloud\n",
    "stacks/__init__.py": "",
    "stacks/backends.py": "",
    "stacks/apps_stack.py": "import apps.vllm.install\nfrom constructs.helm import release\n",
    "main.py": "from stacks.apps_stack import AppsStack\n",
    "helpers.py": "",
    "tests/test_apps.py": "import main\n",
    ".venv/lib/site.py": "import cdktf\n",
}


@pytest.fixture
def synthetic(tmp_path: Path) -> Report:
    for path, source in SYNTHETIC_TREE.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(source)
    return check_imports(tmp_path)


def _found(found: tuple[Upward, ...] | tuple[PureSideImport, ...]) -> set[tuple[str, int, str, bool]]:
    return {(f.edge.path, f.edge.line, f.edge.imported, f.edge.type_only) for f in found}


def test_checker_reports_an_upward_import(synthetic: Report) -> None:
    assert ("catalogue/charts.py", 2, "stacks.backends", False) in _found(synthetic.upward)
    messages = [str(found) for found in synthetic.upward]
    assert (
        "catalogue/charts.py:2 imports stacks.backends: layer 2 (catalogue) must not import layer 9 (stacks)"
        in messages
    )


def test_checker_reports_an_upward_import_under_type_checking(synthetic: Report) -> None:
    assert ("spec/environment.py", 6, "validation.warnings", True) in _found(synthetic.upward)
    messages = [str(found) for found in synthetic.upward]
    assert (
        "spec/environment.py:6 imports validation.warnings (under TYPE_CHECKING):"
        " layer 3 (spec) must not import layer 6 (validation)"
    ) in messages


def test_checker_reports_a_cycle(synthetic: Report) -> None:
    assert [(cycle.tangle, [(e.path, e.line, e.imported) for e in cycle.path]) for cycle in synthetic.cycles] == [
        (
            ("capacity.footprints", "capacity.plan"),
            [("capacity/footprints.py", 2, "capacity.plan"), ("capacity/plan.py", 1, "capacity.footprints")],
        )
    ]


def test_checker_reports_cdktf_on_the_pure_side(synthetic: Report) -> None:
    assert _found(synthetic.pure_side) == {
        ("spec/pools.py", 1, "cdktf", False),
        ("apps/vllm/__init__.py", 2, "cdktf_cdktf_provider_helm.release", False),
        ("validation/loader.py", 1, "constructs", False),
    }


def test_checker_reports_a_file_outside_the_layers(synthetic: Report) -> None:
    assert synthetic.unplaced == ("helpers.py: must sit in exactly one layer of LAYERS, sits in: none",)


def test_checker_allows_what_the_rule_allows(synthetic: Report) -> None:
    assert _found(synthetic.upward) == {
        ("catalogue/charts.py", 2, "stacks.backends", False),
        ("spec/environment.py", 6, "validation.warnings", True),
    }
    assert len(synthetic.cycles) == 1
    assert len(synthetic.pure_side) == 3
