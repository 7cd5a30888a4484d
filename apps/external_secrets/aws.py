"""External Secrets on AWS: an IRSA role that reads exactly the Secrets Manager secrets the environment names."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack

from apps.external_secrets import SERVICE_ACCOUNT, identity_name, secret_names, store_enabled
from apps.external_secrets.install import (
    AwsAuth,
    AwsJwtAuth,
    AwsSecretsManagerProvider,
    SecretStoreAccess,
    ServiceAccountRef,
    StoreProvider,
)
from constructs.aws.composition import EksClusterParts
from constructs.aws.secrets_manager import SecretsManagerReadAccess
from constructs.aws.workload_identity import IrsaRole, IrsaRoleByName
from spec.environment import Environment


def cluster_grants(stack: TerraformStack, environment: Environment, cluster: EksClusterParts) -> None:
    """IRSA role for ESO's service account: read access to exactly the secrets the environment names."""
    if not store_enabled(environment):
        return
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
        oidc_provider=cluster.oidc_provider,
        service_account=SERVICE_ACCOUNT,
        statements=access.statements if access else None,
    )
    TerraformOutput(stack, "external_secrets_identity", value=role.role.arn)


def store_access(stack: TerraformStack, environment: Environment) -> SecretStoreAccess:
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
