"""The cluster's customer-managed KMS key: Kubernetes secrets, control-plane logs and VPC flow logs."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.kms_key import KmsKey

from constructs import Construct
from constructs.aws.iam import policy_document


class ClusterKey(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cluster_name: str, region: str) -> None:
        super().__init__(scope, construct_id)
        account = DataAwsCallerIdentity(self, "account").account_id
        partition = DataAwsPartition(self, "partition").partition
        administer = {
            "Sid": "AccountAdministersTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
        # CloudWatch Logs encrypts with the key itself, so the key policy must name the service.
        logs = {
            "Sid": "CloudWatchLogsUseTheKeyForThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {
                "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:*"}
            },
        }
        self.key = KmsKey(
            self,
            "key",
            description=f"{cluster_name}: Kubernetes secrets, control-plane and flow logs",
            enable_key_rotation=True,
            deletion_window_in_days=7,
            policy=policy_document(administer, logs),
        )
