"""The way out of CDKTF: `cdktf synth --hcl` (`make hcl`) turns the shipped AWS environments into plain Terraform.

Every stack's HCL must keep the backend of its JSON twin (same state, no migration) and must not need CDKTF at
run time; the cluster stacks must pass `terraform init` + `validate` (the apps stacks need the helm provider,
which has no binary in the mirror). The HCL is parsed with @cdktf/hcl2json (HashiCorp's HCL parser, shipped
with cdktf-cli), so the backend is compared as data, not as text.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.synthesized_stacks import SynthesizedStack
from tests.support.terraform_tools import NODE_BIN, PROJECT_ROOT, Terraform, aws_environment_files, cdktf_synth
from validation.loader import load_environment_file

pytestmark = pytest.mark.slow(seconds=45)  # the start order: tests/conftest.py


AWS_FILES = aws_environment_files()
# A dependency on CDKTF at run time: another stack's state read from cdktf.out, or anything naming cdktf.
CDKTF_REFERENCE = re.compile(r"cdktf|terraform_remote_state", re.IGNORECASE)
DATA_POLICY_DOCUMENT = re.compile(r'"\$\{data\.aws_iam_policy_document\.[\w-]+\.json\}"$')
PARSE_HCL = """
const { parse } = require("@cdktf/hcl2json");
const fs = require("fs");
(async () => {
  const parsed = {};
  for (const file of process.argv.slice(1)) parsed[file] = await parse(file, fs.readFileSync(file, "utf8"));
  process.stdout.write(JSON.stringify(parsed));
})();
"""


def parse_hcl(files: list[Path]) -> dict[Path, dict[str, Any]]:
    completed = subprocess.run(
        [str(NODE_BIN / "node"), "-e", PARSE_HCL, *map(str, files)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return {Path(file): parsed for file, parsed in json.loads(completed.stdout).items()}


def unwrap_blocks(value: Any) -> Any:
    """hcl2json wraps every block in a list; Terraform JSON (cdk.tf.json) writes a single block as an object."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        return unwrap_blocks(value[0])
    if isinstance(value, dict):
        return {key: unwrap_blocks(item) for key, item in value.items()}
    return value


def state_settings(terraform_block: dict[str, Any]) -> dict[str, Any]:
    """Where a stack keeps its state: its `backend` or `cloud` setting, as cdk.tf.json writes it."""
    return {key: terraform_block[key] for key in ("backend", "cloud") if key in terraform_block}


def addresses(document: dict[str, Any]) -> set[str]:
    """Resource, data source and output addresses: what ties a configuration to its existing state."""
    blocks = {
        f"{kind}.{block_type}.{name}"
        for kind in ("resource", "data")
        for block_type, named in document.get(kind, {}).items()
        for name in named
    }
    return blocks | {f"output.{name}" for name in document.get("output", {})}


def cdktf_references(hcl: str) -> list[str]:
    return [line.strip() for line in hcl.splitlines() if CDKTF_REFERENCE.search(line)]


@pytest.fixture(scope="module")
def hcl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make hcl`'s command for every shipped AWS file, once for this module."""
    outdir = tmp_path_factory.mktemp("hcl") / "out"
    result = cdktf_synth(outdir, ",".join(map(str, AWS_FILES)), "--hcl")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return outdir / "stacks"


@pytest.fixture(scope="module")
def hcl_stacks(hcl_dir: Path) -> dict[str, dict[str, Any]]:
    """Every stack's cdk.tf as Terraform's parser reads it, by stack name."""
    return {path.parent.name: parsed for path, parsed in parse_hcl(sorted(hcl_dir.glob("*/cdk.tf"))).items()}


@pytest.fixture(scope="module")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Terraform]:
    with Terraform.offline(tmp_path_factory.mktemp("terraform-hcl")).debug_provider() as terraform:
        yield terraform


def expected_stack_names() -> list[str]:
    environments = [load_environment_file(path).environment for path in AWS_FILES]
    return sorted(name for env in environments for name in (env.cluster_stack_name, env.apps_stack_name))


def test_every_aws_stack_is_written_as_hcl_only(hcl_dir: Path) -> None:
    assert sorted(path.parent.name for path in hcl_dir.glob("*/cdk.tf")) == expected_stack_names()
    assert list(hcl_dir.glob("*/*.tf.json")) == [], "Terraform would load JSON beside the HCL"


def test_every_stack_keeps_the_backend_of_its_json_synthesis(
    hcl_stacks: dict[str, dict[str, Any]], all_stacks: list[SynthesizedStack]
) -> None:
    json_settings = {stack.name: state_settings(stack.json["terraform"]) for stack in all_stacks}
    for name, parsed in hcl_stacks.items():
        hcl_settings = state_settings(unwrap_blocks(parsed["terraform"]))
        assert hcl_settings, f"{name}: no backend in the HCL"
        assert hcl_settings == json_settings[name], name


def test_every_stack_keeps_the_addresses_of_its_json_synthesis(
    hcl_stacks: dict[str, dict[str, Any]], all_stacks: list[SynthesizedStack]
) -> None:
    json_addresses = {stack.name: addresses(stack.json) for stack in all_stacks}
    for name, parsed in hcl_stacks.items():
        assert addresses(parsed) == json_addresses[name], name
        assert any(address.startswith("resource.") for address in json_addresses[name]), name


def test_the_backends_compared_include_local_s3_and_terraform_cloud(hcl_stacks: dict[str, dict[str, Any]]) -> None:
    settings = [state_settings(unwrap_blocks(parsed["terraform"])) for parsed in hcl_stacks.values()]
    kinds = {"cloud" if "cloud" in setting else next(iter(setting["backend"])) for setting in settings}
    assert kinds == {"local", "s3", "cloud"}


def test_no_stack_needs_cdktf_at_run_time(hcl_dir: Path) -> None:
    found = {path.parent.name: cdktf_references(path.read_text()) for path in sorted(hcl_dir.glob("*/cdk.tf"))}
    assert sorted(found) == expected_stack_names()
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_a_remote_state_read_from_cdktf_out_counts_as_a_cdktf_reference() -> None:
    hcl = 'data "terraform_remote_state" "cluster" {\n  backend = "local"\n  config = { path = "../x.tfstate" }\n}\n'
    assert cdktf_references(hcl) == ['data "terraform_remote_state" "cluster" {']
    assert cdktf_references('resource "null_resource" "x" {\n  triggers = { dir = "cdktf.out" }\n}\n') == [
        'triggers = { dir = "cdktf.out" }'
    ]
    assert cdktf_references('resource "aws_vpc" "x" {\n  cidr_block = "10.0.0.0/16"\n}\n') == []


def test_json_policy_documents_become_jsonencode_expressions(hcl_dir: Path) -> None:
    hcl = (hcl_dir / "dev-cluster" / "cdk.tf").read_text()
    policies = [line for line in hcl.splitlines() if re.match(r"\s*(assume_role_policy|policy)\s*=", line)]
    assert policies
    # jsonencode() of the statements, or a policy-document data source's rendered JSON: both are real HCL
    assert all("jsonencode({" in line or DATA_POLICY_DOCUMENT.search(line) for line in policies), policies
    assert any("jsonencode({" in line for line in policies)


@pytest.mark.parametrize("path", AWS_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_cluster_stack_hcl_is_valid_terraform(path: Path, hcl_dir: Path, terraform: Terraform) -> None:
    stack_dir = hcl_dir / load_environment_file(path).environment.cluster_stack_name
    terraform.must(stack_dir, "init", "-input=false", "-no-color", without_backend=True)
    result = terraform.must(stack_dir, "validate", "-no-color")
    assert "Success!" in result.stdout
