"""Reachability: the apps stack warns, and `make deploy` stops before creating anything, when it could not
reach a private API endpoint; listing CIDRs or declaring `deployFrom: inside-network` lets it through."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from operations import deploy_check
from tests.conftest import PROJECT_ROOT, environment
from validation.warnings import unreachable_api_warning

PRIVATE_AWS = "name: private\ncloud: aws\n"
INSIDE_AWS = "name: inside\ncloud: aws\nendpointAccess: {deployFrom: inside-network}\n"
PUBLIC_AWS = "name: public\ncloud: aws\nendpointAccess: {publicAccessCidrs: ['192.168.0.0/16']}\n"
PRIVATE_GKE = "name: gke\ncloud: google\n"


@pytest.mark.parametrize(
    ("fields", "unreachable"),
    [
        ({"cloud": "aws"}, True),
        ({"cloud": "azure"}, True),
        ({"cloud": "google"}, False),  # the DNS endpoint is reachable from anywhere
        ({"cloud": "aws", "endpointAccess": {"publicAccessCidrs": ["192.168.0.0/16"]}}, False),
        ({"cloud": "azure", "endpointAccess": {"publicAccessCidrs": ["192.168.0.0/16"]}}, False),
        ({"cloud": "aws", "endpointAccess": {"deployFrom": "inside-network"}}, False),
        ({"cloud": "azure", "endpointAccess": {"deployFrom": "inside-network"}}, False),
    ],
    ids=["aws", "azure", "google", "aws-cidrs", "azure-cidrs", "aws-inside", "azure-inside"],
)
def test_unreachable_api_warning_per_cloud_and_access(fields: dict[str, Any], unreachable: bool) -> None:
    assert (unreachable_api_warning(environment(**fields)) is not None) is unreachable


def test_the_warning_is_one_line_naming_both_ways_out() -> None:
    warning = unreachable_api_warning(environment(cloud="aws"))
    assert warning is not None
    assert "\n" not in warning
    assert "inside the VPC" in warning
    assert "endpointAccess.publicAccessCidrs" in warning
    assert "endpointAccess.deployFrom: inside-network" in warning


def run_check(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, *files: str, deployed: dict[str, Any] | None = None
) -> int:
    # What the cluster stack's state holds (test_day2_checks.py and e2e/test_e2e_day2.py read real state).
    monkeypatch.setattr(deploy_check, "deployed_outputs", lambda stack_dir: deployed or {})
    paths = []
    for index, text in enumerate(files):
        path = tmp_path / f"env{index}.yaml"
        path.write_text(text)
        paths.append(str(path))
    monkeypatch.setenv("ENVIRONMENTS", ",".join(paths))
    return deploy_check.main(["operations/deploy_check.py", name])


def test_deploy_check_stops_a_private_aws_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_check(monkeypatch, tmp_path, "private", PRIVATE_AWS, PUBLIC_AWS) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: {tmp_path / 'env0.yaml'}: endpointAccess:")
    assert error.rstrip().endswith("deploy stopped before creating or changing anything")


@pytest.mark.parametrize(
    ("name", "text"),
    [("inside", INSIDE_AWS), ("public", PUBLIC_AWS), ("gke", PRIVATE_GKE)],
)
def test_deploy_check_lets_reachable_environments_through(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, text: str
) -> None:
    assert run_check(monkeypatch, tmp_path, name, text) == 0


def test_deploy_check_refuses_an_unknown_environment_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_check(monkeypatch, tmp_path, "nope", PUBLIC_AWS) == 2
    assert "no environment named 'nope'" in capsys.readouterr().err


def test_deploy_check_reports_a_bad_file_as_bad_input(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert run_check(monkeypatch, tmp_path, "private", "name: private\ncloud: mars\n") == 2


def test_the_embedded_default_needs_the_confirmation_before_it_deploys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENVIRONMENTS", raising=False)
    monkeypatch.setattr(deploy_check, "deployed_outputs", lambda stack_dir: {})
    assert deploy_check.main(["operations/deploy_check.py", "dev"]) == 1


def test_make_deploy_runs_the_check_before_cdktf_deploy() -> None:
    # -n prints the recipe without running it; make stops at the first failing line, so order is the guarantee.
    result = subprocess.run(
        ["make", "-n", "deploy", "ENV=dev"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()
    check = next(i for i, line in enumerate(lines) if "operations.deploy_check 'dev'" in line)
    deploy = next(i for i, line in enumerate(lines) if line.startswith("cdktf deploy"))
    assert check < deploy
