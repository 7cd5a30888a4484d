"""How the apps stack reaches a GKE cluster: data sources by cluster name, no gcloud exec plugin."""

from __future__ import annotations

from cdktf_cdktf_provider_google.data_google_client_config import DataGoogleClientConfig
from cdktf_cdktf_provider_google.data_google_container_cluster import DataGoogleContainerCluster

from constructs import Construct
from constructs.connection import ClusterConnection


class GkeClusterAccess(Construct):
    """Looks the cluster up by name so the apps stack runs anywhere Terraform runs (Terraform Cloud too)."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster_name: str, region: str) -> None:
        super().__init__(scope, construct_id)
        cluster = DataGoogleContainerCluster(self, "cluster", name=cluster_name, location=region)
        # The provider's own OAuth access token (about an hour), read at plan/apply time and never stored in code.
        client = DataGoogleClientConfig(self, "client")
        # The DNS endpoint, not the private IP one: reachable from any runner, authorised by IAM first. It serves
        # a publicly trusted certificate, not one signed by the cluster CA, so no CA is given.
        dns_endpoint = cluster.control_plane_endpoints_config.get(0).dns_endpoint_config.get(0).endpoint
        self.connection = ClusterConnection(host=f"https://{dns_endpoint}", token=client.access_token)
