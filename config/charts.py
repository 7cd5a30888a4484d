"""Chart pins: the one place to bump a Helm chart (renovate.json finds the versions here)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartPin:
    release: str
    chart: str
    repository: str
    version: str
    namespace: str
    timeout_seconds: int


GPU_OPERATOR = ChartPin(
    release="gpu-operator",
    chart="gpu-operator",
    repository="https://helm.ngc.nvidia.com/nvidia",
    version="v26.7.0",
    namespace="gpu-operator",
    timeout_seconds=900,  # NFD + validator daemonsets on fresh GPU nodes take minutes
)

VLLM_STACK = ChartPin(
    release="vllm-stack",
    chart="vllm-stack",
    repository="https://vllm-project.github.io/production-stack",
    version="0.1.12",
    namespace="vllm",
    timeout_seconds=600,
)
# The chart defaults the router image to "latest" with pull policy Always; pin the tag published with it.
VLLM_ROUTER_IMAGE_TAG = "v0.1.12"

NVIDIA_DEVICE_PLUGIN = ChartPin(
    release="nvidia-device-plugin",
    chart="nvidia-device-plugin",
    repository="https://nvidia.github.io/k8s-device-plugin",
    version="0.18.2",
    namespace="nvidia-device-plugin",
    timeout_seconds=300,
)

EXTERNAL_SECRETS = ChartPin(
    release="external-secrets",
    chart="external-secrets",
    repository="https://charts.external-secrets.io",
    version="2.9.0",
    namespace="external-secrets",
    # Three deployments; the cert-controller turns ready only once the webhook serves with its CA injected.
    # Installs have overrun 5 minutes (department-of-veterans-affairs/va.gov-team#110314 needed 7).
    timeout_seconds=600,
)
