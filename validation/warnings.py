"""Combinations that synthesise but may not fully work; each becomes a CDKTF warning on its stack."""

from __future__ import annotations

from datetime import date

from apps.vllm.cache import cache_warnings
from apps.vllm.memory import memory_notes
from apps.vllm.serving import serving_warnings
from capacity.plan import capacity_warnings
from catalogue.addresses import documentation_cidrs
from catalogue.gpu_drivers import gpu_software_owners
from catalogue.kubernetes_versions import support_warning
from catalogue.node_sizes import Cloud
from spec.apps import ARGOCD_REFERENCE_REPO_URL
from spec.environment import Environment
from spec.pools import node_pools

# The network a private API endpoint lives in, per cloud whose apps stack can only use that endpoint.
PRIVATE_NETWORK = {Cloud.AWS: "VPC", Cloud.AZURE: "cluster's VNet"}


def cluster_warnings(environment: Environment, *, today: date) -> list[str]:
    warnings = []
    for pool in node_pools(environment):
        if environment.cloud is Cloud.GOOGLE and pool.zones is None and pool.gpu:
            warnings.append(
                f"{pool.role}: no known zones offer {pool.gpu.tier.accelerator} in {environment.resolved_region}; "
                "GKE spreads the pool over the region's default zones and refuses it if one lacks the GPU: "
                f"set {pool.fields.zones}"
            )
    version = support_warning(environment.cloud, environment.version, today=today)
    if version:
        warnings.append(version)
    warnings += capacity_warnings(environment)
    placeholder = placeholder_cidr_warning(environment)
    if placeholder:
        warnings.append(placeholder)
    if environment.cloud is Cloud.GOOGLE and environment.project is None:
        warnings.append(
            "project is not set: both stacks use the provider's default project, so GOOGLE_PROJECT "
            "(or gcloud's core/project) must name it on every run"
        )
    if environment.cloud is Cloud.AZURE and environment.subscription_id is None:
        warnings.append(
            "subscriptionId is not set: azurerm 4 needs ARM_SUBSCRIPTION_ID on every run of both stacks "
            "(plan fails without it)"
        )
    return warnings


def placeholder_cidr_warning(environment: Environment) -> str | None:
    """A documentation range in publicAccessCidrs: the examples' placeholder, which `make deploy` refuses."""
    placeholders = documentation_cidrs(environment.endpoint_access.public_access_cidrs)
    if not placeholders:
        return None
    return (
        f"endpointAccess.publicAccessCidrs: {', '.join(placeholders)} is a documentation range (RFC 5737), a "
        "placeholder: put your egress address here (e.g. the address https://checkip.amazonaws.com shows, as "
        "<address>/32); make deploy refuses to build a cluster the apps stack could not reach"
    )


def unreachable_api_warning(environment: Environment) -> str | None:
    """Why the apps stack cannot reach the cluster from outside its network, or None when it can."""
    network = PRIVATE_NETWORK.get(environment.cloud)  # GKE: the DNS endpoint is reachable from anywhere
    access = environment.endpoint_access
    if network is None or access.public_access_cidrs or access.deploy_from == "inside-network":
        return None
    return (
        f"endpointAccess: the API endpoint is private and no publicAccessCidrs are listed, so the apps stack "
        f"(Helm) and kubectl work only from inside the {network}; either list the runner's addresses in "
        "endpointAccess.publicAccessCidrs, or run from inside the network (VPN, peered network, a Terraform "
        "Cloud agent) and say so with endpointAccess.deployFrom: inside-network"
    )


def apps_infos(environment: Environment) -> list[str]:
    """What synth decided on the user's behalf and the user may want to know; nothing to fix."""
    apps = environment.apps
    infos = []
    if apps.vllm.enabled and not apps.nvidia.enabled:
        owners = gpu_software_owners(environment.cloud, gpu_operator=False)
        infos.append(
            "apps.vllm.enabled without apps.nvidia.enabled: there is no 'nvidia' RuntimeClass, so serving "
            'engines name none (runtimeClassName is set to ""); GPU driver from '
            f"{owners.driver}, device plugin from {owners.device_plugin}"
        )
    _, unchecked = memory_notes(environment)
    return [*infos, *unchecked]


def apps_warnings(environment: Environment) -> list[str]:
    apps, gpu = environment.apps, environment.gpu
    unreachable = unreachable_api_warning(environment)
    warnings = [unreachable] if unreachable else []
    if apps.vllm.enabled and not gpu.enabled:
        warnings.append(
            "apps.vllm.enabled without gpu.enabled: the vLLM router installs, but there is no GPU node "
            "for a serving engine to run on"
        )
    if apps.nvidia.enabled and not gpu.enabled:
        warnings.append("apps.nvidia.enabled without gpu.enabled: the GPU Operator installs but finds no GPU node")
    if apps.openfunction.enabled:
        warnings.append(
            "apps.openfunction.enabled: OpenFunction is not installed. Upstream is unmaintained since 2023 (last "
            "release v1.2.0) and its bundled Contour subchart pulls Bitnami images that were withdrawn, so its "
            "release would fail and roll back; use Knative Serving, or Dapr (apps.dapr) with your own functions runtime"
        )
    if apps.dapr.enabled and apps.openfunction.enabled:
        warnings.append(
            "apps.dapr.enabled with apps.openfunction.enabled: dot-kubernetes warns not to combine them (OpenFunction "
            "bundles its own Dapr); only apps.dapr is installed here"
        )
    if apps.argocd.enabled and apps.argocd.repo_url == ARGOCD_REFERENCE_REPO_URL:
        warnings.append(
            f"apps.argocd.repoURL is dot-kubernetes' placeholder ({ARGOCD_REFERENCE_REPO_URL}): the Application "
            "'apps' syncs nothing until it names your repository"
        )
    return warnings + serving_warnings(environment) + cache_warnings(environment) + memory_notes(environment)[0]
