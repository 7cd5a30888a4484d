"""How the apps stack reaches a GKE cluster: data sources by cluster name, no gcloud exec plugin."""

from __future__ import annotations

from cdktf import Fn
from cdktf_cdktf_provider_google.data_google_client_config import DataGoogleClientConfig
from cdktf_cdktf_provider_google.data_google_container_cluster import DataGoogleContainerCluster

from constructs import Construct
from constructs.apps.cluster_connection import ClusterConnection


class GkeClusterAccess(Construct):
    """Looks the cluster up by name so the apps stack runs anywhere Terraform runs (Terraform Cloud too)."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster_name: str, region: str) -> None:
        super().__init__(scope, construct_id)
        cluster = DataGoogleContainerCluster(self, "cluster", name=cluster_name, location=region)
        # The provider's own OAuth access token (about an hour), read at plan/apply time and never stored in code.
        client = DataGoogleClientConfig(self, "client")
        self.connection = ClusterConnection(
            host=f"https://{cluster.endpoint}",
            token=client.access_token,
            cluster_ca_certificate=Fn.base64decode(cluster.master_auth.get(0).cluster_ca_certificate),
        )
