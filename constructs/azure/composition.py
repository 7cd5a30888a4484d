"""Azure: the AKS cluster stack's contents, and the apps stack's way into the cluster."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_azurerm.provider import AzurermProvider, AzurermProviderFeatures
from cdktf_cdktf_provider_azurerm.resource_group import ResourceGroup
from cdktf_cdktf_provider_random.provider import RandomProvider
from cdktf_cdktf_provider_time.provider import TimeProvider

from constructs.azure.audit_logs import AksAuditLogs
from constructs.azure.cluster import AksCluster
from constructs.azure.cluster_access import AksClusterAccess
from constructs.azure.encryption import AksSecretsKey
from constructs.azure.node_pools import AksNodePool
from constructs.cluster_outputs import add_cluster_outputs, resource_tags
from constructs.connection import ClusterConnection
from spec.environment import Environment
from spec.pools import node_pools


def resource_group_name(environment: Environment) -> str:
    # Derived, not looked up: the apps stack must find the cluster from the environment file alone.
    return f"{environment.name}-rg"


def _provider(stack: TerraformStack, environment: Environment) -> None:
    # subscriptionId unset: azurerm reads ARM_SUBSCRIPTION_ID (the cluster stack warns that it must be set).
    AzurermProvider(stack, "azurerm", features=[AzurermProviderFeatures()], subscription_id=environment.subscription_id)


@dataclass(frozen=True)
class AksClusterParts:
    """What the apps' Azure parts (apps/<app>/azure.py) build on in the cluster stack."""

    group: ResourceGroup
    cluster: AksCluster
    tags: dict[str, str]


def compose_cluster(stack: TerraformStack, environment: Environment) -> AksClusterParts:
    _provider(stack, environment)
    RandomProvider(stack, "random")  # name suffixes that are unique per creation
    TimeProvider(stack, "time")  # bounded waits for role assignments to take effect
    # azurerm has no provider-wide default tags; every taggable resource gets these.
    name, region, tags = environment.name, environment.resolved_region, resource_tags(environment)
    group = ResourceGroup(stack, "resource-group", name=resource_group_name(environment), location=region, tags=tags)
    secrets_key = AksSecretsKey(
        stack,
        "secrets-key",
        cluster_name=name,
        location=group.location,
        resource_group_name=group.name,
        tags=tags,
    )
    # AKS runs the system pool inside the cluster resource (its default node pool); every other pool is its own.
    system, *others = node_pools(environment)
    cluster = AksCluster(
        stack,
        "cluster",
        cluster_name=name,
        location=group.location,
        resource_group_name=group.name,
        kubernetes_version=environment.version,
        system_pool=system,
        public_access_cidrs=environment.endpoint_access.public_access_cidrs,
        secrets_key=secrets_key,
        # One idle time per AKS cluster (its autoscaler profile): the GPU pools' own, which the loader keeps equal.
        scale_down_after_minutes=min(
            (pool.scale_down_after_minutes for pool in others if pool.scale_down_after_minutes is not None),
            default=environment.gpu.scale_down_after_minutes,
        ),
        tags=tags,
    )
    AksAuditLogs(
        stack,
        "audit-logs",
        cluster_name=name,
        cluster_id=cluster.cluster.id,
        location=group.location,
        resource_group_name=group.name,
        tags=tags,
    )
    for spec in others:
        AksNodePool(stack, f"{spec.name}-pool", spec=spec, cluster_id=cluster.cluster.id, tags=tags)
    add_cluster_outputs(
        stack,
        environment=environment,
        kubernetes_version=cluster.cluster.current_kubernetes_version,
        cluster_name=cluster.cluster.name,
        endpoint=cluster.cluster.fqdn,
        kubeconfig_command=f"az aks get-credentials --resource-group {resource_group_name(environment)} --name {name}",
    )
    TerraformOutput(stack, "resource_group", value=group.name)
    return AksClusterParts(group=group, cluster=cluster, tags=tags)


def cluster_access(stack: TerraformStack, environment: Environment) -> ClusterConnection:
    _provider(stack, environment)
    return AksClusterAccess(
        stack, "cluster-access", cluster_name=environment.name, resource_group_name=resource_group_name(environment)
    ).connection
