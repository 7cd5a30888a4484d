"""External Secrets on Azure: a managed identity federated with ESO's service account, reading secrets of the one
Key Vault the environment names."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack

from apps.external_secrets import SERVICE_ACCOUNT, identity_name, store_enabled, vault_name
from apps.external_secrets.install import AzureKeyVaultProvider, SecretStoreAccess, ServiceAccountRef, StoreProvider
from constructs.azure.composition import AksClusterParts, resource_group_name
from constructs.azure.key_vault import KeyVaultByName
from constructs.azure.workload_identity import AksWorkloadIdentity, AksWorkloadIdentityByName, RoleGrant
from spec.environment import Environment

# Reads secret values; cannot list, write or delete them, nor touch keys and certificates.
SECRETS_USER = "Key Vault Secrets User"


def _vault_url(environment: Environment) -> str:
    vault_url = environment.apps.external_secrets.azure_vault_url
    assert vault_url is not None  # the loader requires it with a store
    return vault_url


def cluster_grants(stack: TerraformStack, environment: Environment, cluster: AksClusterParts) -> None:
    if not store_enabled(environment):
        return
    vault = KeyVaultByName(stack, "external-secrets-vault", name=vault_name(_vault_url(environment)))
    identity = AksWorkloadIdentity(
        stack,
        "external-secrets-identity",
        name=identity_name(environment),
        location=cluster.group.location,
        resource_group_name=cluster.group.name,
        oidc_issuer_url=cluster.cluster.cluster.oidc_issuer_url,
        service_account=SERVICE_ACCOUNT,
        grants=[RoleGrant(role=SECRETS_USER, scope=vault.id)],
        tags=cluster.tags,
    )
    TerraformOutput(stack, "external_secrets_identity", value=identity.identity.client_id)


def store_access(stack: TerraformStack, environment: Environment) -> SecretStoreAccess:
    identity = AksWorkloadIdentityByName(
        stack,
        "external-secrets-identity",
        name=identity_name(environment),
        resource_group_name=resource_group_name(environment),
    )
    store = AzureKeyVaultProvider(
        vault_url=_vault_url(environment), service_account_ref=ServiceAccountRef.to(SERVICE_ACCOUNT)
    )
    return SecretStoreAccess(
        provider=StoreProvider(azurekv=store),
        service_account_annotations=identity.annotations,
    )
