"""The EBS CSI driver as an EKS add-on, with its own IRSA role: without it no PersistentVolumeClaim binds on EKS."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider

from catalogue.identities import KubernetesServiceAccount
from constructs import Construct
from constructs.aws.addons import managed_addon
from constructs.aws.workload_identity import IrsaRole

ADDON_NAME = "aws-ebs-csi-driver"
# The add-on's controller runs as this service account (docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html).
CONTROLLER_SERVICE_ACCOUNT = KubernetesServiceAccount(namespace="kube-system", name="ebs-csi-controller-sa")
# AWS's least-privilege policy for the driver: EBS volume and snapshot calls, scoped by the driver's own tags.
# Volumes use the AWS-managed EBS key (catalogue/storage.py), so no KMS grant on the cluster's key is needed.
DRIVER_POLICY = "service-role/AmazonEBSCSIDriverPolicy"


class EbsCsiDriver(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        kubernetes_version: str,
        oidc_provider: IamOpenidConnectProvider,
        after: Sequence[ITerraformDependable],
    ) -> None:
        super().__init__(scope, construct_id)
        role = IrsaRole(
            self,
            "identity",
            name=f"{cluster_name}-ebs-csi",
            oidc_provider=oidc_provider,
            service_account=CONTROLLER_SERVICE_ACCOUNT,
            managed_policies=[DRIVER_POLICY],
        )
        # On an upgrade the add-on moves after the control plane and the system nodes: it depends on the system node
        # group.
        self.addon = managed_addon(
            self,
            addon_name=ADDON_NAME,
            cluster_name=cluster_name,
            kubernetes_version=kubernetes_version,
            role_arn=role.role.arn,
            after=[*role.attachments, *after],
        )
