"""Azure: composes the AKS cluster stack and the apps stack's way into the cluster."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_azurerm.provider import AzurermProvider, AzurermProviderFeatures
from cdktf_cdktf_provider_azurerm.resource_group import ResourceGroup
from cdktf_cdktf_provider_random.provider import RandomProvider
from cdktf_cdktf_provider_time.provider import TimeProvider

from apps.external_secrets import SERVICE_ACCOUNT, identity_name, store_enabled, vault_name
from apps.external_secrets.install import AzureKeyVaultProvider, SecretStoreAccess, ServiceAccountRef, StoreProvider
from constructs.azure.audit_logs import AksAuditLogs
from constructs.azure.cluster import AksCluster
from constructs.azure.cluster_access import AksClusterAccess
from constructs.azure.encryption import AksSecretsKey
from constructs.azure.key_vault import KeyVaultByName
from constructs.azure.node_pools import AksNodePool
from constructs.azure.workload_identity import AksWorkloadIdentity, AksWorkloadIdentityByName, RoleGrant
from constructs.cluster_outputs import add_cluster_outputs, resource_tags
from constructs.connection import ClusterConnection
from constructs.helm.kubernetes_objects import ResourceQuota
from constructs.helm.release import PinnedHelmRelease
from spec.environment import Environment
from spec.pools import gpu_pool, system_pool

# Reads secret values; cannot list, write or delete them, nor touch keys and certificates.
SECRETS_USER = "Key Vault Secrets User"


def resource_group_name(environment: Environment) -> str:
    # Derived, not looked up: the apps stack must find the cluster from the environment file alone.
    return f"{environment.name}-rg"


def _provider(stack: TerraformStack, environment: Environment) -> None:
    # subscriptionId unset: azurerm reads ARM_SUBSCRIPTION_ID (the cluster stack warns that it must be set).
    AzurermProvider(stack, "azurerm", features=[AzurermProviderFeatures()], subscription_id=environment.subscription_id)


def compose_cluster(stack: TerraformStack, environment: Environment) -> None:
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
    cluster = AksCluster(
        stack,
        "cluster",
        cluster_name=name,
        location=group.location,
        resource_group_name=group.name,
        kubernetes_version=environment.version,
        system_pool=system_pool(environment),
        public_access_cidrs=environment.endpoint_access.public_access_cidrs,
        secrets_key=secrets_key,
        scale_down_after_minutes=environment.gpu.scale_down_after_minutes,
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
    spec = gpu_pool(environment)
    if spec is not None:
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
    if store_enabled(environment):
        _external_secrets_identity(stack, environment, group=group, cluster=cluster, tags=tags)


def _external_secrets_identity(
    stack: TerraformStack, environment: Environment, *, group: ResourceGroup, cluster: AksCluster, tags: dict[str, str]
) -> None:
    """A managed identity for ESO's service account: reads secrets of the one vault the environment names."""
    vault_url = environment.apps.external_secrets.azure_vault_url
    assert vault_url is not None  # the loader requires it with a store
    vault = KeyVaultByName(stack, "external-secrets-vault", name=vault_name(vault_url))
    identity = AksWorkloadIdentity(
        stack,
        "external-secrets-identity",
        name=identity_name(environment),
        location=group.location,
        resource_group_name=group.name,
        oidc_issuer_url=cluster.cluster.oidc_issuer_url,
        service_account=SERVICE_ACCOUNT,
        grants=[RoleGrant(role=SECRETS_USER, scope=vault.id)],
        tags=tags,
    )
    TerraformOutput(stack, "external_secrets_identity", value=identity.identity.client_id)


def cluster_access(stack: TerraformStack, environment: Environment) -> ClusterConnection:
    _provider(stack, environment)
    return AksClusterAccess(
        stack, "cluster-access", cluster_name=environment.name, resource_group_name=resource_group_name(environment)
    ).connection


def node_autoscaler(stack: TerraformStack, environment: Environment) -> PinnedHelmRelease | None:
    return None  # AKS runs the autoscaler in its control plane (auto_scaler_profile)


def gpu_operator_extra_objects() -> list[ResourceQuota] | None:
    return None  # AKS needs no objects beside the operator's own


def external_secrets_store(stack: TerraformStack, environment: Environment) -> SecretStoreAccess:
    vault_url = environment.apps.external_secrets.azure_vault_url
    assert vault_url is not None  # the loader requires it with a store
    identity = AksWorkloadIdentityByName(
        stack,
        "external-secrets-identity",
        name=identity_name(environment),
        resource_group_name=resource_group_name(environment),
    )
    store = AzureKeyVaultProvider(vault_url=vault_url, service_account_ref=ServiceAccountRef.to(SERVICE_ACCOUNT))
    return SecretStoreAccess(
        provider=StoreProvider(azurekv=store),
        service_account_annotations=identity.annotations,
    )
