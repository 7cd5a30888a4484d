"""How the apps stack reaches an AKS cluster: a data source by name, no kubelogin exec plugin."""

from __future__ import annotations

from cdktf import Fn
from cdktf_cdktf_provider_azurerm.data_azurerm_kubernetes_cluster import DataAzurermKubernetesCluster

from constructs import Construct
from constructs.connection import ClusterConnection


class AksClusterAccess(Construct):
    """Looks the cluster up by name so the apps stack runs anywhere Terraform runs (Terraform Cloud too)."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster_name: str, resource_group_name: str) -> None:
        super().__init__(scope, construct_id)
        cluster = DataAzurermKubernetesCluster(
            self, "cluster", name=cluster_name, resource_group_name=resource_group_name
        )
        # The cluster's client certificate, read at plan/apply time; kube_config values are base64 PEM.
        kube_config = cluster.kube_config.get(0)
        self.connection = ClusterConnection(
            host=kube_config.host,
            client_certificate=Fn.base64decode(kube_config.client_certificate),
            client_key=Fn.base64decode(kube_config.client_key),
            cluster_ca_certificate=Fn.base64decode(kube_config.cluster_ca_certificate),
        )
