"""Load the prebuilt CDKTF provider packages without their eager imports, on both sides of jsii.

Python side: each `cdktf_cdktf_provider_<cloud>/__init__.py` ends with `from . import <submodule>` for
every resource the provider has (AWS: 2135 of them, ~20 s and 1.7 GB to import; hashicorp/terraform-cdk#3753).
Nothing needs that tail: a submodule such as `cdktf_cdktf_provider_aws.eks_cluster` imports on demand
once the package exists. `install()` puts a finder first on `sys.meta_path` that loads these packages'
`__init__.py` with the tail cut off.

Node side: jsii then loads the provider's JavaScript bundle, whose `lib/index.js` requires all of those
resource modules again (~3 s per cloud, most of the memory). `install()` preloads
`lazy_provider_bundles.js` into the jsii Node process, which turns that index into lazy getters.

The installed files stay untouched. Both cuts are checked, not assumed: the Python tail must begin right
after `publication.publish()` and hold nothing but comments and `from . import <name>` lines, the JS index
nothing but its header and `exports.x = require("./x")` lines; anything else stops the import loudly.
tests/stacks/test_lazy_provider_imports.py proves the Terraform JSON is byte-identical to the plain path.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import CodeType, ModuleType

PROVIDER_PACKAGES = frozenset(
    {
        "cdktf_cdktf_provider_aws",
        "cdktf_cdktf_provider_azurerm",
        "cdktf_cdktf_provider_google",
        "cdktf_cdktf_provider_helm",
        "cdktf_cdktf_provider_http",
        "cdktf_cdktf_provider_kubernetes",
        "cdktf_cdktf_provider_random",
        "cdktf_cdktf_provider_time",
    }
)
NODE_PRELOAD = Path(__file__).resolve().with_name("lazy_provider_bundles.js")
_PUBLISH_LINE = "publication.publish()"
_EAGER_IMPORT = re.compile(r"from \. import [A-Za-z_][A-Za-z0-9_]*")


class ProviderLayoutError(ImportError):
    """The provider package no longer has the layout this module knows how to trim."""


def trim_eager_imports(source: str, origin: str) -> str:
    """Returns the package source up to `publication.publish()`, after checking what follows."""
    lines = source.splitlines()
    try:
        publish_at = lines.index(_PUBLISH_LINE)
    except ValueError:
        raise ProviderLayoutError(f"{origin}: no {_PUBLISH_LINE!r} line; cannot trim eager imports") from None
    tail = [line for line in lines[publish_at + 1 :] if line.strip() and not line.startswith("#")]
    unexpected = [line for line in tail if not _EAGER_IMPORT.fullmatch(line)]
    if not tail:
        raise ProviderLayoutError(f"{origin}: no 'from . import' lines after publish; nothing to trim")
    if unexpected:
        raise ProviderLayoutError(
            f"{origin}: expected only 'from . import <name>' lines after publish, found {unexpected[0]!r}"
        )
    return "\n".join(lines[: publish_at + 1]) + "\n"


class _TrimmedPackageLoader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname: str) -> CodeType:
        # Never the cached bytecode: it holds the full, eager module.
        source = self.get_source(fullname)
        assert source is not None
        return compile(trim_eager_imports(source, self.path), self.path, "exec", dont_inherit=True)


class _TrimmedProviderFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in PROVIDER_PACKAGES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.origin.endswith("__init__.py"):
            raise ProviderLayoutError(f"{fullname}: expected a regular package with __init__.py, found {spec!r}")
        spec.loader = _TrimmedPackageLoader(fullname, spec.origin)
        return spec


def install() -> None:
    """Idempotent; must run before the first provider import (main.py and tests/conftest.py call it)."""
    if any(isinstance(finder, _TrimmedProviderFinder) for finder in sys.meta_path):
        return
    loaded = PROVIDER_PACKAGES.intersection(sys.modules)
    if loaded or "jsii" in sys.modules:
        found = ", ".join(sorted(loaded)) or "jsii"
        raise ProviderLayoutError(f"install() came too late: {found} already imported")
    sys.meta_path.insert(0, _TrimmedProviderFinder())
    # The jsii Node process starts with the first jsii import and inherits this; see lazy_provider_bundles.js.
    preload, options = f'--require "{NODE_PRELOAD}"', os.environ.get("NODE_OPTIONS", "")
    if preload not in options:
        os.environ["NODE_OPTIONS"] = f"{options} {preload}".strip()
