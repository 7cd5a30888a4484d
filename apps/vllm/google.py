"""Streamed weights on Google: per streamed model the engine's Kubernetes service account, as its own Workload
Identity principal, may read that model's folder of its Cloud Storage bucket and nothing else.

A conditional binding: Cloud Storage accepts IAM conditions on a bucket with uniform bucket-level access only, so
the bucket must have it (the apply fails on one without).
"""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_google.storage_bucket_iam_member import (
    StorageBucketIamMember,
    StorageBucketIamMemberCondition,
)

from apps.vllm.weights import EngineAccess, Weights, service_account, streamed_models, weights_of
from constructs.google.composition import GkeClusterParts
from constructs.google.workload_identity import workload_principal
from spec.apps import VllmModelSpec
from spec.environment import Environment

# storage.objects.get and storage.objects.list (and the folder reads): nothing that writes, deletes or sets IAM.
OBJECT_VIEWER = "roles/storage.objectViewer"
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
