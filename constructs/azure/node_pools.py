"""AKS user node pools built from cloud-neutral `NodePoolSpec`s (the system pool lives in the cluster)."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.kubernetes_cluster_node_pool import (
    KubernetesClusterNodePool,
    KubernetesClusterNodePoolUpgradeSettings,
)

from catalogue.gpu_drivers import GpuSoftwareOwners, Owner
from constructs import Construct
from spec.pools import NodePoolSpec, replaceable_name

# AKS's driver switch decides who installs the driver (see catalogue/gpu_drivers.py). It is always set:
# left unset, every plan wants to recreate the pool.
GPU_DRIVER_SETTINGS: dict[Owner, str] = {Owner.CLOUD: "Install", Owner.GPU_OPERATOR: "None"}
OS_SKU = "Ubuntu"
MAX_PODS = 110  # stated explicitly: the default depends on the network plugin (30 to 250 pods per node)


def aks_gpu_driver(owners: GpuSoftwareOwners) -> str:
    if owners.toolkit != owners.driver or owners.driver not in GPU_DRIVER_SETTINGS:
        raise ValueError(f"no AKS gpu_driver setting provides GPU software owned as {owners}")
    return GPU_DRIVER_SETTINGS[owners.driver]


class AksNodePool(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: NodePoolSpec,
        cluster_id: str,
        tags: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        gpu_driver = aks_gpu_driver(spec.gpu.owners) if spec.gpu else None
        # vm_size, gpu_driver and os_sku replace an AKS pool; they name it (lowercase alphanumerics, ≤ 12 for Linux),
        # so the replacement is created beside the old pool before it goes.
        # Spot replaces a pool as well (priority, eviction policy and price force it).
        forcing = [spec.machine_type, gpu_driver, OS_SKU, *(["Spot"] if spec.spot else [])]
        self.name = replaceable_name(spec.name, *forcing, separator="")
        self.node_pool = KubernetesClusterNodePool(
            self,
            "node-pool",
            name=self.name,
            kubernetes_cluster_id=cluster_id,
            mode="User",
            vm_size=spec.machine_type,
            auto_scaling_enabled=True,
            min_count=spec.min_nodes,
            max_count=spec.max_nodes,
            node_count=spec.min_nodes,
            node_labels=spec.labels or None,
            node_taints=[f"{t.key}={t.value}:NoSchedule" for t in spec.taints] or None,
            gpu_driver=gpu_driver,
            os_sku=OS_SKU,
            max_pods=MAX_PODS,
            os_disk_size_gb=spec.disk_gib,
            # Spot pools get no surge nodes on upgrade (AKS cordons and evicts instead); Delete frees the quota of an
            # evicted VM, and -1 pays up to the on-demand price, so a VM is evicted for capacity, never for price.
            upgrade_settings=None if spec.spot else KubernetesClusterNodePoolUpgradeSettings(max_surge="10%"),
            priority="Spot" if spec.spot else None,
            eviction_policy="Delete" if spec.spot else None,
            spot_max_price=-1 if spec.spot else None,
            tags=tags,
            # The autoscaler owns the node count once nodes run; Terraform keeps only the bounds. create_before_destroy:
            # a replacement pool's nodes join before the old pool is deleted.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True, ignore_changes=["node_count"]),
        )
