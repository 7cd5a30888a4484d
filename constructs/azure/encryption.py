"""The AKS cluster's customer-managed Key Vault key for KMS etcd encryption, and the identity that uses it."""

from __future__ import annotations

import re

from cdktf import Fn
from cdktf_cdktf_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from cdktf_cdktf_provider_azurerm.key_vault import KeyVault
from cdktf_cdktf_provider_azurerm.key_vault_key import (
    KeyVaultKey,
    KeyVaultKeyRotationPolicy,
    KeyVaultKeyRotationPolicyAutomatic,
)
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from cdktf_cdktf_provider_azurerm.user_assigned_identity import UserAssignedIdentity

from constructs import Construct

KEY_VAULT_NAME_MAX = 24
SUFFIX_LENGTH = 6
# The RSA operations `az keyvault key create` grants by default; the KMS plugin wraps and unwraps with them.
KEY_OPERATIONS = ["decrypt", "encrypt", "sign", "unwrapKey", "verify", "wrapKey"]
CRYPTO_USER = "Key Vault Crypto User"
CRYPTO_OFFICER = "Key Vault Crypto Officer"
# The shortest soft-delete window: with purge protection on, the vault name stays taken for this long after destroy.
SOFT_DELETE_RETENTION_DAYS = 7
ROTATE_AFTER = "P1Y"  # a new key version yearly; the next apply moves AKS onto it (the key ID carries the version)


def key_vault_name(cluster_name: str, suffix: str) -> str:
    """`<cluster>-kv-<suffix>` within Key Vault's 24 characters: letters, digits, single hyphens."""
    budget = KEY_VAULT_NAME_MAX - len("-kv-") - SUFFIX_LENGTH
    prefix = re.sub(r"-+", "-", cluster_name)[:budget].rstrip("-")
    return f"{prefix}-kv-{suffix}"


class AksSecretsKey(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        location: str,
        resource_group_name: str,
        tags: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        client = DataAzurermClientConfig(self, "client")
        # Vault names are global: a subscription hash keeps them apart, yet stable so a re-created vault is recovered.
        suffix = Fn.substr(Fn.sha1(Fn.join("/", [client.subscription_id, cluster_name])), 0, SUFFIX_LENGTH)
        # KMS refuses a system-assigned identity: it must hold the key role before the cluster exists.
        self.identity = UserAssignedIdentity(
            self,
            "identity",
            name=f"{cluster_name}-control-plane",
            location=location,
            resource_group_name=resource_group_name,
            tags=tags,
        )
        self.vault = KeyVault(
            self,
            "vault",
            name=key_vault_name(cluster_name, suffix),
            location=location,
            resource_group_name=resource_group_name,
            tenant_id=client.tenant_id,
            sku_name="standard",
            # Azure RBAC instead of access policies: the same role assignments as every other resource.
            rbac_authorization_enabled=True,
            # AKS cannot recover from a lost key; a deleted key stays recoverable and cannot be purged early.
            purge_protection_enabled=True,
            soft_delete_retention_days=SOFT_DELETE_RETENTION_DAYS,
            tags=tags,
        )
        self.identity_can_use_key = RoleAssignment(
            self,
            "identity-crypto-user",
            scope=self.vault.id,
            role_definition_name=CRYPTO_USER,
            principal_id=self.identity.principal_id,
            # A brand-new identity may not be visible to Entra ID yet; naming its type skips that lookup.
            principal_type="ServicePrincipal",
        )
        # Whoever runs Terraform creates the key through the vault's data plane, which RBAC guards too.
        deployer_can_manage_keys = RoleAssignment(
            self,
            "deployer-crypto-officer",
            scope=self.vault.id,
            role_definition_name=CRYPTO_OFFICER,
            principal_id=client.object_id,
        )
        self.key = KeyVaultKey(
            self,
            "key",
            name=f"{cluster_name}-etcd",
            key_vault_id=self.vault.id,
            key_type="RSA",
            key_size=2048,
            key_opts=KEY_OPERATIONS,
            rotation_policy=KeyVaultKeyRotationPolicy(
                automatic=KeyVaultKeyRotationPolicyAutomatic(time_after_creation=ROTATE_AFTER)
            ),
            tags=tags,
            depends_on=[deployer_can_manage_keys],
        )
