"""The EKS network: a VPC over three availability zones, public and private subnets, one NAT gateway."""

from __future__ import annotations

import ipaddress

from cdktf import Fn
from cdktf_cdktf_provider_aws.data_aws_availability_zones import DataAwsAvailabilityZones
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route_table import RouteTable, RouteTableRoute
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc

from constructs import Construct

ZONE_COUNT = 3


class EksNetwork(Construct):
    """Nodes live in the private subnets; the public ones hold the NAT gateway and internet-facing load balancers."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster_name: str, cidr: str) -> None:
        super().__init__(scope, construct_id)
        # /19 private subnets for pod IPs (VPC CNI gives each pod a VPC address), /22 public ones.
        network = ipaddress.IPv4Network(cidr)
        private_cidrs = list(network.subnets(new_prefix=19))[:ZONE_COUNT]
        public_cidrs = list(list(network.subnets(new_prefix=19))[ZONE_COUNT].subnets(new_prefix=22))[:ZONE_COUNT]
        zones = DataAwsAvailabilityZones(self, "zones", state="available")
        cluster_tag = {f"kubernetes.io/cluster/{cluster_name}": "shared"}

        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": cluster_name},
        )
        gateway = InternetGateway(self, "internet-gateway", vpc_id=self.vpc.id, tags={"Name": cluster_name})
        public_routes = RouteTable(
            self,
            "public-routes",
            vpc_id=self.vpc.id,
            route=[RouteTableRoute(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags={"Name": f"{cluster_name}-public"},
        )
        public = [
            Subnet(
                self,
                f"public-{index}",
                vpc_id=self.vpc.id,
                cidr_block=str(block),
                availability_zone=Fn.element(zones.names, index),
                tags={"Name": f"{cluster_name}-public-{index}", "kubernetes.io/role/elb": "1", **cluster_tag},
            )
            for index, block in enumerate(public_cidrs)
        ]
        for index, subnet in enumerate(public):
            RouteTableAssociation(self, f"public-{index}-routes", subnet_id=subnet.id, route_table_id=public_routes.id)

        # One NAT gateway keeps a dev cluster cheap; egress of all zones goes through the first one.
        nat_address = Eip(self, "nat-address", domain="vpc", tags={"Name": f"{cluster_name}-nat"})
        nat = NatGateway(
            self,
            "nat",
            allocation_id=nat_address.id,
            subnet_id=public[0].id,
            tags={"Name": cluster_name},
            depends_on=[gateway],
        )
        private_routes = RouteTable(
            self,
            "private-routes",
            vpc_id=self.vpc.id,
            route=[RouteTableRoute(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
            tags={"Name": f"{cluster_name}-private"},
        )
        private = [
            Subnet(
                self,
                f"private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=str(block),
                availability_zone=Fn.element(zones.names, index),
                tags={"Name": f"{cluster_name}-private-{index}", "kubernetes.io/role/internal-elb": "1", **cluster_tag},
            )
            for index, block in enumerate(private_cidrs)
        ]
        for index, subnet in enumerate(private):
            RouteTableAssociation(
                self, f"private-{index}-routes", subnet_id=subnet.id, route_table_id=private_routes.id
            )

        self.private_subnet_ids = [subnet.id for subnet in private]
        self.public_subnet_ids = [subnet.id for subnet in public]
