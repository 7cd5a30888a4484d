"""Google: the GKE cluster stack's contents, and the apps stack's way into the cluster."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformStack
from cdktf_cdktf_provider_google.provider import GoogleProvider
from cdktf_cdktf_provider_random.provider import RandomProvider
from cdktf_cdktf_provider_time.provider import TimeProvider

from apps.inference_gateway import gateway_enabled
from apps.vllm.cache import cache_enabled
from constructs.cluster_outputs import add_cluster_outputs, resource_tags
from constructs.connection import ClusterConnection
from constructs.google.cluster import GkeCluster
from constructs.google.cluster_access import GkeClusterAccess
from constructs.google.encryption import GkeSecretsKey
from constructs.google.network import GkeNetwork
from constructs.google.node_pools import GkeNodePool, GkeNodeServiceAccount
from constructs.google.project import project_ids
from constructs.google.project_services import GoogleApis
from spec.environment import Environment
from spec.pools import node_pools

NODES_CIDR = "10.0.0.0/20"
PODS_CIDR = "10.4.0.0/14"
SERVICES_CIDR = "10.8.0.0/20"


def _provider(stack: TerraformStack, environment: Environment) -> None:
    GoogleProvider(
        stack,
        "google",
        project=environment.project,  # unset: the provider's default (GOOGLE_PROJECT or gcloud config)
        region=environment.resolved_region,
        # underscore, not hyphen: CDKTF rewrites provider map keys to snake case anyway
        default_labels=resource_tags(environment, separator="_"),
    )


@dataclass(frozen=True)
class GkeClusterParts:
    """What the apps' Google parts (apps/<app>/google.py) build on in the cluster stack."""

    project: str
    project_number: str
    network: GkeNetwork
    cluster: GkeCluster


def compose_cluster(stack: TerraformStack, environment: Environment) -> GkeClusterParts:
    _provider(stack, environment)
    RandomProvider(stack, "random")  # name suffixes that are unique per creation
    TimeProvider(stack, "time")  # bounded waits for API enablement and IAM propagation
    name, region = environment.name, environment.resolved_region
    project, project_number = project_ids(stack, environment)
    apis = GoogleApis(stack, "apis", project=project)
    network = GkeNetwork(
        stack,
        "network",
        cluster_name=name,
        region=region,
        nodes_cidr=NODES_CIDR,
        pods_cidr=PODS_CIDR,
        services_cidr=SERVICES_CIDR,
    )
    secrets_key = GkeSecretsKey(stack, "secrets-key", cluster_name=name, region=region, project_number=project_number)
    service_account = GkeNodeServiceAccount(stack, "node-service-account", cluster_name=name, project=project)
    cluster = GkeCluster(
        stack,
        "cluster",
        cluster_name=name,
        region=region,
        kubernetes_version=environment.version,
        network=network,
        public_access_cidrs=environment.endpoint_access.public_access_cidrs,
        workload_pool=f"{project}.svc.id.goog",
        secrets_key=secrets_key,
        node_service_account=service_account,
        storage_fuse=cache_enabled(environment),
        gateway_api=gateway_enabled(environment),
    )
    for spec in node_pools(environment):
        GkeNodePool(
            stack,
            f"{spec.name}-pool",
            spec=spec,
            cluster_id=cluster.cluster.id,
            service_account=service_account,
        )
    project_flag = f" --project {environment.project}" if environment.project else ""
    add_cluster_outputs(
        stack,
        environment=environment,
        kubernetes_version=cluster.cluster.master_version,
        cluster_name=cluster.cluster.name,
        endpoint=cluster.cluster.control_plane_endpoints_config.dns_endpoint_config.endpoint,
        # --dns-endpoint: the same way in as the apps stack, so kubectl works from outside the VPC too.
        kubeconfig_command=(
            f"gcloud container clusters get-credentials {name} --region {region}{project_flag} --dns-endpoint"
        ),
    )
    apis.required_by(stack)
    return GkeClusterParts(project=project, project_number=project_number, network=network, cluster=cluster)


def cluster_access(stack: TerraformStack, environment: Environment) -> ClusterConnection:
    _provider(stack, environment)
    return GkeClusterAccess(
        stack, "cluster-access", cluster_name=environment.name, region=environment.resolved_region
    ).connection
