"""The VPC CNI as an EKS-managed add-on with network policy on: without it EKS accepts NetworkPolicies and enforces
none (docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html, "Enable the network policy
parameter for the add-on").

EKS installs a self-managed vpc-cni with every cluster (bootstrap_self_managed_addons); the managed add-on takes it
over, on a new cluster and on a running one alike. It runs as the node role, which already holds AmazonEKS_CNI_Policy
(node_pools.py); network policy asks for no further permission. The nodes' AL2023 and Bottlerocket images carry the
kernel (5.10 or later) and BPF file system the policy agent needs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.data_aws_eks_addon_version import DataAwsEksAddonVersion
from cdktf_cdktf_provider_aws.eks_addon import EksAddon

from constructs import Construct

ADDON_NAME = "vpc-cni"
# The add-on's configuration schema key; a string, not a boolean (the same page). Builds v1.14.0-eksbuild.3 and later.
NETWORK_POLICY_CONFIGURATION = json.dumps({"enableNetworkPolicy": "true"}, separators=(",", ":"))


class VpcCni(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        kubernetes_version: str,
        after: Sequence[ITerraformDependable],
    ) -> None:
        super().__init__(scope, construct_id)
        # Pinned as the EBS CSI add-on is (ebs_csi.py): the newest build for the file's minor, which EKS reports.
        build = DataAwsEksAddonVersion(
            self, "version", addon_name=ADDON_NAME, kubernetes_version=kubernetes_version, most_recent=True
        )
        self.addon = EksAddon(
            self,
            "addon",
            cluster_name=cluster_name,
            addon_name=ADDON_NAME,
            addon_version=build.version,
            configuration_values=NETWORK_POLICY_CONFIGURATION,
            # The self-managed aws-node DaemonSet of a running cluster is taken over, not refused as a conflict.
            resolve_conflicts_on_create="OVERWRITE",
            # Removing the add-on from the stack must not remove every node's pod network with it.
            preserve=True,
            # Like the EBS CSI add-on, it moves after the control plane and the system nodes on an upgrade.
            depends_on=list(after),
        )
