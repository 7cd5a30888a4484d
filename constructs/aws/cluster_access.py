"""How the apps stack reaches an EKS cluster: data sources by cluster name, no CLI exec plugin."""

from __future__ import annotations

from cdktf import Fn
from cdktf_cdktf_provider_aws.data_aws_eks_cluster import DataAwsEksCluster
from cdktf_cdktf_provider_aws.data_aws_eks_cluster_auth import DataAwsEksClusterAuth

from constructs import Construct
from constructs.connection import ClusterConnection


class EksClusterAccess(Construct):
    """Looks the cluster up by name so the apps stack runs anywhere Terraform runs (Terraform Cloud too)."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster_name: str) -> None:
        super().__init__(scope, construct_id)
        cluster = DataAwsEksCluster(self, "cluster", name=cluster_name)
        # A short-lived token (15 min) read at plan/apply time; nothing is stored in the code or the state file.
        auth = DataAwsEksClusterAuth(self, "auth", name=cluster_name)
        self.connection = ClusterConnection(
            host=cluster.endpoint,
            cluster_ca_certificate=Fn.base64decode(cluster.certificate_authority.get(0).data),
            token=auth.token,
        )
