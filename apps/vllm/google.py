"""vLLM on Google. The model cache: a bucket (cluster stack) mounted through GKE's Cloud Storage FUSE driver.
Streamed weights: per streamed model the engine's Kubernetes service account, as its own Workload
Identity principal, may read that model's folder of its Cloud Storage bucket and nothing else.

A conditional binding: Cloud Storage accepts IAM conditions on a bucket with uniform bucket-level access only, so
the bucket must have it (the apply fails on one without).
"""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_google.storage_bucket import StorageBucket
from cdktf_cdktf_provider_google.storage_bucket_iam_member import (
    StorageBucketIamMember,
    StorageBucketIamMemberCondition,
)

from apps.vllm.cache import CACHE_GID, CACHE_UID, READER, WRITER, CacheVolume, bucket_name, cache_enabled
from apps.vllm.weights import EngineAccess, Weights, service_account, streamed_models, weights_of
from constructs.google.composition import GkeClusterParts
from constructs.google.project import project_ids
from constructs.google.workload_identity import workload_principal
from spec.apps import VllmModelSpec
from spec.environment import Environment

# storage.objects.get and storage.objects.list (and the folder reads): nothing that writes, deletes or sets IAM.
OBJECT_VIEWER = "roles/storage.objectViewer"
# Create, read, overwrite and delete objects: the download writes and replaces files; no bucket or IAM change.
OBJECT_USER = "roles/storage.objectUser"
# For a list request, the prefix it asks for (IAM Conditions' API attributes for Cloud Storage); a list is checked
# against the bucket, whose resource.name holds no object name, so only this attribute can bound it.
LIST_PREFIX = 'api.getAttribute("storage.googleapis.com/objectListPrefix", "")'
TITLE_MAX_LENGTH = 100


def weights_condition(weights: Weights) -> str:
    """Reads of the folder's objects, and lists of the folder itself (with or without its '/') or below it."""
    objects = f"projects/_/buckets/{weights.bucket}/objects/{weights.objects}"
    return (
        f'resource.name.startsWith("{objects}") || {LIST_PREFIX} == "{weights.folder}" || '
        f'{LIST_PREFIX}.startsWith("{weights.objects}")'
    )


def cluster_grants(stack: TerraformStack, environment: Environment, cluster: GkeClusterParts) -> None:
    if cache_enabled(environment):
        cache_bucket(stack, environment, cluster)
    models = streamed_models(environment)
    if not models:
        return
    principals = {}
    for model in models:
        weights = weights_of(model)
        principal = workload_principal(
            project_number=cluster.project_number,
            # Read from the cluster, so the binding waits for it: the project's pool exists once such a cluster does.
            workload_pool=cluster.cluster.cluster.workload_identity_config.workload_pool,
            service_account=service_account(model),
        )
        StorageBucketIamMember(
            stack,
            f"vllm-weights-{model.name}",
            bucket=weights.bucket,
            role=OBJECT_VIEWER,
            member=principal,
            condition=StorageBucketIamMemberCondition(
                title=f"vllm weights of {model.name}"[:TITLE_MAX_LENGTH],
                description=f"Model {model.name} of {environment.name} reads {weights.streamer_uri} only",
                expression=weights_condition(weights),
            ),
        )
        principals[model.name] = principal
    TerraformOutput(stack, "vllm_weights_identities", value=principals)


def engine_access(stack: TerraformStack, environment: Environment, model: VllmModelSpec) -> EngineAccess:
    """The binding names the service account's own principal: no iam.gke.io/gcp-service-account annotation, and
    the streamer's Cloud Storage client gets its token from the GKE metadata server (GKE_METADATA on every pool)."""
    return EngineAccess(service_account_annotations={})


def cache_bucket(stack: TerraformStack, environment: Environment, cluster: GkeClusterParts) -> None:
    """The model cache's bucket, in the cluster's region; the download Job's service account its only writer, the
    engines' its readers (each its own Workload Identity principal, bound on this bucket only)."""
    bucket = StorageBucket(
        stack,
        "vllm-model-cache",
        name=bucket_name(cluster.project, environment),
        location=environment.resolved_region,
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        # Weights can be downloaded again; a bucket that still holds them must not block `make destroy`.
        force_destroy=True,
    )
    for account, role in ((WRITER, OBJECT_USER), (READER, OBJECT_VIEWER)):
        StorageBucketIamMember(
            stack,
            f"vllm-model-cache-{account.name}",
            bucket=bucket.name,
            role=role,
            member=workload_principal(
                project_number=cluster.project_number,
                workload_pool=cluster.cluster.cluster.workload_identity_config.workload_pool,
                service_account=account,
            ),
        )


def cache_volume(stack: TerraformStack, environment: Environment) -> CacheVolume:
    """The bucket as one static volume. Files show as the engines' user; `implicit-dirs` lists folders that only
    exist as object prefixes; GKE injects its FUSE sidecar into pods with the annotation."""
    project, _ = project_ids(stack, environment)
    return CacheVolume(
        driver="gcsfuse.csi.storage.gke.io",
        bucket=bucket_name(project, environment),
        mount_options=("implicit-dirs", f"uid={CACHE_UID}", f"gid={CACHE_GID}", "file-mode=664", "dir-mode=775"),
        pod_annotations={"gke-gcsfuse/volumes": "true"},
        reclaim="Retain",  # the bucket is the cluster stack's
    )
