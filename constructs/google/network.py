"""The GKE network: a custom-mode VPC, one subnetwork with pod and service ranges, and Cloud NAT."""

from __future__ import annotations

from cdktf_cdktf_provider_google.compute_firewall import ComputeFirewall, ComputeFirewallDeny
from cdktf_cdktf_provider_google.compute_network import ComputeNetwork
from cdktf_cdktf_provider_google.compute_router import ComputeRouter
from cdktf_cdktf_provider_google.compute_router_nat import ComputeRouterNat, ComputeRouterNatLogConfig
from cdktf_cdktf_provider_google.compute_subnetwork import (
    ComputeSubnetwork,
    ComputeSubnetworkLogConfig,
    ComputeSubnetworkSecondaryIpRange,
)

from constructs import Construct

PODS_RANGE_NAME = "pods"
SERVICES_RANGE_NAME = "services"


class GkeNetwork(Construct):
    """VPC-native: pods and services get alias IPs from named secondary ranges of the node subnetwork."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        region: str,
        nodes_cidr: str,
        pods_cidr: str,
        services_cidr: str,
    ) -> None:
        super().__init__(scope, construct_id)
        # Custom mode: auto mode would create a subnetwork in every region, none of them with our ranges.
        self.network = ComputeNetwork(self, "network", name=cluster_name, auto_create_subnetworks=False)
        # States the implied deny-all ingress explicitly; GKE adds its own higher-priority allow rules.
        ComputeFirewall(
            self,
            "deny-ingress",
            name=f"{cluster_name}-deny-ingress",
            network=self.network.id,
            direction="INGRESS",
            priority=65534,
            source_ranges=["0.0.0.0/0"],
            deny=[ComputeFirewallDeny(protocol="all")],
        )
        self.subnetwork = ComputeSubnetwork(
            self,
            "subnetwork",
            name=f"{cluster_name}-nodes",
            network=self.network.id,
            region=region,
            ip_cidr_range=nodes_cidr,
            # Private nodes have no external IP; this lets them reach Google APIs (Artifact Registry, logging).
            private_ip_google_access=True,
            # Flow logs sampled at half: enough to investigate traffic at half the logging cost.
            log_config=ComputeSubnetworkLogConfig(
                aggregation_interval="INTERVAL_5_SEC", flow_sampling=0.5, metadata="INCLUDE_ALL_METADATA"
            ),
            secondary_ip_range=[
                ComputeSubnetworkSecondaryIpRange(range_name=PODS_RANGE_NAME, ip_cidr_range=pods_cidr),
                ComputeSubnetworkSecondaryIpRange(range_name=SERVICES_RANGE_NAME, ip_cidr_range=services_cidr),
            ],
        )
        router = ComputeRouter(self, "router", name=f"{cluster_name}-nat", network=self.network.id, region=region)
        # Private nodes pull public images (NGC, Docker Hub, GHCR) through NAT; there is no other way out.
        ComputeRouterNat(
            self,
            "nat",
            name=cluster_name,
            router=router.name,
            region=region,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config=ComputeRouterNatLogConfig(enable=True, filter="ERRORS_ONLY"),
        )
        self.pods_range_name = PODS_RANGE_NAME
        self.services_range_name = SERVICES_RANGE_NAME
