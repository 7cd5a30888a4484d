"""The EKS control plane: cluster role, secrets encryption key, audit logs and the cluster itself."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.eks_cluster import (
    EksCluster,
    EksClusterAccessConfig,
    EksClusterEncryptionConfig,
    EksClusterEncryptionConfigProvider,
    EksClusterVpcConfig,
)
from cdktf_cdktf_provider_aws.kms_key import KmsKey

from constructs import Construct
from constructs.aws.iam import ServiceRole

CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
LOG_RETENTION_DAYS = 365


class EksControlPlane(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        kubernetes_version: str,
        subnet_ids: list[str],
        public_access_cidrs: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        role = ServiceRole(
            self,
            "cluster-role",
            name=f"{cluster_name}-eks-cluster",
            service="eks.amazonaws.com",
            policies=["AmazonEKSClusterPolicy"],
        )
        secrets_key = KmsKey(
            self,
            "secrets-key",
            description=f"Envelope encryption of Kubernetes secrets in {cluster_name}",
            enable_key_rotation=True,
            deletion_window_in_days=7,
        )
        # Created here rather than by EKS so that retention is ours and destroy removes it.
        log_group = CloudwatchLogGroup(
            self,
            "control-plane-logs",
            name=f"/aws/eks/{cluster_name}/cluster",
            retention_in_days=LOG_RETENTION_DAYS,
        )
        self.cluster = EksCluster(
            self,
            "cluster",
            name=cluster_name,
            version=kubernetes_version,
            role_arn=role.role.arn,
            vpc_config=EksClusterVpcConfig(
                subnet_ids=subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=bool(public_access_cidrs),
                public_access_cidrs=public_access_cidrs or None,
            ),
            access_config=EksClusterAccessConfig(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=True,
            ),
            enabled_cluster_log_types=CONTROL_PLANE_LOG_TYPES,
            encryption_config=EksClusterEncryptionConfig(
                resources=["secrets"],
                provider=EksClusterEncryptionConfigProvider(key_arn=secrets_key.arn),
            ),
            depends_on=[*role.attachments, log_group],
        )
