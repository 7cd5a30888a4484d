"""IAM roles for AWS services: one helper so every role states its trusted service and its permissions."""

from __future__ import annotations

from collections.abc import Mapping

from cdktf import Fn
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment

from constructs import Construct

MANAGED_POLICY_ARN = "arn:aws:iam::aws:policy/{}"


def attach_managed_policies(scope: Construct, role: IamRole, policies: list[str]) -> list[IamRolePolicyAttachment]:
    """AWS-managed policies on `role`, by name (e.g. "AmazonEKSClusterPolicy", "service-role/...")."""
    return [
        IamRolePolicyAttachment(
            scope, policy.replace("/", "-"), role=role.name, policy_arn=MANAGED_POLICY_ARN.format(policy)
        )
        for policy in policies
    ]


def policy_document(*statements: Mapping[str, object]) -> str:
    """An IAM policy as a `jsonencode(...)` expression: `cdktf synth --hcl` mangles JSON text that embeds tokens."""
    return Fn.jsonencode({"Version": "2012-10-17", "Statement": [dict(statement) for statement in statements]})


class ServiceRole(Construct):
    """An IAM role that one AWS service may assume, with AWS-managed policies and an optional inline policy."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        service: str,
        policies: list[str],
        inline_statements: list[Mapping[str, object]] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        trust = {"Effect": "Allow", "Principal": {"Service": service}, "Action": ["sts:AssumeRole"]}
        self.role = IamRole(self, "role", name=name, assume_role_policy=policy_document(trust))
        self.attachments = attach_managed_policies(self, self.role, policies)
        if inline_statements:
            IamRolePolicy(self, "inline", name=name, role=self.role.id, policy=policy_document(*inline_statements))
