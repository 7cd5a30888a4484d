"""The moto AWS emulator for the end-to-end tests: a local server corrected where it answers differently from real AWS.

The product is not changed for the emulator; each correction is one commented patch here, shared by every e2e module.
"""

from __future__ import annotations

import logging
import os
import threading

# Real AWS has the AWS-managed policies our roles attach; moto loads them only when asked, before import.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3  # type: ignore[import-untyped]
import moto.eks.models
import moto.eks.urls
import pytest
from moto.autoscaling.models import autoscaling_backends
from moto.core.responses import ActionResult, BaseResponse
from moto.ec2.models.launch_templates import LaunchTemplateBackend
from moto.eks.exceptions import InvalidParameterException
from moto.eks.models import EKSBackend
from moto.eks.responses import EKSResponse
from moto.server import ThreadedMotoServer

from tests.support import emulator_eks_addons, emulator_eks_versions

ACCESS_KEY = "testing"


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


_node_group_updates: dict[str, dict[str, Any]] = {}


def _update_nodegroup_config_remembering_it(self: EKSBackend, *args: Any, **kwargs: Any) -> dict[str, Any]:
    cluster, group = kwargs.get("cluster_name"), kwargs.get("nodegroup_name")
    if kwargs.get("scaling_config") and cluster in self.clusters and group in self.clusters[cluster].nodegroups:
        scaling = {**self.clusters[cluster].nodegroups[group].scaling_config, **kwargs["scaling_config"]}
        if scaling["minSize"] > scaling["desiredSize"]:  # real EKS refuses bounds that exclude the desired size
            raise InvalidParameterException(
                message=f"Minimum capacity {scaling['minSize']} can't be greater than desired size "
                f"{scaling['desiredSize']}"
            )
    update = _moto_update_nodegroup_config(self, *args, **kwargs)
    _node_group_updates[update["id"]] = update
    return update


def _describe_update(self: EKSResponse) -> ActionResult:
    # Real EKS answers DescribeUpdate, on which the provider waits after changing a node group or an add-on.
    if self._get_param("addonName"):
        return emulator_eks_addons.describe_update(self)
    if self._get_param("updateId") in emulator_eks_versions.updates:
        return ActionResult({"update": emulator_eks_versions.updates[self._get_param("updateId")]})
    return ActionResult({"update": _node_group_updates[self._get_param("updateId")]})


def _create_nodegroup_with_its_auto_scaling_group(self: EKSBackend, *args: Any, **kwargs: Any) -> Any:
    nodegroup = _moto_create_nodegroup(self, *args, **kwargs)
    # Real EKS creates the Auto Scaling group it names in the node group's resources; moto only names it, so
    # aws_autoscaling_group_tag (the autoscaler's tags) would find no group. An empty one stands in: no instances.
    groups: list[dict[str, str]] = nodegroup.resources["autoScalingGroups"]  # type: ignore[assignment]
    (group,) = groups
    autoscaling_backends[self.account_id][self.region_name].create_auto_scaling_group(
        name=group["name"],
        availability_zones=[],
        desired_capacity=0,
        max_size=0,
        min_size=0,
        launch_config_name="",
        launch_template={"LaunchTemplateId": kwargs["launch_template"]["id"], "Version": "$Latest"},
        vpc_zone_identifier=",".join(kwargs["subnets"]),
        default_cooldown=None,
        health_check_period=None,
        health_check_type=None,
        load_balancers=[],
        target_group_arns=[],
        placement_group=None,
        termination_policies=[],
        tags=[],
    )
    return nodegroup


def _delete_nodegroup_with_its_auto_scaling_group(self: EKSBackend, cluster_name: str, nodegroup_name: str) -> Any:
    nodegroup = _moto_delete_nodegroup(self, cluster_name, nodegroup_name)
    groups: list[dict[str, str]] = nodegroup.resources["autoScalingGroups"]  # type: ignore[assignment]
    for group in groups:  # real EKS deletes the group with the node group
        autoscaling_backends[self.account_id][self.region_name].delete_auto_scaling_group(group["name"])
    return nodegroup


_moto_create_nodegroup = EKSBackend.create_nodegroup
_moto_delete_nodegroup = EKSBackend.delete_nodegroup


@dataclass
class Hold:
    """One API call held after the emulator carried it out and before it answers: the object exists, unreported."""

    action: str  # the API's name for it, e.g. "CreateFlowLogs"
    calls: int = 1  # how many calls of it to hold; `reached` is set once all of them arrived
    arrived: int = 0
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def wait_reached(self, timeout: float) -> bool:
        return self.reached.wait(timeout)

    def release(self) -> None:
        self.released.set()


EMULATOR_REGION = "us-east-1"


def emulated_environment(name: str, **fields: Any) -> dict[str, Any]:
    """An AWS environment file's fields for the emulator modules: one system node, a reachable API, `fields` on top."""
    return {
        "name": name,
        "cloud": "aws",
        "region": EMULATOR_REGION,
        "version": "1.35",
        "nodeSize": "small",
        "minNodeCount": 1,
        "maxNodeCount": 3,
        "endpointAccess": {"publicAccessCidrs": ["192.168.0.0/16"]},
        **fields,
    }


HOLD_LIMIT_SECONDS = 300.0  # a held call answers at the latest after this, so a failed test cannot hang the server
_holds: dict[str, Hold] = {}
_holds_lock = threading.Lock()


def hold(action: str, *, calls: int = 1) -> Hold:
    """Holds the next `calls` calls of `action`; the caller waits on `reached`, acts, and then calls `release()`."""
    with _holds_lock:
        _holds[action] = Hold(action, calls=calls)
        return _holds[action]


def release_all() -> None:
    with _holds_lock:
        pending = list(_holds.values())
        _holds.clear()
    for each in pending:
        each.release()


def _call_action_with_holds(self: BaseResponse) -> Any:
    result = _moto_call_action(self)
    with _holds_lock:
        held = _holds.get(self._get_action()) if _holds else None
        if held is not None:
            held.arrived += 1
            if held.arrived == held.calls:
                del _holds[held.action]
                held.reached.set()
    if held is not None:
        held.released.wait(HOLD_LIMIT_SECONDS)
    return result


_moto_call_action = BaseResponse.call_action
_moto_create_cluster = EKSResponse.create_cluster
_moto_create_launch_template = LaunchTemplateBackend.create_launch_template
_moto_update_nodegroup_config = EKSBackend.update_nodegroup_config
_DESCRIBE_UPDATE_PATH = "{0}/clusters/(?P<name>[^/]+)/updates/(?P<updateId>[^/]+)$"


@contextmanager
def emulator() -> Iterator[str]:
    """A moto server on a free local port, corrected where it answers differently from real AWS; yields its URL."""
    with pytest.MonkeyPatch.context() as patch:
        # Real EKS leaves a node group's remoteAccess unset if not given; moto invents an SSH key (-> replacement).
        patch.setattr(moto.eks.models, "DEFAULT_REMOTE_ACCESS", None)
        patch.setattr(EKSResponse, "create_cluster", _create_cluster_keeping_access_config)
        patch.setattr(LaunchTemplateBackend, "create_launch_template", _create_launch_template_without_own_tags_in_data)
        patch.setattr(EKSBackend, "update_nodegroup_config", _update_nodegroup_config_remembering_it)
        patch.setattr(EKSBackend, "create_nodegroup", _create_nodegroup_with_its_auto_scaling_group)
        patch.setattr(EKSBackend, "delete_nodegroup", _delete_nodegroup_with_its_auto_scaling_group)
        emulator_eks_addons.install(patch)  # moto has no EKS add-on API; aws_eks_addon needs one
        emulator_eks_versions.install(patch)  # nor version upgrades of a cluster or node group
        patch.setattr(EKSResponse, "describe_update", _describe_update, raising=False)
        patch.setitem(moto.eks.urls.url_paths, _DESCRIBE_UPDATE_PATH, moto.eks.urls.response.dispatch)
        # one log line per emulator request would drown a failure's report
        patch.setattr(logging.getLogger("werkzeug"), "level", logging.WARNING)
        patch.setattr(BaseResponse, "call_action", _call_action_with_holds)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # port 0: the OS picks a free one
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            release_all()
            server.stop()


def client(endpoint: str, service: str, region: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=ACCESS_KEY,
    )


def terraform_environment(endpoint: str, region: str) -> dict[str, str]:
    """What Terraform and the provider need to talk to the emulator instead of AWS; the stacks stay unchanged."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": ACCESS_KEY,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }


def leftovers(endpoint: str, region: str) -> dict[str, list[str]]:
    """Every kind of object our cluster stacks create that would outlive a destroy, by kind; empty kinds left out."""
    eks, ec2, iam, kms, logs, autoscaling = (
        client(endpoint, service, region) for service in ("eks", "ec2", "iam", "kms", "logs", "autoscaling")
    )
    clusters = eks.list_clusters()["clusters"]
    found = {
        "eks clusters": clusters,
        "eks node groups": [
            group for cluster in clusters for group in eks.list_nodegroups(clusterName=cluster)["nodegroups"]
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
        "log groups": [group["logGroupName"] for group in logs.describe_log_groups()["logGroups"]],
        "auto scaling groups": [
            group["AutoScalingGroupName"] for group in autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
        ],
    }
    return {kind: objects for kind, objects in found.items() if objects}
