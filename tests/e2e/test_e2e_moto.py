"""End to end against the moto AWS emulator: synth -> init -> apply -> plan (no drift) -> check -> destroy -> check.

The product is not changed for the emulator; tests/support/aws_emulator.py corrects moto where it answers differently
from real AWS. Fault cases (locks, interrupted runs, drift) are in test_e2e_faults.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from spec.environment import Environment
from tests.support.aws_emulator import client, emulator, leftovers, terraform_environment
from tests.support.terraform_tools import PROJECT_ROOT, Terraform, aws_environment_files, synthesize
from validation.loader import load_environment_file

pytestmark = pytest.mark.e2e(seconds=60)  # the start order: tests/conftest.py

REGION = "us-east-1"
# The embedded default goes through the whole happy life cycle here; tests/e2e/test_e2e_faults.py takes a second
# example (aws-eks-inference: medium tier, S3 state) through apply, interruptions, drift and destroy.
E2E_FILES = [PROJECT_ROOT / "environments" / "dev.yaml"]
# An oracle independent of catalogue/node_sizes.py: the EKS instance type of each GPU tier.
EXPECTED_GPU_INSTANCE_TYPES = {"small": "g5.xlarge", "medium": "g5.12xlarge", "large": "p4d.24xlarge"}
# ... and the accelerator label the Cluster Autoscaler's GPU processor keys on (A10G: small/medium, A100: large).
EXPECTED_ACCELERATOR_LABELS = {"small": "nvidia-a10g", "medium": "nvidia-a10g", "large": "nvidia-tesla-a100"}
NO_CHANGES = 0  # `terraform plan -detailed-exitcode`: 0 = no changes, 1 = error, 2 = changes


@dataclass
class Deployment:
    environment: Environment
    stack_dir: Path
    state_file: Path
    terraform: Terraform
    endpoint: str
    timings: dict[str, float] = field(default_factory=dict)
    applied_resources: int = 0
    destroyed: bool = False

    def client(self, service: str) -> Any:
        return client(self.endpoint, service, REGION)

    def timed(self, phase: str, *arguments: str) -> str:
        started = time.monotonic()
        result = self.terraform.must(self.stack_dir, *arguments)
        self.timings[phase] = time.monotonic() - started
        return result.stdout

    def destroy(self) -> None:
        if not self.destroyed:
            self.destroyed = True
            self.timed("destroy", "destroy", "-auto-approve", "-input=false", "-no-color")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One synthesis of every AWS environment; the local backend then keeps state in <root>/state."""
    root = tmp_path_factory.mktemp("e2e")
    synthesize(
        sorted({*aws_environment_files("aws-*.yaml"), *(path for path in E2E_FILES if path.is_file())}), root / "out"
    )
    return root


@pytest.fixture(scope="module", params=E2E_FILES, ids=lambda path: path.name)
def deployment(
    request: pytest.FixtureRequest, synthesized: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """Its own emulator per environment, so that `nothing left` means nothing at all; applied once, destroyed last."""
    if not request.param.is_file():
        pytest.fail(f"{request.param} is missing; the end-to-end test needs it")
    environment = load_environment_file(request.param).environment
    workdir = tmp_path_factory.mktemp(f"terraform-{environment.name}")
    with (
        emulator() as endpoint,
        Terraform.offline(workdir, terraform_environment(endpoint, REGION)).debug_provider() as terraform,
    ):
        stack = environment.cluster_stack_name
        deployed = Deployment(
            environment=environment,
            stack_dir=synthesized / "out" / "stacks" / stack,
            state_file=synthesized / "state" / f"{stack}.tfstate",
            terraform=terraform,
            endpoint=endpoint,
        )
        try:
            deployed.timed("init", "init", "-input=false", "-no-color")
            deployed.timed("apply", "apply", "-auto-approve", "-input=false", "-no-color")
            deployed.applied_resources = len(terraform.must(deployed.stack_dir, "state", "list").stdout.split())
            yield deployed
        finally:
            if not deployed.destroyed:  # best effort after a failure; the emulator goes away with everything in it
                terraform.run(deployed.stack_dir, "destroy", "-auto-approve", "-input=false", "-no-color")


def test_state_is_kept_in_the_temporary_folder(deployment: Deployment) -> None:
    assert deployment.state_file.is_file(), f"no state at {deployment.state_file}"
    assert deployment.applied_resources > 0


def test_plan_after_apply_shows_no_drift(deployment: Deployment) -> None:
    result = deployment.terraform.run(
        deployment.stack_dir, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"
    )
    assert result.returncode == NO_CHANGES, result.describe()


def test_gpu_node_group_matches_the_environment_file(deployment: Deployment) -> None:
    environment = deployment.environment
    assert environment.gpu.enabled, "the end-to-end environments must have a GPU pool"
    eks = deployment.client("eks")
    # named gpu-<hash of what forces its replacement> (spec/pools.py)
    (name,) = [n for n in eks.list_nodegroups(clusterName=environment.name)["nodegroups"] if n.startswith("gpu-")]
    group = eks.describe_nodegroup(clusterName=environment.name, nodegroupName=name)["nodegroup"]
    expected_type = environment.gpu.instance_type or EXPECTED_GPU_INSTANCE_TYPES[environment.gpu.node_size]
    assert {
        "instanceTypes": group["instanceTypes"],
        "labels": group["labels"],
        "taints": group["taints"],
        "minSize": group["scalingConfig"]["minSize"],
        "maxSize": group["scalingConfig"]["maxSize"],
        "amiType": group["amiType"],
    } == {
        "instanceTypes": [expected_type],
        "labels": {
            "gpu": "true",
            "k8s.amazonaws.com/accelerator": EXPECTED_ACCELERATOR_LABELS[environment.gpu.node_size],
        },
        "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
        "minSize": environment.gpu.min_node_count,
        "maxSize": environment.gpu.max_node_count,
        "amiType": "AL2023_x86_64_NVIDIA",
    }


def test_the_autoscaler_role_may_resize_only_this_clusters_groups(deployment: Deployment) -> None:
    name = deployment.environment.name
    iam = deployment.client("iam")
    role = f"{name}-cluster-autoscaler"
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    assert [s["Action"] for s in trust["Statement"]] == ["sts:AssumeRoleWithWebIdentity"]
    (policy,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    statements = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]["Statement"]
    (write,) = [s for s in statements if "autoscaling:SetDesiredCapacity" in s["Action"]]
    assert write["Condition"] == {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{name}": "owned"}}


def test_every_node_group_asg_carries_the_tag_the_autoscaler_role_needs(deployment: Deployment) -> None:
    name = deployment.environment.name
    eks, autoscaling = deployment.client("eks"), deployment.client("autoscaling")
    for pool in eks.list_nodegroups(clusterName=name)["nodegroups"]:
        group = eks.describe_nodegroup(clusterName=name, nodegroupName=pool)["nodegroup"]
        (asg,) = group["resources"]["autoScalingGroups"]
        tags = autoscaling.describe_tags(Filters=[{"Name": "auto-scaling-group", "Values": [asg["name"]]}])["Tags"]
        assert {t["Key"]: t["Value"] for t in tags}[f"k8s.io/cluster-autoscaler/{name}"] == "owned", pool


def test_destroy_leaves_nothing_behind(deployment: Deployment, record_property: Any) -> None:
    deployment.destroy()
    assert deployment.terraform.must(deployment.stack_dir, "state", "list").stdout.split() == []
    left = leftovers(deployment.endpoint, REGION)
    timings = {phase: round(seconds, 1) for phase, seconds in deployment.timings.items()}
    record_property("e2e_seconds", timings)
    record_property("e2e_applied_resources", deployment.applied_resources)
    print(f"\n{deployment.environment.name}: {deployment.applied_resources} resources, seconds per phase {timings}")
    assert left == {}
