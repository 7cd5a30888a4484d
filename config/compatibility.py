"""Combinations that synthesise but will not fully work; each becomes a CDKTF warning on the apps stack."""

from __future__ import annotations

from config.gpu_drivers import gpu_software_owners
from config.model import Environment


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
    return warnings
