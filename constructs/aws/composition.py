"""AWS: composes the EKS cluster stack and the apps stack's way into the cluster."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.provider import AwsProvider

from apps.cluster_autoscaler import identity_name as autoscaler_identity_name
from apps.cluster_autoscaler import node_template_tags
from apps.cluster_autoscaler.install import ClusterAutoscalerRelease, ClusterAutoscalerValues
from apps.external_secrets import SERVICE_ACCOUNT, identity_name, secret_names, store_enabled
from apps.external_secrets.install import (
    AwsAuth,
    AwsJwtAuth,
    AwsSecretsManagerProvider,
    SecretStoreAccess,
    ServiceAccountRef,
    StoreProvider,
)
from constructs.aws.cluster_access import EksClusterAccess
from constructs.aws.cluster_autoscaler import AutoscalingGroupTags, ClusterAutoscalerIdentity
from constructs.aws.control_plane import EksControlPlane
from constructs.aws.ebs_csi import EbsCsiDriver
from constructs.aws.encryption import ClusterKey
from constructs.aws.network import EksNetwork
from constructs.aws.node_pools import EksLiveNodeGroups, EksNodePool, EksNodeRole
from constructs.aws.secrets_manager import SecretsManagerReadAccess
from constructs.aws.workload_identity import IrsaRole, IrsaRoleByName
from constructs.cluster_outputs import add_cluster_outputs, resource_tags
from constructs.connection import ClusterConnection
from constructs.helm.kubernetes_objects import ResourceQuota
from constructs.helm.release import PinnedHelmRelease
from spec.deployed import aws_zones
from spec.environment import Environment
from spec.pools import NodePoolSpec, gpu_pool, system_pool

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
        for spec in filter(None, [system_pool(environment), gpu_pool(environment)])
    ]
    (_, system), *_ = pools
    _cluster_autoscaler_grants(stack, environment, pools, control_plane.oidc_provider)
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


def _cluster_autoscaler_grants(
    stack: TerraformStack,
    environment: Environment,
    pools: list[tuple[NodePoolSpec, EksNodePool]],
    oidc_provider: IamOpenidConnectProvider,
) -> None:
    """The autoscaler's role, and on each group's ASG the tags its write condition and empty-group template need."""
    identity = ClusterAutoscalerIdentity(
        stack,
        "cluster-autoscaler-identity",
        cluster_name=environment.name,
        region=environment.resolved_region,
        oidc_provider=oidc_provider,
    )
    for spec, pool in pools:
        AutoscalingGroupTags(
            stack,
            f"{spec.name}-pool-asg-tags",
            node_group=pool.node_group,
            cluster_name=environment.name,
            template_tags=node_template_tags(
                spec, scale_down_after_minutes=environment.gpu.scale_down_after_minutes if spec.gpu else None
            ),
        )
    TerraformOutput(stack, "cluster_autoscaler_identity", value=identity.role.arn)


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


def node_autoscaler(stack: TerraformStack, environment: Environment) -> PinnedHelmRelease | None:
    role = IrsaRoleByName(stack, "cluster-autoscaler-identity", name=autoscaler_identity_name(environment.name))
    return ClusterAutoscalerRelease(
        stack,
        "cluster-autoscaler",
        values=ClusterAutoscalerValues.for_cluster(
            cluster_name=environment.name,
            region=environment.resolved_region,
            kubernetes_version=environment.version,
            service_account_annotations=role.annotations,
        ),
    )


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
