"""Where `make adopt` looks for each resource type of the AWS cluster stack: boto3 clients for the stack's region
(`AwsClients`) and one finder per type (`FINDERS`), which looks the object up by what identifies it (tags, names,
parents) and answers every match, with the ID `terraform import` takes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from operations.stack_blocks import Block

# Objects that are on their way out are not adopted: a deleted NAT gateway stays listed for an hour.
GONE_STATES = {"deleted", "deleting", "failed", "PendingDeletion", "PendingReplicaDeletion", "DELETING"}
# The AWS answer "no such object": each service names it differently.
MISSING_CODES = {"NoSuchEntity", "ResourceNotFoundException", "InvalidLaunchTemplateName.NotFoundException"}


@dataclass(frozen=True)
class Found:
    """One cloud object: the ID `import` takes, and the attributes later blocks refer to (`.id`, `.arn`, ...)."""

    import_id: str
    attributes: Mapping[str, Any]


class AwsClients:
    """One boto3 client per AWS service, made on first use, for the stack's region.

    Credentials and endpoint come from the usual AWS environment. boto3 is imported only here: the rest of adopt
    runs, and is tested, without it.
    """

    def __init__(self, region: str) -> None:
        import boto3  # type: ignore[import-untyped]

        self._boto3, self.region, self._clients = boto3, region, {}  # type: ignore[var-annotated]

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._clients:
            self._clients[service] = self._boto3.client(service, region_name=self.region)
        return self._clients[service]


def _missing(error: Exception) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    return code in MISSING_CODES


def _filters(values: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"Name": name, "Values": [value]} for name, value in values.items()]


def _tag_filters(tags: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"Name": f"tag:{key}", "Values": [value]} for key, value in tags.items()]


def _tags_of(entries: list[dict[str, str]] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {entry[key]: entry[value] for entry in entries or []}


def _without_wildcard(arn: str) -> str:
    return arn.removesuffix(":*")


# --- EC2: tagged objects, or objects found by their VPC, subnet or CIDR -------------------------------------------


def find_vpc(aws: AwsClients, block: Block) -> list[Found]:
    found = aws.ec2.describe_vpcs(Filters=_tag_filters(block.tags()))["Vpcs"]
    return [Found(vpc["VpcId"], {"id": vpc["VpcId"]}) for vpc in found if vpc.get("State") not in GONE_STATES]


def find_subnet(aws: AwsClients, block: Block) -> list[Found]:
    filters = _filters({"vpc-id": block.text("vpc_id"), "cidr-block": block.text("cidr_block")})
    return [Found(s["SubnetId"], {"id": s["SubnetId"]}) for s in aws.ec2.describe_subnets(Filters=filters)["Subnets"]]


def find_internet_gateway(aws: AwsClients, block: Block) -> list[Found]:
    vpc = block.text("vpc_id")
    # Tagged at creation and attached by a second call: a kill in between leaves it tagged but detached.
    gateways = aws.ec2.describe_internet_gateways(Filters=_tag_filters(block.tags()))["InternetGateways"]
    return [
        Found(gateway["InternetGatewayId"], {"id": gateway["InternetGatewayId"]})
        for gateway in gateways
        if all(attachment["VpcId"] == vpc for attachment in gateway.get("Attachments", []))
    ]


def find_route_table(aws: AwsClients, block: Block) -> list[Found]:
    filters = _filters({"vpc-id": block.text("vpc_id")}) + _tag_filters(block.tags())
    tables = aws.ec2.describe_route_tables(Filters=filters)["RouteTables"]
    return [Found(table["RouteTableId"], {"id": table["RouteTableId"]}) for table in tables]


def find_route_table_association(aws: AwsClients, block: Block) -> list[Found]:
    subnet = block.text("subnet_id")
    tables = aws.ec2.describe_route_tables(Filters=_filters({"association.subnet-id": subnet}))["RouteTables"]
    return [
        Found(f"{subnet}/{table['RouteTableId']}", {"id": association["RouteTableAssociationId"]})
        for table in tables
        for association in table.get("Associations", [])
        if association.get("SubnetId") == subnet
    ]


def find_default_security_group(aws: AwsClients, block: Block) -> list[Found]:
    filters = _filters({"vpc-id": block.text("vpc_id"), "group-name": "default"})
    groups = aws.ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
    return [Found(group["GroupId"], {"id": group["GroupId"]}) for group in groups]


def find_eip(aws: AwsClients, block: Block) -> list[Found]:
    addresses = aws.ec2.describe_addresses(Filters=_tag_filters(block.tags()))["Addresses"]
    return [Found(address["AllocationId"], {"id": address["AllocationId"]}) for address in addresses]


def find_nat_gateway(aws: AwsClients, block: Block) -> list[Found]:
    filters = _filters({"subnet-id": block.text("subnet_id")}) + _tag_filters(block.tags())
    gateways = aws.ec2.describe_nat_gateways(Filter=filters)["NatGateways"]
    return [Found(g["NatGatewayId"], {"id": g["NatGatewayId"]}) for g in gateways if g["State"] not in GONE_STATES]


def find_flow_log(aws: AwsClients, block: Block) -> list[Found]:
    destination = _without_wildcard(block.text("log_destination"))
    logs = aws.ec2.describe_flow_logs(Filters=_filters({"resource-id": block.text("vpc_id")}))["FlowLogs"]
    return [
        Found(log["FlowLogId"], {"id": log["FlowLogId"]})
        for log in logs
        if _without_wildcard(log.get("LogDestination", "")) == destination
    ]


def find_launch_template(aws: AwsClients, block: Block) -> list[Found]:
    try:
        templates = aws.ec2.describe_launch_templates(LaunchTemplateNames=[block.text("name")])["LaunchTemplates"]
    except Exception as error:
        if _missing(error):
            return []
        raise
    return [
        Found(t["LaunchTemplateId"], {"id": t["LaunchTemplateId"], "name": t["LaunchTemplateName"]}) for t in templates
    ]


# --- Logs, KMS, IAM ----------------------------------------------------------------------------------------------


def find_log_group(aws: AwsClients, block: Block) -> list[Found]:
    name = block.text("name")
    groups = aws.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    return [
        Found(name, {"id": name, "name": name, "arn": _without_wildcard(group["arn"])})
        for group in groups
        if group["logGroupName"] == name
    ]


def find_kms_key(aws: AwsClients, block: Block) -> list[Found]:
    wanted, description = block.tags(), block.body.get("description")
    found = []
    for page in aws.kms.get_paginator("list_keys").paginate():
        for entry in page["Keys"]:
            metadata = aws.kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]
            if metadata.get("KeyManager") != "CUSTOMER" or metadata["KeyState"] in GONE_STATES:
                continue
            tags = _tags_of(aws.kms.list_resource_tags(KeyId=entry["KeyId"])["Tags"], "TagKey", "TagValue")
            if all(tags.get(key) == value for key, value in wanted.items()) and (
                description is None or metadata.get("Description") == description
            ):
                found.append(Found(metadata["KeyId"], {"id": metadata["KeyId"], "arn": metadata["Arn"]}))
    return found


def find_iam_role(aws: AwsClients, block: Block) -> list[Found]:
    # Role names are unique per account, and the Resource Groups Tagging API does not list IAM roles.
    try:
        role = aws.iam.get_role(RoleName=block.text("name"))["Role"]
    except Exception as error:
        if _missing(error):
            return []
        raise
    return [Found(role["RoleName"], {"id": role["RoleName"], "name": role["RoleName"], "arn": role["Arn"]})]


def find_iam_role_policy(aws: AwsClients, block: Block) -> list[Found]:
    role, name = block.text("role"), block.text("name")
    try:
        aws.iam.get_role_policy(RoleName=role, PolicyName=name)
    except Exception as error:
        if _missing(error):
            return []
        raise
    return [Found(f"{role}:{name}", {"id": f"{role}:{name}"})]


def find_iam_role_policy_attachment(aws: AwsClients, block: Block) -> list[Found]:
    role, arn = block.text("role"), block.text("policy_arn")
    try:
        pages = aws.iam.get_paginator("list_attached_role_policies").paginate(RoleName=role)
        attached = [policy["PolicyArn"] for page in pages for policy in page["AttachedPolicies"]]
    except Exception as error:
        if _missing(error):
            return []
        raise
    return [Found(f"{role}/{arn}", {"id": f"{role}/{arn}"})] if arn in attached else []


def find_openid_connect_provider(aws: AwsClients, block: Block) -> list[Found]:
    issuer = block.text("url").removeprefix("https://")
    found = []
    for entry in aws.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        provider = aws.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=entry["Arn"])
        if provider["Url"].removeprefix("https://") == issuer:
            found.append(Found(entry["Arn"], {"id": entry["Arn"], "arn": entry["Arn"], "url": provider["Url"]}))
    return found


# --- EKS: by name within the cluster ------------------------------------------------------------------------------


def _eks(call: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    try:
        return call()
    except Exception as error:
        if _missing(error):
            return None
        raise


def find_eks_cluster(aws: AwsClients, block: Block) -> list[Found]:
    name = block.text("name")
    answer = _eks(lambda: aws.eks.describe_cluster(name=name))
    if answer is None or answer["cluster"]["status"] in GONE_STATES:
        return []
    cluster = answer["cluster"]
    issuer = cluster.get("identity", {}).get("oidc", {}).get("issuer")
    attributes = {
        "id": name,
        "name": name,
        "arn": cluster["arn"],
        "version": cluster.get("version"),
        "endpoint": cluster.get("endpoint"),
        "identity": [{"oidc": [{"issuer": issuer}]}] if issuer else [],
    }
    return [Found(name, attributes)]


def find_eks_node_group(aws: AwsClients, block: Block) -> list[Found]:
    cluster, name = block.text("cluster_name"), block.text("node_group_name")
    answer = _eks(lambda: aws.eks.describe_nodegroup(clusterName=cluster, nodegroupName=name))
    if answer is None or answer["nodegroup"]["status"] in GONE_STATES:
        return []
    groups = answer["nodegroup"].get("resources", {}).get("autoScalingGroups", [])
    attributes = {
        "id": f"{cluster}:{name}",
        "arn": answer["nodegroup"]["nodegroupArn"],
        "resources": [{"autoscaling_groups": [{"name": group["name"]} for group in groups]}],
    }
    return [Found(f"{cluster}:{name}", attributes)]


def find_autoscaling_group_tag(aws: AwsClients, block: Block) -> list[Found]:
    group, key = block.text("autoscaling_group_name"), block.value("tag")["key"]
    tags = aws.autoscaling.describe_tags(
        Filters=[{"Name": "auto-scaling-group", "Values": [group]}, {"Name": "key", "Values": [key]}]
    )["Tags"]
    return [Found(f"{group},{key}", {"id": f"{group},{key}"}) for _ in tags]


def find_eks_addon(aws: AwsClients, block: Block) -> list[Found]:
    cluster, name = block.text("cluster_name"), block.text("addon_name")
    answer = _eks(lambda: aws.eks.describe_addon(clusterName=cluster, addonName=name))
    if answer is None or answer["addon"]["status"] in GONE_STATES:
        return []
    return [Found(f"{cluster}:{name}", {"id": f"{cluster}:{name}", "arn": answer["addon"]["addonArn"]})]


# --- EFS and the security groups beside it (the model cache) --------------------------------------------------------


def find_efs_file_system(aws: AwsClients, block: Block) -> list[Found]:
    token = block.text("creation_token")
    systems = aws.efs.describe_file_systems(CreationToken=token)["FileSystems"]
    return [
        Found(fs["FileSystemId"], {"id": fs["FileSystemId"], "arn": fs["FileSystemArn"]})
        for fs in systems
        if fs["LifeCycleState"] not in {"deleting", "deleted"}
    ]


def find_efs_mount_target(aws: AwsClients, block: Block) -> list[Found]:
    file_system, subnet = block.text("file_system_id"), block.text("subnet_id")
    targets = aws.efs.describe_mount_targets(FileSystemId=file_system)["MountTargets"]
    return [
        Found(target["MountTargetId"], {"id": target["MountTargetId"]})
        for target in targets
        if target["SubnetId"] == subnet and target["LifeCycleState"] not in {"deleting", "deleted"}
    ]


def find_security_group(aws: AwsClients, block: Block) -> list[Found]:
    filters = _filters({"vpc-id": block.text("vpc_id"), "group-name": block.text("name")})
    groups = aws.ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
    return [Found(group["GroupId"], {"id": group["GroupId"]}) for group in groups]


def find_security_group_ingress_rule(aws: AwsClients, block: Block) -> list[Found]:
    group, source = block.text("security_group_id"), block.text("referenced_security_group_id")
    rules = aws.ec2.describe_security_group_rules(Filters=_filters({"group-id": group}))["SecurityGroupRules"]
    return [
        Found(rule["SecurityGroupRuleId"], {"id": rule["SecurityGroupRuleId"]})
        for rule in rules
        if not rule["IsEgress"]
        and rule.get("ReferencedGroupInfo", {}).get("GroupId") == source
        and rule["FromPort"] == block.value("from_port")
        and rule["ToPort"] == block.value("to_port")
    ]


@dataclass(frozen=True)
class Finder:
    how: str  # the README's "how adopt finds it", one line
    find: Callable[[AwsClients, Block], list[Found]]
    by_key: bool = False  # found by a key the cloud keeps unique (a name): there cannot be a second one


# Every resource type of the AWS cluster stack (tests/operations/test_adopt.py checks it against synthesised stacks).
FINDERS: dict[str, Finder] = {
    "aws_vpc": Finder("tags `environment`, `managed-by` and `Name`", find_vpc),
    "aws_subnet": Finder("its VPC and CIDR block", find_subnet),
    "aws_internet_gateway": Finder("tags, attached to its VPC or to none", find_internet_gateway),
    "aws_route_table": Finder("its VPC and tags (`Name` tells public from private)", find_route_table),
    "aws_route_table_association": Finder(
        "the route table associated with its subnet; imported as `<subnet-id>/<route-table-id>`",
        find_route_table_association,
        by_key=True,  # a subnet has at most one explicit association
    ),
    "aws_default_security_group": Finder("its VPC's group named `default`", find_default_security_group, by_key=True),
    "aws_eip": Finder("tags `environment`, `managed-by` and `Name`", find_eip),
    "aws_nat_gateway": Finder("its subnet and tags, unless deleted", find_nat_gateway),
    "aws_flow_log": Finder("its VPC and log destination (the log group's ARN)", find_flow_log),
    "aws_launch_template": Finder("name", find_launch_template, by_key=True),
    "aws_cloudwatch_log_group": Finder("name", find_log_group, by_key=True),
    "aws_kms_key": Finder("tags and description, unless pending deletion", find_kms_key),
    "aws_iam_role": Finder("name (unique per account; RGTA does not list roles)", find_iam_role, by_key=True),
    "aws_iam_role_policy": Finder(
        "its role and policy name; imported as `<role>:<name>`", find_iam_role_policy, by_key=True
    ),
    "aws_iam_role_policy_attachment": Finder(
        "its role and policy ARN; imported as `<role>/<policy-arn>`", find_iam_role_policy_attachment, by_key=True
    ),
    "aws_iam_openid_connect_provider": Finder("the cluster's issuer URL", find_openid_connect_provider),
    "aws_eks_cluster": Finder("name", find_eks_cluster, by_key=True),
    "aws_eks_node_group": Finder(
        "cluster and node group name; imported as `<cluster>:<name>`", find_eks_node_group, by_key=True
    ),
    "aws_efs_file_system": Finder("creation token", find_efs_file_system, by_key=True),
    "aws_efs_mount_target": Finder("its file system and subnet", find_efs_mount_target, by_key=True),
    "aws_security_group": Finder("its VPC and name", find_security_group, by_key=True),
    "aws_vpc_security_group_ingress_rule": Finder(
        "its group, the group it admits and the ports", find_security_group_ingress_rule
    ),
    "aws_eks_addon": Finder("cluster and add-on name; imported as `<cluster>:<name>`", find_eks_addon, by_key=True),
    "aws_autoscaling_group_tag": Finder(
        "its node group's Auto Scaling group and the tag key; imported as `<group>,<key>`",
        find_autoscaling_group_tag,
        by_key=True,  # a group carries a key once
    ),
}
