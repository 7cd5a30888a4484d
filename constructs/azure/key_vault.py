"""A Key Vault found by its name alone: vault names are global, so no resource group has to be configured."""

from __future__ import annotations

from cdktf import Postcondition, TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.data_azurerm_resources import DataAzurermResources

from constructs import Construct

KEY_VAULT_TYPE = "Microsoft.KeyVault/vaults"


class KeyVaultByName(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, name: str) -> None:
        super().__init__(scope, construct_id)
        not_found = f"Key Vault {name!r} (apps.externalSecrets.azureVaultUrl) is not in this subscription."
        found = DataAzurermResources(
            self,
            "vault",
            type=KEY_VAULT_TYPE,
            name=name,
            # Fails the plan with this sentence instead of an index error when the subscription has no such vault.
            lifecycle=TerraformResourceLifecycle(
                postcondition=[Postcondition(condition="${length(self.resources) == 1}", error_message=not_found)]
            ),
        )
        self.id = found.resources.get(0).id
