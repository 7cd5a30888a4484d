"""External Secrets on Google: ESO's Kubernetes service account as a Workload Identity principal that reads
exactly the Secret Manager secrets the environment names."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack

from apps.external_secrets import SERVICE_ACCOUNT, secret_names, store_enabled
from apps.external_secrets.install import (
    GcpAuth,
    GcpsmProvider,
    GcpWorkloadIdentity,
    SecretStoreAccess,
    ServiceAccountRef,
    StoreProvider,
)
from constructs.google.composition import GkeClusterParts
from constructs.google.project import project_ids
from constructs.google.workload_identity import GkeWorkloadIdentity
from spec.environment import Environment

SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"  # reads secret versions; cannot list, change or delete


def cluster_grants(stack: TerraformStack, environment: Environment, cluster: GkeClusterParts) -> None:
    if not store_enabled(environment):
        return
    identity = GkeWorkloadIdentity(
        stack,
        "external-secrets-identity",
        project=cluster.project,
        project_number=cluster.project_number,
        # Read from the cluster, so the grants wait for it: the project's pool exists once such a cluster does.
        workload_pool=cluster.cluster.cluster.workload_identity_config.workload_pool,
        service_account=SERVICE_ACCOUNT,
        role=SECRET_ACCESSOR,
        secrets=secret_names(environment),
    )
    TerraformOutput(stack, "external_secrets_identity", value=identity.principal)


def store_access(stack: TerraformStack, environment: Environment) -> SecretStoreAccess:
    project, _ = project_ids(stack, environment)
    identity = GcpWorkloadIdentity(
        service_account_ref=ServiceAccountRef.to(SERVICE_ACCOUNT),
        cluster_name=environment.name,
        cluster_location=environment.resolved_region,
        cluster_project_id=project,
    )
    return SecretStoreAccess(
        provider=StoreProvider(gcpsm=GcpsmProvider(project_id=project, auth=GcpAuth(workload_identity=identity))),
        # The grants name the service account's own principal, so no iam.gke.io/gcp-service-account is needed.
        service_account_annotations={},
    )
