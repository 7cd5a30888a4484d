"""The GKE control plane: a regional, VPC-native cluster with private nodes, Workload Identity, encrypted secrets."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_google.container_cluster import (
    ContainerCluster,
    ContainerClusterAddonsConfig,
    ContainerClusterAddonsConfigGcsFuseCsiDriverConfig,
    ContainerClusterClusterAutoscaling,
    ContainerClusterControlPlaneEndpointsConfig,
    ContainerClusterControlPlaneEndpointsConfigDnsEndpointConfig,
    ContainerClusterDatabaseEncryption,
    ContainerClusterGatewayApiConfig,
    ContainerClusterIpAllocationPolicy,
    ContainerClusterLoggingConfig,
    ContainerClusterMasterAuth,
    ContainerClusterMasterAuthClientCertificateConfig,
    ContainerClusterMasterAuthorizedNetworksConfig,
    ContainerClusterMasterAuthorizedNetworksConfigCidrBlocks,
    ContainerClusterMonitoringConfig,
    ContainerClusterMonitoringConfigManagedPrometheus,
    ContainerClusterNodeConfig,
    ContainerClusterNodeConfigShieldedInstanceConfig,
    ContainerClusterNodeConfigWorkloadMetadataConfig,
    ContainerClusterPrivateClusterConfig,
    ContainerClusterReleaseChannel,
    ContainerClusterWorkloadIdentityConfig,
)

from constructs import Construct
from constructs.google.encryption import GkeSecretsKey
from constructs.google.network import GkeNetwork
from constructs.google.node_pools import OAUTH_SCOPES, GkeNodeServiceAccount

RELEASE_CHANNEL = "REGULAR"
# GKE's autoscaler has no per-pool idle time: the balanced profile removes a node unneeded for about 10 minutes
# (the upstream default); OPTIMIZE_UTILIZATION is faster but unbounded in its docs and meant for batch work.
AUTOSCALING_PROFILE = "BALANCED"
# The control plane's private range (a /28 GKE peers into the VPC); must not overlap the subnetwork's ranges.
MASTER_CIDR = "172.16.0.0/28"
# Control-plane and workload logs to Cloud Logging; API audit logs (Admin Activity) are always on in GCP.
LOGGING_COMPONENTS = ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "WORKLOADS"]


class GkeCluster(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        region: str,
        kubernetes_version: str,
        network: GkeNetwork,
        public_access_cidrs: list[str],
        workload_pool: str,
        secrets_key: GkeSecretsKey,
        node_service_account: GkeNodeServiceAccount,
        storage_fuse: bool = False,
        gateway_api: bool = False,
    ) -> None:
        """`storage_fuse`: GKE's Cloud Storage FUSE CSI driver, for buckets mounted as volumes (an in-place change).
        `gateway_api`: GKE's Gateway API controller and its standard CRDs, InferencePool's among them."""
        super().__init__(scope, construct_id)
        self.cluster = ContainerCluster(
            self,
            "cluster",
            name=cluster_name,
            location=region,  # a region, not a zone: the control plane is replicated over the region's zones
            # Node pools are separate resources; the default pool GKE insists on is created and removed at once.
            remove_default_node_pool=True,
            initial_node_count=1,
            # That short-lived pool runs as our node account too, never as the Compute Engine default account
            # (project Editor, and often forbidden by organisation policy).
            node_config=ContainerClusterNodeConfig(
                service_account=node_service_account.account.email,
                oauth_scopes=OAUTH_SCOPES,
                shielded_instance_config=ContainerClusterNodeConfigShieldedInstanceConfig(
                    enable_secure_boot=True, enable_integrity_monitoring=True
                ),
                workload_metadata_config=ContainerClusterNodeConfigWorkloadMetadataConfig(mode="GKE_METADATA"),
            ),
            deletion_protection=False,  # destroy must work from Terraform; the state is the protection
            # A minor version ("1.36"): the channel picks the patch and upgrades within it.
            min_master_version=kubernetes_version,
            release_channel=ContainerClusterReleaseChannel(channel=RELEASE_CHANNEL),
            network=network.network.id,
            subnetwork=network.subnetwork.id,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy=ContainerClusterIpAllocationPolicy(
                cluster_secondary_range_name=network.pods_range_name,
                services_secondary_range_name=network.services_range_name,
            ),
            # Dataplane V2 enforces NetworkPolicy without a separate Calico add-on.
            datapath_provider="ADVANCED_DATAPATH",
            # Pod-to-pod traffic on one node passes the VPC too, so flow logs and firewall rules see it.
            enable_intranode_visibility=True,
            # Static client certificates never expire; access goes through IAM tokens only.
            master_auth=ContainerClusterMasterAuth(
                client_certificate_config=ContainerClusterMasterAuthClientCertificateConfig(
                    issue_client_certificate=False
                )
            ),
            private_cluster_config=ContainerClusterPrivateClusterConfig(
                enable_private_nodes=True,
                # No CIDR given means no public endpoint, as on EKS; the API is then reachable from the VPC only.
                enable_private_endpoint=not public_access_cidrs,
                master_ipv4_cidr_block=MASTER_CIDR,
            ),
            # The DNS endpoint: reachable from anywhere (Terraform Cloud included), authorised by IAM
            # (container.clusters.connect) before Kubernetes RBAC; the apps stack connects through it.
            control_plane_endpoints_config=ContainerClusterControlPlaneEndpointsConfig(
                dns_endpoint_config=ContainerClusterControlPlaneEndpointsConfigDnsEndpointConfig(
                    allow_external_traffic=True
                )
            ),
            master_authorized_networks_config=ContainerClusterMasterAuthorizedNetworksConfig(
                cidr_blocks=[
                    ContainerClusterMasterAuthorizedNetworksConfigCidrBlocks(cidr_block=cidr, display_name=cidr)
                    for cidr in public_access_cidrs
                ],
                gcp_public_cidrs_access_enabled=False,
            ),
            workload_identity_config=ContainerClusterWorkloadIdentityConfig(workload_pool=workload_pool),
            enable_shielded_nodes=True,
            # Secrets in etcd are envelope-encrypted with our key, as on EKS; GKE's agent must hold the role first.
            database_encryption=ContainerClusterDatabaseEncryption(state="ENCRYPTED", key_name=secrets_key.key.id),
            logging_config=ContainerClusterLoggingConfig(enable_components=LOGGING_COMPONENTS),
            monitoring_config=ContainerClusterMonitoringConfig(
                enable_components=["SYSTEM_COMPONENTS"],
                # Managed Prometheus runs collectors on every node; nothing here scrapes with it, so it stays off.
                managed_prometheus=ContainerClusterMonitoringConfigManagedPrometheus(enabled=False),
            ),
            # Node pools scale within their own bounds; node auto-provisioning (new pools) stays off.
            cluster_autoscaling=ContainerClusterClusterAutoscaling(
                enabled=False, autoscaling_profile=AUTOSCALING_PROFILE
            ),
            addons_config=ContainerClusterAddonsConfig(
                gcs_fuse_csi_driver_config=ContainerClusterAddonsConfigGcsFuseCsiDriverConfig(enabled=True)
            )
            if storage_fuse
            else None,
            gateway_api_config=ContainerClusterGatewayApiConfig(channel="CHANNEL_STANDARD") if gateway_api else None,
            resource_labels={"cluster": cluster_name},
            # node_config describes only the removed default pool; a change there would replace the cluster.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["node_config"]),
            depends_on=[secrets_key.ready, *node_service_account.bindings],
        )
