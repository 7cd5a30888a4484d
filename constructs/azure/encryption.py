"""The AKS cluster's customer-managed Key Vault key for KMS etcd encryption, and the identity that uses it."""

from __future__ import annotations

import re

from cdktf_cdktf_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from cdktf_cdktf_provider_azurerm.key_vault import KeyVault, KeyVaultNetworkAcls
from cdktf_cdktf_provider_azurerm.key_vault_key import (
    KeyVaultKey,
    KeyVaultKeyRotationPolicy,
    KeyVaultKeyRotationPolicyAutomatic,
)
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from cdktf_cdktf_provider_azurerm.user_assigned_identity import UserAssignedIdentity
from cdktf_cdktf_provider_random.id import Id
from cdktf_cdktf_provider_time.sleep import Sleep

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
# A new Azure role assignment takes effect within minutes (Azure RBAC troubleshooting: "up to 10 minutes", in
# practice under two); each data-plane call that needs one waits this long after the assignment is created.
ROLE_PROPAGATION = "120s"


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
        # Vault names are global and a deleted vault keeps its name for the soft-delete window (purge protection
        # forbids purging it early), so every creation gets a new random suffix; it lives in state, so plans keep it.
        suffix = Id(self, "vault-name-suffix", byte_length=SUFFIX_LENGTH // 2).hex
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
            # Reachable over the public network, guarded by RBAC only: legacy KMS in "Public" mode calls the vault
            # from the API server, whose addresses are not published, and Terraform reaches the data plane from
            # wherever it runs. Deny-by-default would need API Server VNet Integration and a private endpoint.
            network_acls=KeyVaultNetworkAcls(default_action="Allow", bypass="AzureServices"),
            tags=tags,
        )
        identity_can_use_key = RoleAssignment(
            self,
            "identity-crypto-user",
            scope=self.vault.id,
            role_definition_name=CRYPTO_USER,
            principal_id=self.identity.principal_id,
            # A brand-new identity may not be visible to Entra ID yet; naming its type skips that lookup.
            principal_type="ServicePrincipal",
        )
        # AKS checks the identity's access to the key when the control plane starts; the cluster waits for this.
        self.identity_can_use_key = Sleep(
            self, "identity-role-propagation", create_duration=ROLE_PROPAGATION, depends_on=[identity_can_use_key]
        )
        # Whoever runs Terraform creates the key through the vault's data plane, which RBAC guards too.
        deployer_can_manage_keys = RoleAssignment(
            self,
            "deployer-crypto-officer",
            scope=self.vault.id,
            role_definition_name=CRYPTO_OFFICER,
            principal_id=client.object_id,
        )
        # Creating the key right after the assignment fails with 403 ForbiddenByRbac until it has propagated.
        deployer_role_propagated = Sleep(
            self, "deployer-role-propagation", create_duration=ROLE_PROPAGATION, depends_on=[deployer_can_manage_keys]
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
            depends_on=[deployer_role_propagated],
        )
