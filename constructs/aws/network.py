"""The EKS network: a VPC over three pinned zones, public and private subnets, one NAT gateway, flow logs."""

from __future__ import annotations

import ipaddress

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route_table import RouteTable, RouteTableRoute
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc

from constructs import Construct
from constructs.aws.iam import ServiceRole

FLOW_LOG_RETENTION_DAYS = 365


class EksNetwork(Construct):
    """Nodes live in the private subnets; the public ones hold the NAT gateway and internet-facing load balancers."""

    def __init__(
        self, scope: Construct, construct_id: str, *, cluster_name: str, cidr: str, zones: list[str], key: KmsKey
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster_name = cluster_name
        # /19 private subnets for pod IPs (the VPC CNI gives each pod a VPC address), /22 public ones.
        blocks = list(ipaddress.IPv4Network(cidr).subnets(new_prefix=19))
        private_cidrs = [str(block) for block in blocks[: len(zones)]]
        public_cidrs = [str(block) for block in list(blocks[len(zones)].subnets(new_prefix=22))[: len(zones)]]

        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": cluster_name},
        )
        # Taking over the default security group with no rules closes it; nothing here uses it.
        DefaultSecurityGroup(
            self, "default-security-group", vpc_id=self.vpc.id, tags={"Name": f"{cluster_name}-unused"}
        )
        gateway = InternetGateway(self, "internet-gateway", vpc_id=self.vpc.id, tags={"Name": cluster_name})
        public = self._subnets(
            "public", public_cidrs, zones, RouteTableRoute(cidr_block="0.0.0.0/0", gateway_id=gateway.id)
        )
        # One NAT gateway keeps a cluster cheap; egress of all zones goes through the first zone.
        nat_address = Eip(self, "nat-address", domain="vpc", tags={"Name": f"{cluster_name}-nat"})
        nat = NatGateway(
            self,
            "nat",
            allocation_id=nat_address.id,
            subnet_id=public[0].id,
            tags={"Name": cluster_name},
            depends_on=[gateway],
        )
        private = self._subnets(
            "private", private_cidrs, zones, RouteTableRoute(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)
        )
        self.private_subnet_ids = [subnet.id for subnet in private]
        self.public_subnet_ids = [subnet.id for subnet in public]
        self._flow_logs(key)

    def _subnets(self, tier: str, cidrs: list[str], zones: list[str], default_route: RouteTableRoute) -> list[Subnet]:
        # The role tags tell the AWS load balancer controller where internet-facing and internal LBs go.
        role_tag = "kubernetes.io/role/elb" if tier == "public" else "kubernetes.io/role/internal-elb"
        routes = RouteTable(
            self,
            f"{tier}-routes",
            vpc_id=self.vpc.id,
            route=[default_route],
            tags={"Name": f"{self.cluster_name}-{tier}"},
        )
        subnets = []
        for index, (block, zone) in enumerate(zip(cidrs, zones, strict=True)):
            subnet = Subnet(
                self,
                f"{tier}-{index}",
                vpc_id=self.vpc.id,
                cidr_block=block,
                availability_zone=zone,
                tags={
                    "Name": f"{self.cluster_name}-{tier}-{zone}",
                    role_tag: "1",
                    f"kubernetes.io/cluster/{self.cluster_name}": "shared",
                },
            )
            RouteTableAssociation(self, f"{tier}-{index}-routes", subnet_id=subnet.id, route_table_id=routes.id)
            subnets.append(subnet)
        return subnets

    def _flow_logs(self, key: KmsKey) -> None:
        log_group = CloudwatchLogGroup(
            self,
            "flow-logs",
            name=f"/aws/vpc/{self.cluster_name}/flow-logs",
            retention_in_days=FLOW_LOG_RETENTION_DAYS,
            kms_key_id=key.arn,
        )
        writer = ServiceRole(
            self,
            "flow-log-role",
            name=f"{self.cluster_name}-vpc-flow-logs",
            service="vpc-flow-logs.amazonaws.com",
            policies=[],
            inline_statements=[
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": f"{log_group.arn}:*",
                }
            ],
        )
        FlowLog(
            self,
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=writer.role.arn,
        )
