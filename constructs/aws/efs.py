"""An EFS file system the cluster's nodes mount over NFS, and the EFS CSI driver (an EKS add-on) that does it."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.efs_file_system import EfsFileSystem
from cdktf_cdktf_provider_aws.efs_mount_target import EfsMountTarget
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

from catalogue.identities import KubernetesServiceAccount
from constructs import Construct
from constructs.aws.addons import managed_addon
from constructs.aws.workload_identity import IrsaRole

ADDON_NAME = "aws-efs-csi-driver"
EFS_DRIVER = "efs.csi.aws.com"
# The add-on's controller creates and deletes access points as this service account (docs.aws.amazon.com/eks/
# latest/userguide/efs-csi.html); the node daemon mounts with the node's network access only (no IAM needed
# without a file system policy).
CONTROLLER_SERVICE_ACCOUNT = KubernetesServiceAccount(namespace="kube-system", name="efs-csi-controller-sa")
# The tag the driver puts on every access point it creates, and the only one AmazonEFSCSIDriverPolicy lets it set.
DRIVER_TAG = "efs.csi.aws.com/cluster"
NFS_PORT = 2049


def creation_token(cluster_name: str) -> str:
    """What the apps stack finds the file system by (data aws_efs_file_system): unique per account and region."""
    return f"{cluster_name}-model-cache"


def driver_statements(file_system_arn: str) -> list[DataAwsIamPolicyDocumentStatement]:
    """AmazonEFSCSIDriverPolicy's statements (v1, 2023-07-25) narrowed to this one file system: describe it, create
    access points on it tagged as the driver's, and delete only the driver's own."""
    return [
        DataAwsIamPolicyDocumentStatement(
            sid="Describe",
            actions=[
                "elasticfilesystem:DescribeAccessPoints",
                "elasticfilesystem:DescribeFileSystems",
                "elasticfilesystem:DescribeMountTargets",
            ],
            resources=[file_system_arn],
        ),
        # Not resource-scoped by AWS: the driver asks which zones exist.
        DataAwsIamPolicyDocumentStatement(sid="Zones", actions=["ec2:DescribeAvailabilityZones"], resources=["*"]),
        DataAwsIamPolicyDocumentStatement(
            sid="CreateAccessPoint",
            actions=["elasticfilesystem:CreateAccessPoint", "elasticfilesystem:TagResource"],
            resources=[file_system_arn],
            condition=[
                DataAwsIamPolicyDocumentStatementCondition(
                    test="Null", variable=f"aws:RequestTag/{DRIVER_TAG}", values=["false"]
                )
            ],
        ),
        DataAwsIamPolicyDocumentStatement(
            sid="DeleteOwnAccessPoints",
            actions=["elasticfilesystem:DeleteAccessPoint"],
            resources=["*"],  # an access point's ARN is not known before it exists; the tag bounds it
            condition=[
                DataAwsIamPolicyDocumentStatementCondition(
                    test="Null", variable=f"aws:ResourceTag/{DRIVER_TAG}", values=["false"]
                )
            ],
        ),
    ]


class EfsFileStore(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        kubernetes_version: str,
        vpc_id: str,
        subnet_ids: Sequence[str],
        node_security_group_id: str,
        key: KmsKey,
        oidc_provider: IamOpenidConnectProvider,
        after: Sequence[ITerraformDependable],
    ) -> None:
        """`node_security_group_id`: the group every node carries (EKS's cluster security group, which our launch
        templates leave in place); only it reaches NFS."""
        super().__init__(scope, construct_id)
        self.file_system = EfsFileSystem(
            self,
            "file-system",
            creation_token=creation_token(cluster_name),
            encrypted=True,
            kms_key_id=key.arn,
            # The API's default is bursting: about 1 MiB/s of baseline for a cache of tens of GB.
            throughput_mode="elastic",
            tags={"Name": creation_token(cluster_name)},
        )
        group = SecurityGroup(
            self,
            "nfs",
            name=f"{cluster_name}-model-cache-nfs",
            description="NFS to the model cache from the cluster's nodes only",
            vpc_id=vpc_id,
        )
        VpcSecurityGroupIngressRule(
            self,
            "nfs-from-nodes",
            security_group_id=group.id,
            referenced_security_group_id=node_security_group_id,
            ip_protocol="tcp",
            from_port=NFS_PORT,
            to_port=NFS_PORT,
            description="NFS from the cluster's nodes",
        )
        # One mount target per private subnet (one per zone): nodes mount in their own zone.
        self.mount_targets = [
            EfsMountTarget(
                self,
                f"mount-target-{index}",
                file_system_id=self.file_system.id,
                subnet_id=subnet_id,
                security_groups=[group.id],
            )
            for index, subnet_id in enumerate(subnet_ids)
        ]
        role = IrsaRole(
            self,
            "identity",
            name=f"{cluster_name}-efs-csi",
            oidc_provider=oidc_provider,
            service_account=CONTROLLER_SERVICE_ACCOUNT,
            statements=driver_statements(self.file_system.arn),
        )
        self.addon = managed_addon(
            self,
            addon_name=ADDON_NAME,
            cluster_name=cluster_name,
            kubernetes_version=kubernetes_version,
            role_arn=role.role.arn,
            after=[*role.attachments, *after],
        )
