"""AKS user node pools built from cloud-neutral `NodePoolSpec`s (the system pool lives in the cluster)."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.kubernetes_cluster_node_pool import (
    KubernetesClusterNodePool,
    KubernetesClusterNodePoolUpgradeSettings,
)

from config.gpu_drivers import GpuSoftwareOwners, Owner
from config.node_pools import NodePoolSpec
from constructs import Construct

# AKS's driver switch decides who installs the driver (see config/gpu_drivers.py). It is always set:
# left unset, every plan wants to recreate the pool.
GPU_DRIVER_SETTINGS: dict[Owner, str] = {Owner.CLOUD: "Install", Owner.GPU_OPERATOR: "None"}
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
        self.node_pool = KubernetesClusterNodePool(
            self,
            "node-pool",
            name=spec.name,
            kubernetes_cluster_id=cluster_id,
            mode="User",
            vm_size=spec.machine_type,
            auto_scaling_enabled=True,
            min_count=spec.min_nodes,
            max_count=spec.max_nodes,
            node_count=spec.min_nodes,
            node_labels=spec.labels or None,
            node_taints=[f"{t.key}={t.value}:NoSchedule" for t in spec.taints] or None,
            gpu_driver=aks_gpu_driver(spec.gpu.owners) if spec.gpu else None,
            os_sku="Ubuntu",
            max_pods=MAX_PODS,
            os_disk_size_gb=spec.disk_gib,
            upgrade_settings=KubernetesClusterNodePoolUpgradeSettings(max_surge="10%"),
            tags=tags,
            # The autoscaler owns the node count once nodes run; Terraform keeps only the bounds.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["node_count"]),
        )
