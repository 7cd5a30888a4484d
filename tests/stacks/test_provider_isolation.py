"""A run builds only the clouds its environments use: other provider packages are never imported.

Each check runs main.py's synthesis in a fresh interpreter, because this test session has long since
imported every provider; the child prints which provider packages ended up in sys.modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow(seconds=7)  # the start order: tests/conftest.py


PROVIDERS = ("aws", "google", "azurerm", "helm")
# What every apps stack imports; an app's own install code (Argo CD's password: random) loads only when it is enabled.
IN_CLUSTER_PROVIDERS = ["helm", "kubernetes"]
# Name suffixes and bounded waits of the GKE and AKS cluster stacks.
HELPERS = ["random", "time"]
REPORT = (
    "import json, sys\n"
    "import main\n"
    "code = main.main()\n"
    "loaded = sorted(m.removeprefix('cdktf_cdktf_provider_') for m in sys.modules"
    " if m.startswith('cdktf_cdktf_provider_') and '.' not in m)\n"
    "print('LOADED=' + json.dumps({'code': code, 'providers': loaded}))\n"
)


def providers_loaded_by(environments: str, outdir: Path) -> list[str]:
    env = {**os.environ, "ENVIRONMENTS": environments, "CDKTF_OUTDIR": str(outdir), "CHECKPOINT_DISABLE": "1"}
    env.pop("GPU_CLUSTERS_EAGER_PROVIDER_IMPORTS", None)
    result = subprocess.run(
        [sys.executable, "-c", REPORT],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("LOADED=")]
    assert lines, f"synthesis failed (exit {result.returncode}): {result.stderr[-2000:]}"
    report = json.loads(lines[-1].removeprefix("LOADED="))
    assert report["code"] == 0
    providers: list[str] = report["providers"]
    return providers


@pytest.mark.parametrize(
    ("environments", "stack", "expected"),
    [
        ("environments/dev.yaml", "dev-cluster", sorted(["aws", *IN_CLUSTER_PROVIDERS])),
        (
            "examples/google-gke-gpu.yaml",
            "gke-gpu-cluster",
            sorted(["google", *IN_CLUSTER_PROVIDERS, *HELPERS]),
        ),
        (
            "examples/azure-aks-gpu.yaml",
            "aks-gpu-cluster",
            sorted(["azurerm", *IN_CLUSTER_PROVIDERS, *HELPERS]),
        ),
    ],
    ids=["aws-only", "google-only", "azure-only"],
)
def test_a_single_cloud_run_imports_only_that_clouds_provider(
    environments: str, stack: str, expected: list[str], tmp_path: Path
) -> None:
    assert providers_loaded_by(environments, tmp_path) == expected
    assert (tmp_path / "stacks" / stack / "cdk.tf.json").is_file()
