"""vLLM on Azure. The model cache: an Azure Files NFS share the cluster's own file driver provisions.
Streamed weights on Azure: per streamed model a managed identity federated with the engine's service account,
with Storage Blob Data Reader on the model's container and a condition that narrows it to the model's folder.

The role assignment's scope is the container (`<account id>/blobServices/default/containers/<container>`), the
finest scope Azure RBAC has for blobs; the folder is an ABAC condition on it (condition version 2.0): reads only of
blobs whose path starts with the folder, lists only of the folder. The account is found by its name alone
(account names are global), in the environment's subscription.
"""

from __future__ import annotations

from cdktf import Postcondition, TerraformOutput, TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_azurerm.data_azurerm_resources import DataAzurermResources
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment

from apps.vllm.cache import CacheVolume
from apps.vllm.weights import (
    AZURE_ACCOUNT_VARIABLE,
    AZURE_WORKLOAD_IDENTITY_LABEL,
    EngineAccess,
    Weights,
    identity_name,
    service_account,
    streamed_models,
    weights_of,
)
from constructs.azure.composition import AksClusterParts, resource_group_name
from constructs.azure.workload_identity import AksWorkloadIdentity, AksWorkloadIdentityByName
from spec.apps import VllmModelSpec
from spec.environment import Environment

# Reads and lists blobs (blobs/read); cannot write, delete or change anything.
BLOB_READER = "Storage Blob Data Reader"
STORAGE_ACCOUNT_TYPE = "Microsoft.Storage/storageAccounts"
CONDITION_VERSION = "2.0"
READ_BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
BLOB_PATH = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]"
LIST_PREFIX = "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix]"


def weights_condition(weights: Weights) -> str:
    """Microsoft's "read or list blobs in named containers with a path" condition for Storage Blob Data Reader
    (storage-auth-abac-examples): a read other than a list must be of a blob under the folder, a list must ask for
    the folder (with or without its '/') or below it."""
    folder, objects = weights.folder, weights.objects
    reads = (
        f"(!(ActionMatches{{'{READ_BLOBS}'}} AND NOT SubOperationMatches{{'Blob.List'}})) "
        f"OR ({BLOB_PATH} StringStartsWith '{objects}')"
    )
    lists = (
        f"(!(ActionMatches{{'{READ_BLOBS}'}} AND SubOperationMatches{{'Blob.List'}})) "
        f"OR ({LIST_PREFIX} StringEquals '{folder}' OR {LIST_PREFIX} StringStartsWith '{objects}')"
    )
    return f"({reads}) AND ({lists})"


def container_scope(stack: TerraformStack, model: VllmModelSpec, weights: Weights) -> str:
    assert weights.account is not None  # az:// URIs name the account (apps/vllm/weights.py)
    not_found = (
        f"Storage account {weights.account!r} (weights of model {model.name}) is not in this subscription; the "
        "managed identity can be granted read only on an account the stack finds."
    )
    account = DataAzurermResources(
        stack,
        f"vllm-weights-{model.name}-account",
        type=STORAGE_ACCOUNT_TYPE,
        name=weights.account,
        # Fails the plan with this sentence instead of an index error when the subscription has no such account.
        lifecycle=TerraformResourceLifecycle(
            postcondition=[Postcondition(condition="${length(self.resources) == 1}", error_message=not_found)]
        ),
    )
    return f"{account.resources.get(0).id}/blobServices/default/containers/{weights.bucket}"


def cluster_grants(stack: TerraformStack, environment: Environment, cluster: AksClusterParts) -> None:
    models = streamed_models(environment)
    if not models:
        return
    client_ids = {}
    for model in models:
        weights = weights_of(model)
        identity = AksWorkloadIdentity(
            stack,
            f"vllm-weights-{model.name}",
            name=identity_name(environment, model),
            location=cluster.group.location,
            resource_group_name=cluster.group.name,
            oidc_issuer_url=cluster.cluster.cluster.oidc_issuer_url,
            service_account=service_account(model),
            grants=[],  # the one grant carries a condition, which RoleGrant has no field for: below
            tags=cluster.tags,
        )
        RoleAssignment(
            stack,
            f"vllm-weights-{model.name}-reader",
            scope=container_scope(stack, model, weights),
            role_definition_name=BLOB_READER,
            principal_id=identity.identity.principal_id,
            # A brand-new identity may not be visible to Entra ID yet; naming its type skips that lookup.
            principal_type="ServicePrincipal",
            condition=weights_condition(weights),
            condition_version=CONDITION_VERSION,
        )
        client_ids[model.name] = identity.identity.client_id
    TerraformOutput(stack, "vllm_weights_identities", value=client_ids)


def engine_access(stack: TerraformStack, environment: Environment, model: VllmModelSpec) -> EngineAccess:
    """The identity's client and tenant on the service account, the label that has the AKS workload identity
    webhook inject the federated token into the pod, and the account the streamer's DefaultAzureCredential reads."""
    identity = AksWorkloadIdentityByName(
        stack,
        f"vllm-weights-{model.name}",
        name=identity_name(environment, model),
        resource_group_name=resource_group_name(environment),
    )
    account = weights_of(model).account
    assert account is not None
    return EngineAccess(
        service_account_annotations=identity.annotations,
        pod_labels=dict(AZURE_WORKLOAD_IDENTITY_LABEL),
        env={AZURE_ACCOUNT_VARIABLE: account},
    )


def cache_volume(stack: TerraformStack, environment: Environment) -> CacheVolume:
    """An NFS share the AKS-managed Azure Files driver creates (with its premium FileStorage account, reachable from
    the cluster's VNet only) in the node resource group, where the cluster's identity may create it. NFS on Azure
    Files needs no account key in a Secret, and `mountPermissions` opens the share's root to any pod user."""
    return CacheVolume(
        driver="file.csi.azure.com",
        parameters={"protocol": "nfs", "skuName": "Premium_LRS", "mountPermissions": "0777"},
        # Microsoft's NFS example: parallel connections, and no reserved source port to lose on reconnects.
        mount_options=("nconnect=4", "noresvport", "actimeo=30"),
    )
