"""AWS: the EKS cluster stack's contents, and the apps stack's way into the cluster."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.provider import AwsProvider

from constructs.aws.cluster_access import EksClusterAccess
from constructs.aws.control_plane import EksControlPlane
from constructs.aws.ebs_csi import EbsCsiDriver
from constructs.aws.encryption import ClusterKey
from constructs.aws.network import EksNetwork
from constructs.aws.node_pools import EksLiveNodeGroups, EksNodePool, EksNodeRole
from constructs.aws.vpc_cni import VpcCni
from constructs.cluster_outputs import add_cluster_outputs, resource_tags
from constructs.connection import ClusterConnection
from spec.deployed import aws_zones
from spec.environment import Environment
from spec.pools import NodePoolSpec, node_pools

VPC_CIDR = "10.0.0.0/16"


def _provider(stack: TerraformStack, environment: Environment) -> None:
    AwsProvider(
        stack,
        "aws",
        region=environment.resolved_region,
        default_tags=[{"tags": resource_tags(environment)}],
    )


@dataclass(frozen=True)
class EksClusterParts:
    """What the apps' AWS parts (apps/<app>/aws.py) build on in the cluster stack."""

    oidc_provider: IamOpenidConnectProvider
    node_pools: tuple[tuple[NodePoolSpec, EksNodePool], ...]
    network: EksNetwork
    control_plane: EksControlPlane
    key: KmsKey


def compose_cluster(stack: TerraformStack, environment: Environment) -> EksClusterParts:
    _provider(stack, environment)
    name, region = environment.name, environment.resolved_region
    zones = list(aws_zones(environment))
    key = ClusterKey(stack, "cluster-key", cluster_name=name, region=region).key
    network = EksNetwork(stack, "network", cluster_name=name, cidr=VPC_CIDR, zones=zones, key=key)
    control_plane = EksControlPlane(
        stack,
        "control-plane",
        cluster_name=name,
        kubernetes_version=environment.version,
        subnet_ids=network.private_subnet_ids,
        public_access_cidrs=environment.endpoint_access.public_access_cidrs,
        key=key,
    )
    node_role = EksNodeRole(stack, "node-role", cluster_name=name)
    live = EksLiveNodeGroups(stack, "live-node-groups", cluster_name=name)
    pools = [
        (
            spec,
            EksNodePool(
                stack,
                f"{spec.name}-pool",
                spec=spec,
                cluster_name=control_plane.cluster.name,
                kubernetes_version=control_plane.cluster.version,
                node_role=node_role,
                subnet_ids=network.private_subnet_ids,
                zones=zones,
                live=live,
            ),
        )
        for spec in node_pools(environment)
    ]
    (_, system), *_ = pools
    # The driver's controller runs on the system pool; a slow or failed GPU pool must not hold storage back.
    EbsCsiDriver(
        stack,
        "ebs-csi",
        cluster_name=control_plane.cluster.name,
        kubernetes_version=environment.version,
        oidc_provider=control_plane.oidc_provider,
        after=[system.node_group],
    )
    # NetworkPolicies (the vllm namespace's among them) are enforced only once this add-on turns network policy on.
    VpcCni(
        stack,
        "vpc-cni",
        cluster_name=control_plane.cluster.name,
        kubernetes_version=environment.version,
        after=[system.node_group],
    )
    add_cluster_outputs(
        stack,
        environment=environment,
        kubernetes_version=control_plane.cluster.version,
        cluster_name=control_plane.cluster.name,
        endpoint=control_plane.cluster.endpoint,
        kubeconfig_command=f"aws eks update-kubeconfig --region {region} --name {name}",
    )
    TerraformOutput(stack, "oidc_provider_arn", value=control_plane.oidc_provider.arn)
    return EksClusterParts(
        oidc_provider=control_plane.oidc_provider,
        node_pools=tuple(pools),
        network=network,
        control_plane=control_plane,
        key=key,
    )


def cluster_access(stack: TerraformStack, environment: Environment) -> ClusterConnection:
    _provider(stack, environment)
    return EksClusterAccess(stack, "cluster-access", cluster_name=environment.name).connection
