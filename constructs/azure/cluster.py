"""The AKS cluster: control plane plus the system pool (AKS's default node pool), Workload Identity, KMS."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.kubernetes_cluster import (
    KubernetesCluster,
    KubernetesClusterApiServerAccessProfile,
    KubernetesClusterAutoScalerProfile,
    KubernetesClusterDefaultNodePool,
    KubernetesClusterDefaultNodePoolUpgradeSettings,
    KubernetesClusterIdentity,
    KubernetesClusterKeyManagementService,
    KubernetesClusterNetworkProfile,
)

from constructs import Construct
from constructs.azure.encryption import AksSecretsKey
from constructs.azure.node_pools import MAX_PODS, OS_SKU
from spec.pools import NodePoolSpec

# AKS treats an empty list as "no restriction"; a world-open range means the same, so it is left out.
EVERYWHERE = "0.0.0.0/0"
POD_CIDR = "10.244.0.0/16"  # overlay: pod IPs never consume VNet addresses
SERVICE_CIDR = "10.2.0.0/16"
DNS_SERVICE_IP = "10.2.0.10"


class AksCluster(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        location: str,
        resource_group_name: str,
        kubernetes_version: str,
        system_pool: NodePoolSpec,
        public_access_cidrs: list[str],
        secrets_key: AksSecretsKey,
        scale_down_after_minutes: int,
        tags: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        authorized = [cidr for cidr in public_access_cidrs if cidr != EVERYWHERE]
        open_to_all = EVERYWHERE in public_access_cidrs
        self.cluster = KubernetesCluster(
            self,
            "cluster",
            name=cluster_name,
            location=location,
            resource_group_name=resource_group_name,
            dns_prefix=cluster_name,
            # A minor version ("1.36"): AKS picks the patch, and the patch channel keeps it current.
            kubernetes_version=kubernetes_version,
            automatic_upgrade_channel="patch",
            node_os_upgrade_channel="NodeImage",
            identity=KubernetesClusterIdentity(type="UserAssigned", identity_ids=[secrets_key.identity.id]),
            # Etcd secrets envelope-encrypted with our key, as on EKS; a private vault would need API VNet Integration.
            key_management_service=KubernetesClusterKeyManagementService(
                key_vault_key_id=secrets_key.key.id, key_vault_network_access="Public"
            ),
            oidc_issuer_enabled=True,
            workload_identity_enabled=True,
            role_based_access_control_enabled=True,
            # Free add-on; lets Azure Policy audit the cluster (no policy is assigned here, so nothing is denied).
            azure_policy_enabled=True,
            # No CIDR given means no public endpoint, as on EKS; the API is then reachable from the VNet only.
            private_cluster_enabled=not public_access_cidrs,
            api_server_access_profile=(
                KubernetesClusterApiServerAccessProfile(authorized_ip_ranges=authorized)
                if authorized and not open_to_all
                else None
            ),
            network_profile=KubernetesClusterNetworkProfile(
                network_plugin="azure",
                network_plugin_mode="overlay",
                # Cilium enforces NetworkPolicy in the dataplane; the Azure policy manager is being retired.
                network_data_plane="cilium",
                network_policy="cilium",
                pod_cidr=POD_CIDR,
                service_cidr=SERVICE_CIDR,
                dns_service_ip=DNS_SERVICE_IP,
                load_balancer_sku="standard",
            ),
            default_node_pool=KubernetesClusterDefaultNodePool(
                name=system_pool.name,
                vm_size=system_pool.machine_type,
                auto_scaling_enabled=True,
                min_count=system_pool.min_nodes,
                max_count=system_pool.max_nodes,
                node_count=system_pool.min_nodes,
                node_labels=system_pool.labels or None,
                os_sku=OS_SKU,
                max_pods=MAX_PODS,
                os_disk_size_gb=system_pool.disk_gib,
                # Lets a vm_size change rotate the pool through a temporary one instead of replacing the cluster.
                temporary_name_for_rotation=f"{system_pool.name}tmp",
                upgrade_settings=KubernetesClusterDefaultNodePoolUpgradeSettings(max_surge="10%"),
                tags=tags,
            ),
            # AKS's autoscaler settings are cluster-wide: the GPU pool's idle time applies to the system pool too.
            auto_scaler_profile=KubernetesClusterAutoScalerProfile(
                scale_down_unneeded=f"{scale_down_after_minutes}m",
                # vLLM engines mount an emptyDir for shared memory; as on EKS, that must not pin a node forever
                skip_nodes_with_local_storage=False,
            ),
            tags=tags,
            # The autoscaler owns the node count once nodes run; Terraform keeps only the bounds.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["default_node_pool[0].node_count"]),
            # The KMS plugin checks the key when the control plane starts; the identity must hold its role first.
            depends_on=[secrets_key.identity_can_use_key],
        )
