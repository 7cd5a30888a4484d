"""End to end against the moto AWS emulator: synth -> init -> apply -> plan (no drift) -> check -> destroy -> check.

The product is not changed for the emulator; where moto answers differently from real AWS, the harness
corrects moto, one commented line per correction.
"""

from __future__ import annotations

import logging
import os

# Real AWS has the AWS-managed policies our roles attach; moto loads them only when asked, before import.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import moto.eks.models
import pytest
from moto.ec2.models.launch_templates import LaunchTemplateBackend
from moto.eks.responses import EKSResponse
from moto.server import ThreadedMotoServer

from config.loader import load_environment_file
from config.model import Environment
from tests import emulator_eks_addons
from tests.terraform_tools import PROJECT_ROOT, Terraform, aws_environment_files, synthesize


def _create_cluster_keeping_access_config(self: EKSResponse) -> Any:
    result = _moto_create_cluster(self)
    cluster = self.eks_backend.clusters[self._get_param("name")]
    # Real EKS returns the cluster's accessConfig; moto drops it (-> replacement over bootstrap permissions).
    cluster.access_config = self._get_param("accessConfig")  # type: ignore[attr-defined]
    return result


def _create_launch_template_without_own_tags_in_data(
    self: LaunchTemplateBackend, name: str, description: str, data: dict[str, Any], tag_spec: dict[str, Any]
) -> Any:
    kept = [spec for spec in data.get("TagSpecifications", []) if spec.get("ResourceType") != "launch-template"]
    # Real EC2 puts a template's own TagSpecifications on the template only; moto copies them into its data (-> diff).
    data = {key: value for key, value in data.items() if key != "TagSpecifications"} | (
        {"TagSpecifications": kept} if kept else {}
    )
    return _moto_create_launch_template(self, name, description, data, tag_spec)


_moto_create_cluster = EKSResponse.create_cluster
_moto_create_launch_template = LaunchTemplateBackend.create_launch_template


@contextmanager
def emulator() -> Iterator[str]:
    """A moto server on a free local port, corrected where it answers differently from real AWS; yields its URL."""
    with pytest.MonkeyPatch.context() as patch:
        # Real EKS leaves a node group's remoteAccess unset if not given; moto invents an SSH key (-> replacement).
        patch.setattr(moto.eks.models, "DEFAULT_REMOTE_ACCESS", None)
        patch.setattr(EKSResponse, "create_cluster", _create_cluster_keeping_access_config)
        patch.setattr(LaunchTemplateBackend, "create_launch_template", _create_launch_template_without_own_tags_in_data)
        emulator_eks_addons.install(patch)  # moto has no EKS add-on API; aws_eks_addon needs one
        # one log line per emulator request would drown a failure's report
        patch.setattr(logging.getLogger("werkzeug"), "level", logging.WARNING)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # port 0: the OS picks a free one
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


pytestmark = pytest.mark.e2e

REGION = "us-east-1"
# At least the default environment and the GPU example go through the whole life cycle.
E2E_FILES = [PROJECT_ROOT / "environments" / "dev.yaml", PROJECT_ROOT / "examples" / "aws-eks-gpu.yaml"]
# An oracle independent of config/catalogue.py: the EKS instance type of each GPU tier.
EXPECTED_GPU_INSTANCE_TYPES = {"small": "g5.xlarge", "medium": "g5.12xlarge", "large": "p4d.24xlarge"}
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
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

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
    with emulator() as endpoint:
        terraform = Terraform.offline(
            tmp_path_factory.mktemp(f"terraform-{environment.name}"),
            extra_environment={
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
            },
        )
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
    group = deployment.client("eks").describe_nodegroup(clusterName=environment.name, nodegroupName="gpu")["nodegroup"]
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
        "labels": {"gpu": "true"},
        "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
        "minSize": environment.gpu.min_node_count,
        "maxSize": environment.gpu.max_node_count,
        "amiType": "AL2023_x86_64_NVIDIA",
    }


def test_destroy_leaves_nothing_behind(deployment: Deployment, record_property: Any) -> None:
    deployment.destroy()
    assert deployment.terraform.must(deployment.stack_dir, "state", "list").stdout.split() == []
    eks, ec2, iam, kms = (deployment.client(service) for service in ("eks", "ec2", "iam", "kms"))
    left = {
        "eks clusters": eks.list_clusters()["clusters"],
        "eks node groups": [
            group
            for cluster in eks.list_clusters()["clusters"]
            for group in eks.list_nodegroups(clusterName=cluster)["nodegroups"]
        ],
        "vpcs": [vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"] if not vpc["IsDefault"]],
        # real AWS lists a deleted NAT gateway for about an hour, in state `deleted`
        "nat gateways": [
            gateway["NatGatewayId"]
            for gateway in ec2.describe_nat_gateways()["NatGateways"]
            if gateway["State"] != "deleted"
        ],
        "elastic ips": [address["AllocationId"] for address in ec2.describe_addresses()["Addresses"]],
        "iam roles": [role["RoleName"] for role in iam.list_roles()["Roles"]],
        "iam oidc providers": [
            entry["Arn"] for entry in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        ],
        "flow logs": [log["FlowLogId"] for log in ec2.describe_flow_logs()["FlowLogs"]],
        # a KMS key cannot be deleted at once, only scheduled for deletion
        "kms keys": [
            key["KeyId"]
            for key in kms.list_keys()["Keys"]
            if kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"
        ],
        "launch templates": [
            template["LaunchTemplateName"] for template in ec2.describe_launch_templates()["LaunchTemplates"]
        ],
        "log groups": [group["logGroupName"] for group in deployment.client("logs").describe_log_groups()["logGroups"]],
    }
    timings = {phase: round(seconds, 1) for phase, seconds in deployment.timings.items()}
    record_property("e2e_seconds", timings)
    record_property("e2e_applied_resources", deployment.applied_resources)
    print(f"\n{deployment.environment.name}: {deployment.applied_resources} resources, seconds per phase {timings}")
    assert {kind: found for kind, found in left.items() if found} == {}
