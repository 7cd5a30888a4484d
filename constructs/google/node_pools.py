"""GKE node pools built from cloud-neutral `NodePoolSpec`s, and the service account their nodes run as."""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_google.container_node_pool import (
    ContainerNodePool,
    ContainerNodePoolAutoscaling,
    ContainerNodePoolManagement,
    ContainerNodePoolNodeConfig,
    ContainerNodePoolNodeConfigGuestAccelerator,
    ContainerNodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfig,
    ContainerNodePoolNodeConfigShieldedInstanceConfig,
    ContainerNodePoolNodeConfigTaint,
    ContainerNodePoolNodeConfigWorkloadMetadataConfig,
)
from cdktf_cdktf_provider_google.project_iam_member import ProjectIamMember
from cdktf_cdktf_provider_google.service_account import ServiceAccount

from catalogue.gpu_drivers import GpuSoftwareOwners, Owner
from constructs import Construct
from spec.pools import NodePoolSpec, replaceable_name

CPU_IMAGE_TYPE = "COS_CONTAINERD"
# GKE's one role for node service accounts (logs, metrics, resource metadata, autoscaling metrics), which
# replaces the older list of four roles; plus pulling private images from Artifact Registry, which it lacks.
NODE_ROLES = ("roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader")
# Access is governed by the service account's IAM roles; the legacy scope list adds nothing but confusion.
OAUTH_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
# GKE spreads a regional pool over this many zones by default; the spec's counts are totals.
DEFAULT_ZONES_PER_REGION = 3
# GKE installs its own NVIDIA device plugin on GPU nodes unless this label switches it off.
NO_GKE_DEVICE_PLUGIN_LABEL = "gke-no-default-nvidia-gpu-device-plugin"


@dataclass(frozen=True)
class GkeGpuSoftware:
    """What a GKE GPU pool must say so that exactly the owners in catalogue/gpu_drivers.py install each part."""

    driver_version: str
    image_type: str
    secure_boot: bool
    labels: dict[str, str] = field(default_factory=dict)


def gke_gpu_software(owners: GpuSoftwareOwners) -> GkeGpuSoftware:
    if owners == GpuSoftwareOwners(Owner.CLOUD, Owner.CLOUD, Owner.CLOUD):
        # GKE's installer targets Container-Optimized OS; its driver modules are signed, so Secure Boot stays on.
        return GkeGpuSoftware(driver_version="LATEST", image_type="COS_CONTAINERD", secure_boot=True)
    if owners == GpuSoftwareOwners(Owner.GPU_OPERATOR, Owner.GPU_OPERATOR, Owner.GPU_OPERATOR):
        # The operator compiles the driver on Ubuntu nodes; Secure Boot would refuse the unsigned module.
        return GkeGpuSoftware(
            driver_version="INSTALLATION_DISABLED",
            image_type="UBUNTU_CONTAINERD",
            secure_boot=False,
            labels={NO_GKE_DEVICE_PLUGIN_LABEL: "true"},
        )
    raise ValueError(f"no GKE node pool setting provides GPU software owned as {owners}")


class GkeNodeServiceAccount(Construct):
    """A dedicated identity for nodes instead of the Compute Engine default account (project Editor)."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster_name: str, project: str) -> None:
        super().__init__(scope, construct_id)
        self.account = ServiceAccount(
            self,
            "account",
            account_id=f"{cluster_name}-nodes",
            display_name=f"GKE nodes of {cluster_name}",
            project=project,
        )
        self.bindings = [
            ProjectIamMember(
                self,
                role.removeprefix("roles/"),
                project=project,
                role=role,
                member=f"serviceAccount:{self.account.email}",
            )
            for role in NODE_ROLES
        ]


class GkeNodePool(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: NodePoolSpec,
        cluster_id: str,
        service_account: GkeNodeServiceAccount,
    ) -> None:
        super().__init__(scope, construct_id)
        software = gke_gpu_software(spec.gpu.owners) if spec.gpu else None
        accelerators = (
            [
                ContainerNodePoolNodeConfigGuestAccelerator(
                    type=spec.gpu.tier.accelerator,
                    count=spec.gpu.tier.gpu_count,
                    gpu_driver_installation_config=ContainerNodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfig(
                        gpu_driver_version=software.driver_version
                    ),
                )
            ]
            if spec.gpu and software and spec.gpu.tier.accelerator
            else None
        )
        if spec.gpu and not accelerators:
            raise ValueError(f"GKE GPU pool {spec.name!r} needs a tier with an accelerator type")
        labels = {**spec.labels, **(software.labels if software else {})}
        zone_count = len(spec.zones) if spec.zones else DEFAULT_ZONES_PER_REGION
        image_type = software.image_type if software else CPU_IMAGE_TYPE
        # What changes the nodes' hardware or GPU software owner names the pool (≤ 40 characters, GKE's limit):
        # such a change creates a new pool beside the old one instead of recreating the pool under the same name.
        self.name = replaceable_name(
            spec.name,
            spec.machine_type,
            image_type,
            [spec.gpu.tier.accelerator, spec.gpu.tier.gpu_count, software.driver_version]
            if spec.gpu and software
            else None,
            *(["spot"] if spec.spot else []),  # Spot VMs or not recreates the pool
        )
        self.node_pool = ContainerNodePool(
            self,
            "node-pool",
            name=self.name,
            cluster=cluster_id,
            # Per zone; GKE creates this many in each of the region's zones, the autoscaler then honours the totals.
            node_locations=list(spec.zones) if spec.zones else None,
            initial_node_count=-(-spec.min_nodes // zone_count),
            autoscaling=ContainerNodePoolAutoscaling(
                total_min_node_count=spec.min_nodes,
                total_max_node_count=spec.max_nodes,
                # GPUs are scarce: take capacity in whichever zone has it rather than balancing zones.
                location_policy="ANY" if spec.gpu else "BALANCED",
            ),
            management=ContainerNodePoolManagement(auto_repair=True, auto_upgrade=True),
            node_config=ContainerNodePoolNodeConfig(
                machine_type=spec.machine_type,
                image_type=image_type,
                disk_size_gb=spec.disk_gib,
                disk_type="pd-balanced",
                guest_accelerator=accelerators,
                spot=True if spec.spot else None,
                labels=labels or None,
                taint=[
                    ContainerNodePoolNodeConfigTaint(key=t.key, value=t.value, effect="NO_SCHEDULE")
                    for t in spec.taints
                ]
                or None,
                service_account=service_account.account.email,
                oauth_scopes=OAUTH_SCOPES,
                shielded_instance_config=ContainerNodePoolNodeConfigShieldedInstanceConfig(
                    enable_secure_boot=software.secure_boot if software else True,
                    enable_integrity_monitoring=True,
                ),
                # Pods see the GKE metadata server, which serves Workload Identity tokens, not the node's own.
                workload_metadata_config=ContainerNodePoolNodeConfigWorkloadMetadataConfig(mode="GKE_METADATA"),
            ),
            # The autoscaler changes the per-zone count after creation; recreating the pool for that would be wrong.
            # create_before_destroy: a replacement pool's nodes join before the old pool is drained and deleted.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True, ignore_changes=["initial_node_count"]),
            depends_on=service_account.bindings,
        )
