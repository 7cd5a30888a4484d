"""vLLM on AWS. Streamed weights: per streamed model an IRSA role that reads that model's folder of its S3 bucket
and nothing else; in the apps stack the role found by name for the engine's service account. The model cache: an
EFS file system in the cluster stack; in the apps stack a StorageClass on it (found by its creation token)."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_efs_file_system import DataAwsEfsFileSystem
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition

from apps.vllm.cache import CACHE_GID, CACHE_UID, CacheVolume, cache_enabled
from apps.vllm.weights import EngineAccess, Weights, identity_name, service_account, streamed_models, weights_of
from constructs.aws.composition import EksClusterParts
from constructs.aws.efs import EFS_DRIVER, EfsFileStore, creation_token
from constructs.aws.workload_identity import IrsaRole, IrsaRoleByName
from spec.apps import VllmModelSpec
from spec.environment import Environment

# GetObject reads (and HEADs) an object; ListBucket lists keys. No write, delete, ACL or version action.
READ_OBJECTS = "s3:GetObject"
LIST_OBJECTS = "s3:ListBucket"


def weights_statements(partition: str, weights: Weights) -> list[DataAwsIamPolicyDocumentStatement]:
    """Read on the folder's objects; listing only of the folder itself (a list request's `s3:prefix` is the folder,
    with or without its '/', or a path below it), so not even the other object names of the bucket are visible."""
    bucket = f"arn:{partition}:s3:::{weights.bucket}"
    return [
        DataAwsIamPolicyDocumentStatement(
            sid="ReadModelWeights", effect="Allow", actions=[READ_OBJECTS], resources=[f"{bucket}/{weights.objects}*"]
        ),
        DataAwsIamPolicyDocumentStatement(
            sid="ListModelWeights",
            effect="Allow",
            actions=[LIST_OBJECTS],
            resources=[bucket],
            condition=[
                DataAwsIamPolicyDocumentStatementCondition(
                    test="StringLike", variable="s3:prefix", values=[weights.folder, f"{weights.objects}*"]
                )
            ],
        ),
    ]


def cluster_grants(stack: TerraformStack, environment: Environment, cluster: EksClusterParts) -> None:
    if cache_enabled(environment):
        (_, system), *_ = cluster.node_pools
        EfsFileStore(
            stack,
            "vllm-model-cache",
            cluster_name=environment.name,
            kubernetes_version=environment.version,
            vpc_id=cluster.network.vpc.id,
            subnet_ids=cluster.network.private_subnet_ids,
            node_security_group_id=cluster.control_plane.cluster.vpc_config.cluster_security_group_id,
            key=cluster.key,
            oidc_provider=cluster.oidc_provider,
            after=[system.node_group],  # the driver's controller runs on the system pool
        )
    models = streamed_models(environment)
    if not models:
        return
    partition = DataAwsPartition(stack, "vllm-weights-partition").partition
    roles = {}
    for model in models:
        role = IrsaRole(
            stack,
            f"vllm-weights-{model.name}",
            name=identity_name(environment, model),
            oidc_provider=cluster.oidc_provider,
            service_account=service_account(model),
            statements=weights_statements(partition, weights_of(model)),
        )
        roles[model.name] = role.role.arn
    TerraformOutput(stack, "vllm_weights_identities", value=roles)


def engine_access(stack: TerraformStack, environment: Environment, model: VllmModelSpec) -> EngineAccess:
    """The apps stack's side: the role the cluster stack created, in the annotation EKS's pod identity webhook reads
    (it then gives the engine a web identity token, which boto3's default chain in the streamer exchanges)."""
    role = IrsaRoleByName(stack, f"vllm-weights-{model.name}", name=identity_name(environment, model))
    return EngineAccess(service_account_annotations=role.annotations)


def cache_volume(stack: TerraformStack, environment: Environment) -> CacheVolume:
    """Dynamic provisioning on the cluster stack's file system: the claim gets an access point of its own, whose
    POSIX owner every engine and the download Job write as, whatever user their image runs."""
    file_system = DataAwsEfsFileSystem(
        stack, "vllm-model-cache-file-system", creation_token=creation_token(environment.name)
    )
    return CacheVolume(
        driver=EFS_DRIVER,
        parameters={
            "provisioningMode": "efs-ap",
            "fileSystemId": file_system.file_system_id,
            "directoryPerms": "775",
            "uid": str(CACHE_UID),
            "gid": str(CACHE_GID),
            "basePath": "/vllm",
        },
    )
