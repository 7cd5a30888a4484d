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

from constructs import Construct
from constructs.aws.addons import managed_addon

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
        self.addon = managed_addon(
            self,
            addon_name=ADDON_NAME,
            cluster_name=cluster_name,
            kubernetes_version=kubernetes_version,
            configuration_values=NETWORK_POLICY_CONFIGURATION,
            # The self-managed aws-node DaemonSet of a running cluster is taken over, and removing the add-on from the
            # stack must not remove every node's pod network with it.
            take_over=True,
            after=after,
        )
