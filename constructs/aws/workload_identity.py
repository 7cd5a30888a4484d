"""IRSA: an IAM role that exactly one Kubernetes service account may assume through the cluster's OIDC provider."""

from __future__ import annotations

from cdktf import Fn
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.data_aws_iam_role import DataAwsIamRole
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy

from catalogue.identities import KubernetesServiceAccount
from constructs import Construct
from constructs.aws.iam import attach_managed_policies

STS_AUDIENCE = "sts.amazonaws.com"
# EKS's pod identity webhook and ESO's referenced-account auth both read the role from this annotation.
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"


class IrsaRole(Construct):
    """The trust names one service account; least privilege is the caller's `statements` or managed policies."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        oidc_provider: IamOpenidConnectProvider,
        service_account: KubernetesServiceAccount,
        managed_policies: list[str] | None = None,
        statements: list[DataAwsIamPolicyDocumentStatement] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # Condition keys are "<issuer without https://>:sub|aud"; a policy document takes them as values, not keys.
        issuer = Fn.replace(oidc_provider.url, "https://", "")
        trust = DataAwsIamPolicyDocument(
            self,
            "trust",
            statement=[
                DataAwsIamPolicyDocumentStatement(
                    effect="Allow",
                    actions=["sts:AssumeRoleWithWebIdentity"],
                    principals=[
                        DataAwsIamPolicyDocumentStatementPrincipals(type="Federated", identifiers=[oidc_provider.arn])
                    ],
                    condition=[
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="StringEquals", variable=f"{issuer}:sub", values=[service_account.subject]
                        ),
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="StringEquals", variable=f"{issuer}:aud", values=[STS_AUDIENCE]
                        ),
                    ],
                )
            ],
        )
        self.role = IamRole(self, "role", name=name, assume_role_policy=trust.json)
        self.attachments = attach_managed_policies(self, self.role, managed_policies or [])
        if statements:
            permissions = DataAwsIamPolicyDocument(self, "permissions", statement=statements)
            IamRolePolicy(self, "permissions-policy", name=name, role=self.role.id, policy=permissions.json)


class IrsaRoleByName(Construct):
    """The apps stack's side: finds the role by name and gives the annotation its service account needs."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str) -> None:
        super().__init__(scope, construct_id)
        role = DataAwsIamRole(self, "role", name=name)
        self.annotations = {ROLE_ARN_ANNOTATION: role.arn}
