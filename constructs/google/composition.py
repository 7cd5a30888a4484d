"""Google: composes the GKE cluster stack and the apps stack's way into the cluster."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_google.data_google_project import DataGoogleProject
from cdktf_cdktf_provider_google.provider import GoogleProvider
from cdktf_cdktf_provider_random.provider import RandomProvider
from cdktf_cdktf_provider_time.provider import TimeProvider

from apps.external_secrets import SERVICE_ACCOUNT, secret_names, store_enabled
from apps.external_secrets.install import (
    GcpAuth,
    GcpsmProvider,
    GcpWorkloadIdentity,
    SecretStoreAccess,
    ServiceAccountRef,
    StoreProvider,
)
from constructs.cluster_outputs import add_cluster_outputs, resource_tags
from constructs.connection import ClusterConnection
from constructs.google.cluster import GkeCluster
from constructs.google.cluster_access import GkeClusterAccess
from constructs.google.encryption import GkeSecretsKey
from constructs.google.network import GkeNetwork
from constructs.google.node_pools import GkeNodePool, GkeNodeServiceAccount
from constructs.google.project_services import GoogleApis
from constructs.google.workload_identity import GkeWorkloadIdentity
from constructs.helm.kubernetes_objects import ResourceQuota
from constructs.helm.release import PinnedHelmRelease
from spec.environment import Environment
from spec.pools import gpu_pool, system_pool

NODES_CIDR = "10.0.0.0/20"
PODS_CIDR = "10.4.0.0/14"
SERVICES_CIDR = "10.8.0.0/20"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"  # reads secret versions; cannot list, change or delete
# GKE admits pods of these priority classes outside kube-system only where a quota names them.
CRITICAL_PRIORITY_CLASSES = ["system-node-critical", "system-cluster-critical"]


def _provider(stack: TerraformStack, environment: Environment) -> None:
    GoogleProvider(
        stack,
        "google",
        project=environment.project,  # unset: the provider's default (GOOGLE_PROJECT or gcloud config)
        region=environment.resolved_region,
        # underscore, not hyphen: CDKTF rewrites provider map keys to snake case anyway
        default_labels=resource_tags(environment, separator="_"),
    )


def _project(stack: TerraformStack, environment: Environment) -> tuple[str, str]:
    """(project ID, project number): IAM bindings and the Workload Identity pool need them even when unset."""
    project = DataGoogleProject(stack, "project", project_id=environment.project)
    return environment.project or project.project_id, project.number


def compose_cluster(stack: TerraformStack, environment: Environment) -> None:
    _provider(stack, environment)
    RandomProvider(stack, "random")  # name suffixes that are unique per creation
    TimeProvider(stack, "time")  # bounded waits for API enablement and IAM propagation
    name, region = environment.name, environment.resolved_region
    project, project_number = _project(stack, environment)
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
    )
    for spec in filter(None, [system_pool(environment), gpu_pool(environment)]):
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
    if store_enabled(environment):
        _external_secrets_identity(stack, environment, project=project, project_number=project_number, cluster=cluster)


def _external_secrets_identity(
    stack: TerraformStack,
    environment: Environment,
    *,
    project: str,
    project_number: str,
    cluster: GkeCluster,
) -> None:
    """ESO's service account as a principal: reads exactly the secrets the environment names."""
    identity = GkeWorkloadIdentity(
        stack,
        "external-secrets-identity",
        project=project,
        project_number=project_number,
        # Read from the cluster, so the grants wait for it: the project's pool exists once such a cluster does.
        workload_pool=cluster.cluster.workload_identity_config.workload_pool,
        service_account=SERVICE_ACCOUNT,
        role=SECRET_ACCESSOR,
        secrets=secret_names(environment),
    )
    TerraformOutput(stack, "external_secrets_identity", value=identity.principal)


def cluster_access(stack: TerraformStack, environment: Environment) -> ClusterConnection:
    _provider(stack, environment)
    return GkeClusterAccess(
        stack, "cluster-access", cluster_name=environment.name, region=environment.resolved_region
    ).connection


def node_autoscaler(stack: TerraformStack, environment: Environment) -> PinnedHelmRelease | None:
    return None  # GKE runs the autoscaler in its control plane


def gpu_operator_extra_objects() -> list[ResourceQuota] | None:
    # The operator's daemonsets run at system-node-critical in the gpu-operator namespace; without this
    # quota GKE refuses to create them there.
    return [ResourceQuota.for_priority_classes("gpu-operator-quota", CRITICAL_PRIORITY_CLASSES, max_pods=100)]


def external_secrets_store(stack: TerraformStack, environment: Environment) -> SecretStoreAccess:
    project, _ = _project(stack, environment)
    identity = GcpWorkloadIdentity(
        service_account_ref=ServiceAccountRef.to(SERVICE_ACCOUNT),
        cluster_name=environment.name,
        cluster_location=environment.resolved_region,
        cluster_project_id=project,
    )
    return SecretStoreAccess(
        provider=StoreProvider(gcpsm=GcpsmProvider(project_id=project, auth=GcpAuth(workload_identity=identity))),
        # The grants name the service account's own principal, so no iam.gke.io/gcp-service-account is needed.
        service_account_annotations={},
    )
