"""GKE Workload Identity: roles on named secrets for exactly one Kubernetes service account, no Google account."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_google.secret_manager_secret_iam_member import SecretManagerSecretIamMember

from catalogue.identities import KubernetesServiceAccount
from constructs import Construct


def workload_principal(*, project_number: str, workload_pool: str, service_account: KubernetesServiceAccount) -> str:
    """The service account's own IAM principal in the cluster's workload pool (Workload Identity Federation for GKE)."""
    pool = f"projects/{project_number}/locations/global/workloadIdentityPools/{workload_pool}"
    return f"principal://iam.googleapis.com/{pool}/subject/ns/{service_account.namespace}/sa/{service_account.name}"


class GkeWorkloadIdentity(Construct):
    """The principal is the service account itself; least privilege is the caller's `role` on `secrets` only."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        project: str,
        project_number: str,
        workload_pool: str,
        service_account: KubernetesServiceAccount,
        role: str,
        secrets: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.principal = workload_principal(
            project_number=project_number, workload_pool=workload_pool, service_account=service_account
        )
        # Secret-level members, not a project-wide role: the secrets must exist before this applies.
        self.members = [
            SecretManagerSecretIamMember(
                self,
                secret,
                project=project,
                secret_id=secret,
                role=role,
                member=self.principal,
            )
            for secret in secrets
        ]
