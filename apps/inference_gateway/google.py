"""The inference gateway on Google: the proxy-only subnet its regional managed proxies take their addresses from.

The cluster's own part, GKE's Gateway API (which brings the Gateway API and InferencePool CRDs and the controller of
both classes), is switched on by constructs/google/composition.py. The HttpLoadBalancing add-on it also needs is on:
constructs/google/cluster.py leaves GKE's default.
"""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_google.compute_subnetwork import ComputeSubnetwork

from catalogue.gateway import GKE_PROXY_ONLY_CIDR
from constructs.google.composition import GkeClusterParts
from spec.environment import Environment


def cluster_grants(stack: TerraformStack, environment: Environment, cluster: GkeClusterParts) -> None:
    # One ACTIVE proxy-only subnet per region and VPC serves every regional Envoy-based load balancer in it.
    ComputeSubnetwork(
        stack,
        "inference-gateway-proxy-only",
        name=f"{environment.name}-proxy-only",
        network=cluster.network.network.id,
        region=environment.resolved_region,
        ip_cidr_range=GKE_PROXY_ONLY_CIDR,
        purpose="REGIONAL_MANAGED_PROXY",
        role="ACTIVE",
    )
