"""The trimmed provider imports: same Terraform JSON as the packages as shipped, and loud on layout changes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.benchmark import synth_environment
from lazy_provider_imports import NODE_PRELOAD, ProviderLayoutError, trim_eager_imports
from tests.conftest import EXAMPLES, PROJECT_ROOT, SHIPPED_ENVIRONMENTS
from tests.support.synthesized_stacks import SynthesizedStack

pytestmark = pytest.mark.slow(seconds=205, chain=True)  # the start order: tests/conftest.py


PACKAGE_SOURCE = (
    "import jsii\nfrom ._jsii import *\n\npublication.publish()\n\n"
    "# Loading modules\nfrom . import eks_cluster\nfrom . import vpc\n"
)


# main.py as a script, without Python's cyclic collector: with every provider module loaded, each full collection
# walks millions of typing objects (quiet 2-core run, 17 environments: 146 -> 129 s); one synth needs none.
SYNTH_WITHOUT_COLLECTOR = "import gc, runpy; gc.disable(); runpy.run_path('main.py', run_name='__main__')"


def synthesise_eagerly(outdir: Path) -> dict[str, str]:
    # NODE_OPTIONS may carry this test process's own preload; synth_environment leaves it to each run.
    environment = synth_environment([*EXAMPLES, *SHIPPED_ENVIRONMENTS], str(outdir), eager=True)
    # No test imports these ~5000 modules again: caching their bytecode would only write ~660 MB (~8 s for AWS).
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    subprocess.run(
        [sys.executable, "-c", SYNTH_WITHOUT_COLLECTOR],
        cwd=PROJECT_ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    return {path.parent.name: path.read_text() for path in sorted(outdir.glob("stacks/*/cdk.tf.json"))}


def test_trimmed_and_shipped_imports_synthesise_identical_json_for_every_example(
    all_stacks: list[SynthesizedStack], tmp_path: Path
) -> None:
    # all_stacks is main.py's default run, with the trimmed imports: the same synthesis, shared with other tests
    trimmed = {stack.name: stack.text for stack in all_stacks}
    shipped = synthesise_eagerly(tmp_path / "shipped")
    assert len(trimmed) == 2 * (len(EXAMPLES) + len(SHIPPED_ENVIRONMENTS))
    assert trimmed == shipped


def test_trim_keeps_everything_up_to_publish() -> None:
    assert trim_eager_imports(PACKAGE_SOURCE, "pkg") == "import jsii\nfrom ._jsii import *\n\npublication.publish()\n"


def test_trim_refuses_a_package_without_publish() -> None:
    with pytest.raises(ProviderLayoutError, match=r"no 'publication\.publish\(\)' line"):
        trim_eager_imports("from . import vpc\n", "pkg")


def test_trim_refuses_code_after_the_eager_imports() -> None:
    with pytest.raises(ProviderLayoutError, match=r"found 'register_everything\(\)'"):
        trim_eager_imports(PACKAGE_SOURCE + "register_everything()\n", "pkg")


def test_trim_refuses_a_package_without_eager_imports() -> None:
    with pytest.raises(ProviderLayoutError, match="nothing to trim"):
        trim_eager_imports("publication.publish()\n", "pkg")


def test_install_after_a_provider_import_fails_loudly() -> None:
    script = "import cdktf_cdktf_provider_helm, lazy_provider_imports; lazy_provider_imports.install()"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "came too late" in result.stderr


def fake_provider_bundle(root: Path, index_lines: list[str]) -> Path:
    """A package laid out like a jsii provider bundle, whose modules record when they are loaded."""
    lib = root / "node_modules" / "@cdktf" / "provider-fake" / "lib"
    lib.mkdir(parents=True)
    for name in ("eks-cluster", "vpc"):
        (lib / f"{name}.js").write_text(f'globalThis.loaded = [...(globalThis.loaded || []), "{name}"];\n')
    (lib / "index.js").write_text("\n".join(index_lines) + "\n")
    return lib / "index.js"


def run_node_with_preload(script: str) -> subprocess.CompletedProcess[str]:
    node = PROJECT_ROOT / "node_modules" / ".bin" / "node"
    return subprocess.run(
        [str(node), "--require", str(NODE_PRELOAD), "-e", script], capture_output=True, text=True, check=False
    )


BUNDLE_INDEX = [
    '"use strict";',
    'Object.defineProperty(exports, "__esModule", { value: true });',
    "exports.vpc = exports.eksCluster = void 0;",
    'exports.eksCluster = require("./eks-cluster");',
    'exports.vpc = require("./vpc");',
]


def test_node_preload_requires_a_bundle_module_only_when_it_is_used(tmp_path: Path) -> None:
    index = fake_provider_bundle(tmp_path, BUNDLE_INDEX)
    script = (
        f"const p = require({str(index)!r}); console.log(JSON.stringify(globalThis.loaded || []));"
        "p.vpc; console.log(JSON.stringify(globalThis.loaded)); console.log(Object.keys(p).join(','));"
    )
    result = run_node_with_preload(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", '["vpc"]', "eksCluster,vpc"]


def test_node_preload_refuses_a_bundle_index_it_does_not_recognise(tmp_path: Path) -> None:
    index = fake_provider_bundle(tmp_path, [*BUNDLE_INDEX, "registerEverything();"])
    result = run_node_with_preload(f"require({str(index)!r});")
    assert result.returncode != 0
    assert "unexpected line" in result.stderr
    assert "registerEverything" in result.stderr
