"""IAM roles for EKS: one helper so every role states its trusted service and its managed policies."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment

from constructs import Construct

MANAGED_POLICY_ARN = "arn:aws:iam::aws:policy/{}"


class ServiceRole(Construct):
    """An IAM role that one AWS service may assume, with AWS-managed policies attached."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, service: str, policies: list[str]) -> None:
        super().__init__(scope, construct_id)
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": ["sts:AssumeRole"]}],
        }
        self.role = IamRole(self, "role", name=name, assume_role_policy=json.dumps(trust))
        self.attachments = [
            IamRolePolicyAttachment(self, policy, role=self.role.name, policy_arn=MANAGED_POLICY_ARN.format(policy))
            for policy in policies
        ]
