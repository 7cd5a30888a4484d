"""`terraform init` (from the provider mirror) and `terraform validate` on every AWS cluster stack the project ships.

Only cluster stacks: the apps stacks need the helm provider, which has no binary in the mirror.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.synthesized_stacks import SynthesizedStack
from tests.support.terraform_tools import PROJECT_ROOT, Synthesis, Terraform, aws_environment_files
from validation.loader import load_environment_file

pytestmark = pytest.mark.slow(seconds=30)  # the start order: tests/conftest.py


AWS_FILES = aws_environment_files()


@pytest.fixture(scope="module")
def synthesis(tmp_path_factory: pytest.TempPathFactory, all_stacks: list[SynthesizedStack]) -> Synthesis:
    """The run's one synthesis of the shipped files (main.py), each cluster stack copied into a folder of its own:
    `terraform init` writes beside it, and other workers read the shared folder meanwhile."""
    outdir = tmp_path_factory.mktemp("validate") / "out"
    for stack in all_stacks:
        if stack.is_cluster_stack:
            (outdir / "stacks" / stack.name).mkdir(parents=True)
            (outdir / "stacks" / stack.name / "cdk.tf.json").write_text(stack.text)
    return Synthesis(outdir)


@pytest.fixture(scope="module")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Terraform]:
    """One CLI config and one plugin cache for every init, so the provider is unpacked once; one provider process
    for every validate."""
    with Terraform.offline(tmp_path_factory.mktemp("terraform")).debug_provider() as terraform:
        yield terraform


def test_the_default_environment_is_among_the_validated_files() -> None:
    assert PROJECT_ROOT / "environments" / "dev.yaml" in AWS_FILES


@pytest.mark.parametrize("path", AWS_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_cluster_stack_is_valid_terraform(path: Path, synthesis: Synthesis, terraform: Terraform) -> None:
    stack_dir = synthesis.stack_dir(load_environment_file(path).environment.cluster_stack_name)
    assert (stack_dir / "cdk.tf.json").is_file(), f"main.py wrote no {stack_dir.name} for {path}"
    terraform.must(stack_dir, "init", "-input=false", "-no-color", without_backend=True)
    result = terraform.must(stack_dir, "validate", "-no-color")
    assert "Success!" in result.stdout
