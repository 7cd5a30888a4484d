"""`make adopt`: after a killed run, find in the cloud what the stack's state lost, and write the import blocks.

Usage: python -m operations.adopt <stack folder>  (the folder `cdktf deploy` initialised, e.g.
cdktf.out/stacks/dev-cluster).
It reads the folder's cdk.tf.json and its state (`terraform state pull`), looks up every resource the state lacks
by what identifies it (FINDERS: tags, names, parents), writes `recovery_imports.tf.json` next to cdk.tf.json and
runs `terraform plan`. Exit 0: the next `make deploy` imports the objects found and creates only what is missing;
1: something would be created twice or could not be decided (one line says what); 2: bad input.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

RECOVERY_IMPORTS = "recovery_imports.tf.json"
# `${aws_vpc.network_vpc_4E8F0223.id}` or `${aws_eks_cluster.x.identity[0].oidc[0].issuer}`
REFERENCE = re.compile(r"\$\{(?P<address>[a-z0-9_]+\.[\w-]+)\.(?P<path>[\w.\[\]]+)\}")
PATH_STEP = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")
# Objects that are on their way out are not adopted: a deleted NAT gateway stays listed for an hour.
GONE_STATES = {"deleted", "deleting", "failed", "PendingDeletion", "PendingReplicaDeletion", "DELETING"}


class AdoptError(Exception):
    """A one-line reason to stop; exit 1 unless it is bad input."""


class BadInput(AdoptError):
    """The stack folder or its cdk.tf.json is not what adopt works on; exit 2."""


class Unresolved(Exception):
    """A value of the block refers to a resource that is neither in the state nor found in the cloud."""


@dataclass(frozen=True)
class Found:
    """One cloud object: the ID `import` takes, and the attributes later blocks refer to (`.id`, `.arn`, ...)."""

    import_id: str
    attributes: Mapping[str, Any]


@dataclass
class Block:
    """A resource block of cdk.tf.json whose references are resolved against what is already known."""

    address: str
    body: Mapping[str, Any]
    known: Mapping[str, Mapping[str, Any]]
    default_tags: Mapping[str, str]
    bodies: Mapping[str, Mapping[str, Any]]  # every block of the stack, by address

    def value(self, key: str) -> Any:
        return self._resolve(self.body.get(key))

    def text(self, key: str) -> str:
        value = self.value(key)
        if not isinstance(value, str):
            raise AdoptError(f"{self.address}: {key} is {value!r}, not a string")
        return value

    def tags(self) -> dict[str, str]:
        """Every tag the object carries once created: the provider's default tags and the block's own literal ones."""
        own = self.body.get("tags") or {}
        return {**self.default_tags, **{key: value for key, value in own.items() if "${" not in str(value)}}

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = REFERENCE.fullmatch(value)
            if whole:
                return self._lookup(whole["address"], whole["path"])
            return REFERENCE.sub(lambda match: str(self._lookup(match["address"], match["path"])), value)
        if isinstance(value, list):
            return [self._resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: self._resolve(item) for key, item in value.items()}
        return value

    def _lookup(self, address: str, path: str) -> Any:
        literal = self.bodies.get(address, {}).get(path)
        if address not in self.known and isinstance(literal, str) and "${" not in literal:
            return literal  # e.g. the cluster's name, which the configuration states whether the cluster exists or not
        if address not in self.known:
            raise Unresolved(address)
        current: Any = self.known[address]
        for name, index in PATH_STEP.findall(path):
            try:
                current = current[name] if name else current[int(index)]
            except (KeyError, IndexError, TypeError):
                raise Unresolved(f"{address}.{path}") from None
        return current


def references(body: Mapping[str, Any]) -> set[str]:
    return {match["address"] for match in REFERENCE.finditer(json.dumps(body))}


class Cloud:
    """boto3 clients for the stack's region; credentials and endpoint come from the usual AWS environment."""

    def __init__(self, region: str) -> None:
        try:
            import boto3  # type: ignore[import-untyped]
        except ImportError:
            raise AdoptError("boto3 is not installed: `make adopt` needs the AWS SDK for Python (Pipfile)") from None
        self._boto3, self.region, self._clients = boto3, region, {}  # type: ignore[var-annotated]

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._clients:
            self._clients[service] = self._boto3.client(service, region_name=self.region)
        return self._clients[service]

    @staticmethod
    def missing(error: Exception) -> bool:
        """True for the AWS answer "no such object" (each service names it differently)."""
        code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
        return code in {"NoSuchEntity", "ResourceNotFoundException", "InvalidLaunchTemplateName.NotFoundException"}


def _filters(values: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"Name": name, "Values": [value]} for name, value in values.items()]


def _tag_filters(tags: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"Name": f"tag:{key}", "Values": [value]} for key, value in tags.items()]


def _tags_of(entries: list[dict[str, str]] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {entry[key]: entry[value] for entry in entries or []}


def _without_wildcard(arn: str) -> str:
    return arn.removesuffix(":*")


# --- EC2: tagged objects, or objects found by their VPC, subnet or CIDR -------------------------------------------


def find_vpc(cloud: Cloud, block: Block) -> list[Found]:
    found = cloud.ec2.describe_vpcs(Filters=_tag_filters(block.tags()))["Vpcs"]
    return [Found(vpc["VpcId"], {"id": vpc["VpcId"]}) for vpc in found if vpc.get("State") not in GONE_STATES]


def find_subnet(cloud: Cloud, block: Block) -> list[Found]:
    filters = _filters({"vpc-id": block.text("vpc_id"), "cidr-block": block.text("cidr_block")})
    return [Found(s["SubnetId"], {"id": s["SubnetId"]}) for s in cloud.ec2.describe_subnets(Filters=filters)["Subnets"]]


def find_internet_gateway(cloud: Cloud, block: Block) -> list[Found]:
    vpc = block.text("vpc_id")
    # Tagged at creation and attached by a second call: a kill in between leaves it tagged but detached.
    gateways = cloud.ec2.describe_internet_gateways(Filters=_tag_filters(block.tags()))["InternetGateways"]
    return [
        Found(gateway["InternetGatewayId"], {"id": gateway["InternetGatewayId"]})
        for gateway in gateways
        if all(attachment["VpcId"] == vpc for attachment in gateway.get("Attachments", []))
    ]


def find_route_table(cloud: Cloud, block: Block) -> list[Found]:
    filters = _filters({"vpc-id": block.text("vpc_id")}) + _tag_filters(block.tags())
    tables = cloud.ec2.describe_route_tables(Filters=filters)["RouteTables"]
    return [Found(table["RouteTableId"], {"id": table["RouteTableId"]}) for table in tables]


def find_route_table_association(cloud: Cloud, block: Block) -> list[Found]:
    subnet = block.text("subnet_id")
    tables = cloud.ec2.describe_route_tables(Filters=_filters({"association.subnet-id": subnet}))["RouteTables"]
    return [
        Found(f"{subnet}/{table['RouteTableId']}", {"id": association["RouteTableAssociationId"]})
        for table in tables
        for association in table.get("Associations", [])
        if association.get("SubnetId") == subnet
    ]


def find_default_security_group(cloud: Cloud, block: Block) -> list[Found]:
    filters = _filters({"vpc-id": block.text("vpc_id"), "group-name": "default"})
    groups = cloud.ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
    return [Found(group["GroupId"], {"id": group["GroupId"]}) for group in groups]


def find_eip(cloud: Cloud, block: Block) -> list[Found]:
    addresses = cloud.ec2.describe_addresses(Filters=_tag_filters(block.tags()))["Addresses"]
    return [Found(address["AllocationId"], {"id": address["AllocationId"]}) for address in addresses]


def find_nat_gateway(cloud: Cloud, block: Block) -> list[Found]:
    filters = _filters({"subnet-id": block.text("subnet_id")}) + _tag_filters(block.tags())
    gateways = cloud.ec2.describe_nat_gateways(Filter=filters)["NatGateways"]
    return [Found(g["NatGatewayId"], {"id": g["NatGatewayId"]}) for g in gateways if g["State"] not in GONE_STATES]


def find_flow_log(cloud: Cloud, block: Block) -> list[Found]:
    destination = _without_wildcard(block.text("log_destination"))
    logs = cloud.ec2.describe_flow_logs(Filters=_filters({"resource-id": block.text("vpc_id")}))["FlowLogs"]
    return [
        Found(log["FlowLogId"], {"id": log["FlowLogId"]})
        for log in logs
        if _without_wildcard(log.get("LogDestination", "")) == destination
    ]


def find_launch_template(cloud: Cloud, block: Block) -> list[Found]:
    try:
        templates = cloud.ec2.describe_launch_templates(LaunchTemplateNames=[block.text("name")])["LaunchTemplates"]
    except Exception as error:
        if Cloud.missing(error):
            return []
        raise
    return [
        Found(t["LaunchTemplateId"], {"id": t["LaunchTemplateId"], "name": t["LaunchTemplateName"]}) for t in templates
    ]


# --- Logs, KMS, IAM ----------------------------------------------------------------------------------------------


def find_log_group(cloud: Cloud, block: Block) -> list[Found]:
    name = block.text("name")
    groups = cloud.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    return [
        Found(name, {"id": name, "name": name, "arn": _without_wildcard(group["arn"])})
        for group in groups
        if group["logGroupName"] == name
    ]


def find_kms_key(cloud: Cloud, block: Block) -> list[Found]:
    wanted, description = block.tags(), block.body.get("description")
    found = []
    for page in cloud.kms.get_paginator("list_keys").paginate():
        for entry in page["Keys"]:
            metadata = cloud.kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]
            if metadata.get("KeyManager") != "CUSTOMER" or metadata["KeyState"] in GONE_STATES:
                continue
            tags = _tags_of(cloud.kms.list_resource_tags(KeyId=entry["KeyId"])["Tags"], "TagKey", "TagValue")
            if all(tags.get(key) == value for key, value in wanted.items()) and (
                description is None or metadata.get("Description") == description
            ):
                found.append(Found(metadata["KeyId"], {"id": metadata["KeyId"], "arn": metadata["Arn"]}))
    return found


def find_iam_role(cloud: Cloud, block: Block) -> list[Found]:
    # Role names are unique per account, and the Resource Groups Tagging API does not list IAM roles.
    try:
        role = cloud.iam.get_role(RoleName=block.text("name"))["Role"]
    except Exception as error:
        if Cloud.missing(error):
            return []
        raise
    return [Found(role["RoleName"], {"id": role["RoleName"], "name": role["RoleName"], "arn": role["Arn"]})]


def find_iam_role_policy(cloud: Cloud, block: Block) -> list[Found]:
    role, name = block.text("role"), block.text("name")
    try:
        cloud.iam.get_role_policy(RoleName=role, PolicyName=name)
    except Exception as error:
        if Cloud.missing(error):
            return []
        raise
    return [Found(f"{role}:{name}", {"id": f"{role}:{name}"})]


def find_iam_role_policy_attachment(cloud: Cloud, block: Block) -> list[Found]:
    role, arn = block.text("role"), block.text("policy_arn")
    try:
        pages = cloud.iam.get_paginator("list_attached_role_policies").paginate(RoleName=role)
        attached = [policy["PolicyArn"] for page in pages for policy in page["AttachedPolicies"]]
    except Exception as error:
        if Cloud.missing(error):
            return []
        raise
    return [Found(f"{role}/{arn}", {"id": f"{role}/{arn}"})] if arn in attached else []


def find_openid_connect_provider(cloud: Cloud, block: Block) -> list[Found]:
    issuer = block.text("url").removeprefix("https://")
    found = []
    for entry in cloud.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        provider = cloud.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=entry["Arn"])
        if provider["Url"].removeprefix("https://") == issuer:
            found.append(Found(entry["Arn"], {"id": entry["Arn"], "arn": entry["Arn"], "url": provider["Url"]}))
    return found


# --- EKS: by name within the cluster ------------------------------------------------------------------------------


def _eks(call: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    try:
        return call()
    except Exception as error:
        if Cloud.missing(error):
            return None
        raise


def find_eks_cluster(cloud: Cloud, block: Block) -> list[Found]:
    name = block.text("name")
    answer = _eks(lambda: cloud.eks.describe_cluster(name=name))
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


def find_eks_node_group(cloud: Cloud, block: Block) -> list[Found]:
    cluster, name = block.text("cluster_name"), block.text("node_group_name")
    answer = _eks(lambda: cloud.eks.describe_nodegroup(clusterName=cluster, nodegroupName=name))
    if answer is None or answer["nodegroup"]["status"] in GONE_STATES:
        return []
    groups = answer["nodegroup"].get("resources", {}).get("autoScalingGroups", [])
    attributes = {
        "id": f"{cluster}:{name}",
        "arn": answer["nodegroup"]["nodegroupArn"],
        "resources": [{"autoscaling_groups": [{"name": group["name"]} for group in groups]}],
    }
    return [Found(f"{cluster}:{name}", attributes)]


def find_autoscaling_group_tag(cloud: Cloud, block: Block) -> list[Found]:
    group, key = block.text("autoscaling_group_name"), block.value("tag")["key"]
    tags = cloud.autoscaling.describe_tags(
        Filters=[{"Name": "auto-scaling-group", "Values": [group]}, {"Name": "key", "Values": [key]}]
    )["Tags"]
    return [Found(f"{group},{key}", {"id": f"{group},{key}"}) for _ in tags]


def find_eks_addon(cloud: Cloud, block: Block) -> list[Found]:
    cluster, name = block.text("cluster_name"), block.text("addon_name")
    answer = _eks(lambda: cloud.eks.describe_addon(clusterName=cluster, addonName=name))
    if answer is None or answer["addon"]["status"] in GONE_STATES:
        return []
    return [Found(f"{cluster}:{name}", {"id": f"{cluster}:{name}", "arn": answer["addon"]["addonArn"]})]


@dataclass(frozen=True)
class Finder:
    how: str  # the README's "how adopt finds it", one line
    find: Callable[[Cloud, Block], list[Found]]
    by_key: bool = False  # found by a key the cloud keeps unique (a name): there cannot be a second one


# Every resource type of the AWS cluster stack (tests/test_adopt.py checks this against the synthesised stacks).
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
    "aws_eks_addon": Finder("cluster and add-on name; imported as `<cluster>:<name>`", find_eks_addon, by_key=True),
    "aws_autoscaling_group_tag": Finder(
        "its node group's Auto Scaling group and the tag key; imported as `<group>,<key>`",
        find_autoscaling_group_tag,
        by_key=True,  # a group carries a key once
    ),
}


@dataclass
class Outcome:
    """What adopt decided for every resource address of the stack."""

    imports: dict[str, str] = field(default_factory=dict)  # address -> import ID: missing from the state, found once
    absent: list[str] = field(default_factory=list)  # missing from the state and from the cloud: deploy creates it
    twice: dict[str, list[str]] = field(default_factory=dict)  # missing, and found more than once: not imported
    unresolved: dict[str, str] = field(default_factory=dict)  # missing; a resource it refers to is unknown
    strays: dict[str, list[str]] = field(default_factory=dict)  # in the state, and more objects like it exist


def read_stack(stack_dir: Path) -> dict[str, Any]:
    config = stack_dir / "cdk.tf.json"
    if not config.is_file():
        raise BadInput(f"{config}: not found; synthesise first (`make synth`) or name the stack folder")
    parsed: dict[str, Any] = json.loads(config.read_text())
    return parsed


def terraform(stack_dir: Path, *arguments: str) -> str:
    completed = subprocess.run(
        ["terraform", *arguments], cwd=stack_dir, capture_output=True, text=True, check=False, timeout=900
    )
    if completed.returncode != 0:
        first = next((line for line in completed.stderr.splitlines() if line.strip(" │╷╵")), "no output")
        raise AdoptError(f"terraform {arguments[0]} in {stack_dir} failed: {first.strip(' │╷╵')}")
    return completed.stdout


def state_resources(stack_dir: Path) -> dict[str, dict[str, Any]]:
    """Address -> attributes of every managed resource the stack's state records (empty for no state).

    `state pull` reads the raw state without starting the provider, unlike `show -json`.
    """
    pulled = json.loads(terraform(stack_dir, "state", "pull") or "{}")
    return {
        f"{resource['type']}.{resource['name']}": instance["attributes"]
        for resource in pulled.get("resources", [])
        if resource["mode"] == "managed" and "module" not in resource
        for instance in resource["instances"]
    }


def _default_tags(config: Mapping[str, Any]) -> dict[str, str]:
    providers = config.get("provider", {}).get("aws", [{}])
    tags: dict[str, str] = {}
    for entry in providers[0].get("default_tags", []):
        tags |= entry.get("tags", {})
    return tags


def _region(config: Mapping[str, Any]) -> str:
    providers = config.get("provider", {}).get("aws")
    if not providers or "region" not in providers[0]:
        raise BadInput("cdk.tf.json has no aws provider with a region: adopt knows the AWS cluster stack only")
    region: str = providers[0]["region"]
    return region


def blocks_in_order(config: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(type, address, body) with every resource after the ones it refers to."""
    bodies = {
        f"{kind}.{name}": (kind, body)
        for kind, named in config.get("resource", {}).items()
        for name, body in named.items()
    }
    graph = {address: references(body) & bodies.keys() for address, (_, body) in bodies.items()}
    for address in TopologicalSorter(graph).static_order():
        kind, body = bodies[address]
        yield kind, address, body


def decide(config: Mapping[str, Any], state: Mapping[str, Mapping[str, Any]], cloud: Cloud) -> Outcome:
    """Looks up every resource of the stack; adopts those the state lacks and the cloud holds exactly once."""
    unknown = sorted({kind for kind in config.get("resource", {}) if kind not in FINDERS})
    if "helm_release" in unknown:  # the apps stack: its objects live in the cluster, which adopt does not read
        raise BadInput(
            "adopt knows the cluster stack only (STACK=cluster); in the apps stack import a helm_release as "
            "<namespace>/<name> and a namespace or storage class by its name"
        )
    if unknown:
        raise BadInput(f"adopt cannot find resources of type {', '.join(unknown)}")
    outcome, tags = Outcome(), _default_tags(config)
    bodies = {f"{kind}.{name}": body for kind, named in config["resource"].items() for name, body in named.items()}
    known: dict[str, Mapping[str, Any]] = dict(state)
    claimed = {str(values.get("id")) for values in state.values()}
    for kind, address, body in blocks_in_order(config):
        block, finder = Block(address, body, known, tags, bodies), FINDERS[kind]
        if address in state and finder.by_key:
            continue  # nothing like it can exist beside it
        try:
            found = finder.find(cloud, block)
        except Unresolved as missing:
            if address not in state:
                outcome.unresolved[address] = str(missing)
            continue
        if address in state:
            others = [each.import_id for each in found if str(each.attributes.get("id")) != str(state[address]["id"])]
            if others:
                outcome.strays[address] = others
            continue
        found = [each for each in found if str(each.attributes.get("id")) not in claimed]
        if len(found) == 1:
            outcome.imports[address] = found[0].import_id
            known[address] = found[0].attributes
            claimed.add(str(found[0].attributes.get("id")))
        elif found:
            outcome.twice[address] = [each.import_id for each in found]
        else:
            outcome.absent.append(address)
    return outcome


def write_imports(stack_dir: Path, imports: Mapping[str, str]) -> Path | None:
    """The import blocks next to cdk.tf.json (the next deploy applies them); an earlier run's file goes first."""
    path = stack_dir / RECOVERY_IMPORTS
    path.unlink(missing_ok=True)
    if not imports:
        return None
    path.write_text(json.dumps({"import": [{"to": to, "id": id_} for to, id_ in imports.items()]}, indent=1) + "\n")
    return path


def planned_creations(stack_dir: Path) -> list[str]:
    """Addresses the plan would create anew (not replacements), with the import blocks in place.

    Read from the plan's machine-readable stream (`plan -json`, one `planned_change` message per change): a plan
    file and `terraform show -json` would start the provider a second time (about 4 CPU-seconds for AWS).
    """
    # No refresh: what the plan creates depends on the configuration, the state and the imports, not on drift.
    command = ["terraform", "plan", "-json", "-input=false", "-refresh=false", "-lock-timeout=10s"]
    completed = subprocess.run(command, cwd=stack_dir, capture_output=True, text=True, check=False, timeout=900)
    messages = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0:
        errors = [m["diagnostic"]["summary"] for m in messages if m.get("diagnostic", {}).get("severity") == "error"]
        first = errors[0] if errors else completed.stderr.strip() or "no output"
        raise AdoptError(f"terraform plan in {stack_dir} failed: {first}")
    changes = [m["change"] for m in messages if m.get("type") == "planned_change"]
    return [
        change["resource"]["addr"]
        for change in changes
        if change["action"] == "create" and not change["resource"]["addr"].startswith("data.")
    ]


def report(outcome: Outcome) -> None:
    for address, import_id in outcome.imports.items():
        print(f"adopt: {address} <- {import_id}")
    for address in outcome.absent:
        print(f"create: {address} (not in the cloud)")
    for address, reason in outcome.unresolved.items():
        print(f"create: {address} (refers to {reason}, which is not there yet)")
    for address, ids in outcome.twice.items():
        print(f"found twice, not imported: {address}: {', '.join(ids)}", file=sys.stderr)
    for address, ids in outcome.strays.items():
        print(f"not managed, like {address} in the state: {', '.join(ids)}", file=sys.stderr)


def adopt(stack_dir: Path) -> int:
    config = read_stack(stack_dir)
    cloud = Cloud(_region(config))
    outcome = decide(config, state_resources(stack_dir), cloud)
    report(outcome)
    written = write_imports(stack_dir, outcome.imports)
    if written:
        print(f"wrote {len(outcome.imports)} import blocks to {written}; `make deploy` imports them")
    if outcome.twice:
        address, ids = next(iter(outcome.twice.items()))
        raise AdoptError(
            f"{address} exists {len(ids)} times ({', '.join(ids)}): delete the extra ones, then adopt again"
        )
    created = set(planned_creations(stack_dir))
    found_again = sorted(created & set(outcome.imports))
    if found_again:
        raise AdoptError(f"the plan would still create {found_again[0]}, which exists; see `terraform plan`")
    print(f"plan: {len(created)} to create, none of them found in the cloud")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m operations.adopt <stack folder, e.g. cdktf.out/stacks/dev-cluster>", file=sys.stderr)
        return 2
    try:
        return adopt(Path(argv[1]))
    except AdoptError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, BadInput) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
