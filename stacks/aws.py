"""AWS: composes the EKS cluster stack and the apps stack's way into the cluster."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.provider import AwsProvider

from config.day2 import aws_zones
from config.external_secrets import SERVICE_ACCOUNT, identity_name, secret_names, store_enabled
from config.model import Environment
from config.node_pools import gpu_pool, system_pool
from constructs.apps.cluster_connection import ClusterConnection
from constructs.apps.external_secrets import (
    AwsAuth,
    AwsJwtAuth,
    AwsSecretsManagerProvider,
    SecretStoreAccess,
    ServiceAccountRef,
    StoreProvider,
)
from constructs.apps.kubernetes_objects import ResourceQuota
from constructs.aws.cluster_access import EksClusterAccess
from constructs.aws.control_plane import EksControlPlane
from constructs.aws.ebs_csi import EbsCsiDriver
from constructs.aws.encryption import ClusterKey
from constructs.aws.network import EksNetwork
from constructs.aws.node_pools import EksLiveNodeGroups, EksNodePool, EksNodeRole
from constructs.aws.secrets_manager import SecretsManagerReadAccess
from constructs.aws.workload_identity import IrsaRole, IrsaRoleByName
from stacks.common import add_cluster_outputs, resource_tags

VPC_CIDR = "10.0.0.0/16"


def _provider(stack: TerraformStack, environment: Environment) -> None:
    AwsProvider(
        stack,
        "aws",
        region=environment.resolved_region,
        default_tags=[{"tags": resource_tags(environment)}],
    )


def compose_cluster(stack: TerraformStack, environment: Environment) -> None:
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
    system, *_ = [
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
        )
        for spec in filter(None, [system_pool(environment), gpu_pool(environment)])
    ]
    # The driver's controller runs on the system pool; a slow or failed GPU pool must not hold storage back.
    EbsCsiDriver(
        stack,
        "ebs-csi",
        cluster_name=control_plane.cluster.name,
        kubernetes_version=environment.version,
        oidc_provider=control_plane.oidc_provider,
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
    if store_enabled(environment):
        _external_secrets_identity(stack, environment, control_plane.oidc_provider)


def _external_secrets_identity(
    stack: TerraformStack, environment: Environment, oidc_provider: IamOpenidConnectProvider
) -> None:
    """IRSA role for ESO's service account: read access to exactly the secrets the environment names."""
    names = secret_names(environment)
    region = environment.resolved_region
    # A store without secrets may read nothing: no policy at all.
    access = (
        SecretsManagerReadAccess(stack, "external-secrets-access", region=region, secret_names=names) if names else None
    )
    role = IrsaRole(
        stack,
        "external-secrets-identity",
        name=identity_name(environment),
        oidc_provider=oidc_provider,
        service_account=SERVICE_ACCOUNT,
        statements=access.statements if access else None,
    )
    TerraformOutput(stack, "external_secrets_identity", value=role.role.arn)


def cluster_access(stack: TerraformStack, environment: Environment) -> ClusterConnection:
    _provider(stack, environment)
    return EksClusterAccess(stack, "cluster-access", cluster_name=environment.name).connection


def gpu_operator_extra_objects() -> list[ResourceQuota] | None:
    return None  # EKS needs no objects beside the operator's own


def external_secrets_store(stack: TerraformStack, environment: Environment) -> SecretStoreAccess:
    role = IrsaRoleByName(stack, "external-secrets-identity", name=identity_name(environment))
    return SecretStoreAccess(
        provider=StoreProvider(
            aws=AwsSecretsManagerProvider(
                region=environment.resolved_region,
                auth=AwsAuth(jwt=AwsJwtAuth(service_account_ref=ServiceAccountRef.to(SERVICE_ACCOUNT))),
            )
        ),
        service_account_annotations=role.annotations,
    )
