"""AKS workload identity: a managed identity that exactly one Kubernetes service account may use via the OIDC issuer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_azurerm.data_azurerm_user_assigned_identity import DataAzurermUserAssignedIdentity
from cdktf_cdktf_provider_azurerm.federated_identity_credential import FederatedIdentityCredential
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from cdktf_cdktf_provider_azurerm.user_assigned_identity import UserAssignedIdentity

from catalogue.identities import KubernetesServiceAccount
from constructs import Construct

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
# Read by ESO (and by the Azure Workload Identity webhook) from the service account the store names.
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id"


@dataclass(frozen=True)
class RoleGrant:
    role: str  # a built-in role's name, e.g. "Key Vault Secrets User"
    scope: str  # the resource ID it applies to, never a resource group or subscription


class AksWorkloadIdentity(Construct):
    """The federated credential names one service account; least privilege is the caller's `grants`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        location: str,
        resource_group_name: str,
        oidc_issuer_url: str,
        service_account: KubernetesServiceAccount,
        grants: Sequence[RoleGrant],
        tags: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.identity = UserAssignedIdentity(
            self, "identity", name=name, location=location, resource_group_name=resource_group_name, tags=tags
        )
        FederatedIdentityCredential(
            self,
            "federated-credential",
            name=f"{service_account.namespace}-{service_account.name}",
            resource_group_name=resource_group_name,
            parent_id=self.identity.id,
            issuer=oidc_issuer_url,
            subject=service_account.subject,
            audience=[TOKEN_EXCHANGE_AUDIENCE],
        )
        self.role_assignments = [
            RoleAssignment(
                self,
                grant.role.lower().replace(" ", "-"),
                scope=grant.scope,
                role_definition_name=grant.role,
                principal_id=self.identity.principal_id,
                # A brand-new identity may not be visible to Entra ID yet; naming its type skips that lookup.
                principal_type="ServicePrincipal",
            )
            for grant in grants
        ]


class AksWorkloadIdentityByName(Construct):
    """The apps stack's side: finds the identity by name and gives the annotations its service account needs."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, resource_group_name: str) -> None:
        super().__init__(scope, construct_id)
        identity = DataAzurermUserAssignedIdentity(self, "identity", name=name, resource_group_name=resource_group_name)
        self.annotations = {CLIENT_ID_ANNOTATION: identity.client_id, TENANT_ID_ANNOTATION: identity.tenant_id}
