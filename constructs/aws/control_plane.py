"""The EKS control plane: cluster role, audit logs, secrets encryption, IRSA identity provider, the cluster."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.eks_cluster import (
    EksCluster,
    EksClusterAccessConfig,
    EksClusterEncryptionConfig,
    EksClusterEncryptionConfigProvider,
    EksClusterVpcConfig,
)
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
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
        key: KmsKey,
    ) -> None:
        super().__init__(scope, construct_id)
        role = ServiceRole(
            self,
            "cluster-role",
            name=f"{cluster_name}-eks-cluster",
            service="eks.amazonaws.com",
            policies=["AmazonEKSClusterPolicy"],
        )
        # Created here rather than by EKS so that retention and encryption are ours and destroy removes it.
        log_group = CloudwatchLogGroup(
            self,
            "control-plane-logs",
            name=f"/aws/eks/{cluster_name}/cluster",
            retention_in_days=LOG_RETENTION_DAYS,
            kms_key_id=key.arn,
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
                # The public endpoint exists only for listed CIDRs (Terraform Cloud runners, a VPN egress, ...).
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
                provider=EksClusterEncryptionConfigProvider(key_arn=key.arn),
            ),
            depends_on=[*role.attachments, log_group],
            # Never set by us; aws 5.100 cannot read it back, so an imported cluster (`make adopt`) would be replaced
            # over it, and create-first at that, since the node groups' create_before_destroy reaches here.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["bootstrap_self_managed_addons"]),
        )
        # IRSA: pods get AWS credentials for their own service account's role, never the node role's.
        self.oidc_provider = IamOpenidConnectProvider(
            self,
            "oidc-provider",
            url=self.cluster.identity.get(0).oidc.get(0).issuer,
            client_id_list=["sts.amazonaws.com"],
        )
