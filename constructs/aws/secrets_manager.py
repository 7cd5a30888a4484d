"""Read access to named AWS Secrets Manager secrets, and nothing else: the statements an IRSA role is given."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition

from constructs import Construct

# GetSecretValue reads the value an ExternalSecret extracts; DescribeSecret serves metadataPolicy: Fetch (tags).
# ESO's read path calls nothing else (providers/v1/aws/secretsmanager at helm-chart-2.9.0); no List*, no Batch*.
READ_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
# Secrets Manager appends "-" and six random characters to every secret's ARN.
ARN_SUFFIX = "-??????"


class SecretsManagerReadAccess(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, region: str, secret_names: Sequence[str]) -> None:
        super().__init__(scope, construct_id)
        account = DataAwsCallerIdentity(self, "account").account_id
        partition = DataAwsPartition(self, "partition")
        prefix = f"arn:{partition.partition}:secretsmanager:{region}:{account}:secret:"
        self.secret_arns = [f"{prefix}{name}{ARN_SUFFIX}" for name in secret_names]
        self.statements = [
            DataAwsIamPolicyDocumentStatement(
                sid="ReadNamedSecrets", effect="Allow", actions=READ_ACTIONS, resources=self.secret_arns
            ),
            # Secrets under the default aws/secretsmanager key need no KMS permission; one under a customer key
            # does. The conditions let the role decrypt only these secrets' values, and only through Secrets Manager.
            DataAwsIamPolicyDocumentStatement(
                sid="DecryptNamedSecretsWithCustomerKeys",
                effect="Allow",
                actions=["kms:Decrypt"],
                resources=[f"arn:{partition.partition}:kms:{region}:{account}:key/*"],
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(
                        test="StringEquals",
                        variable="kms:ViaService",
                        values=[f"secretsmanager.{region}.{partition.dns_suffix}"],
                    ),
                    DataAwsIamPolicyDocumentStatementCondition(
                        test="StringLike", variable="kms:EncryptionContext:SecretARN", values=self.secret_arns
                    ),
                ],
            ),
        ]
