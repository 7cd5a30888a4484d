"""Combinations that synthesise but may not fully work; each becomes a CDKTF warning on its stack."""

from __future__ import annotations

from config.catalogue import Cloud
from config.gpu_drivers import gpu_software_owners
from config.model import Environment
from config.node_pools import gpu_pool
from config.serving import serving_warnings


def cluster_warnings(environment: Environment) -> list[str]:
    pool = gpu_pool(environment)
    if environment.cloud is Cloud.GOOGLE and pool is not None and pool.zones is None and pool.gpu:
        return [
            f"gpu: no known zones offer {pool.gpu.tier.accelerator} in {environment.resolved_region}; GKE spreads "
            "the pool over the region's default zones and refuses it if one lacks the GPU: set gpu.zones"
        ]
    return []


def apps_warnings(environment: Environment) -> list[str]:
    apps, gpu = environment.apps, environment.gpu
    warnings = []
    if apps.vllm.enabled and not gpu.enabled:
        warnings.append(
            "apps.vllm.enabled without gpu.enabled: the vLLM router installs, but there is no GPU node "
            "for a serving engine to run on"
        )
    if apps.vllm.enabled and not apps.nvidia.enabled:
        owners = gpu_software_owners(environment.cloud, gpu_operator=False)
        warnings.append(
            "apps.vllm.enabled without apps.nvidia.enabled: there is no 'nvidia' RuntimeClass, so serving "
            'engines must not name one (runtimeClassName is set to ""); GPU driver from '
            f"{owners.driver}, device plugin from {owners.device_plugin}"
        )
    if apps.nvidia.enabled and not gpu.enabled:
        warnings.append("apps.nvidia.enabled without gpu.enabled: the GPU Operator installs but finds no GPU node")
    return warnings + serving_warnings(environment)
