"""The shared model cache (`apps.vllm.modelCache`): one ReadWriteMany volume per cluster holding the Hugging Face
cache of every model, filled once per model and revision by a download Job, read offline by every engine.

Pure: the names both stacks derive, the store each cloud uses and why, and the loader's rules. The cloud side is
in apps/vllm/<cloud>.py (`cluster_grants`: the file system or bucket) and apps/vllm/install/cache.py (the claim,
the Jobs, what the engines mount).

Why one store per cloud (research/first-token.md §A-§C; figures at the default 100Gi):
- aws: Amazon EFS, Elastic throughput: up to 1,500 MiB/s per client, so a 16 GB model reads in about 11 s.
- google: a Cloud Storage bucket through GKE's Cloud Storage FUSE CSI driver, Google's own path for serving
  weights; Filestore starts at 1 TiB (or 100 GiB of Basic HDD at about 100 MB/s) and needs a StorageClass on our VPC.
- azure: an Azure Files NFS share (premium, FileStorage): 110 MiB/s at 100 GiB, 100 + 0.1 MiB/s per GiB above
  it. Slower than streaming from Blob storage (`weights: az://...`), which the README recommends for big models;
  Azure Blob's FUSE driver would need the account key in a Secret.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from apps.vllm.serving import MODELS_FIELD
from catalogue.charts import VLLM_STACK
from catalogue.identities import KubernetesServiceAccount
from catalogue.node_sizes import Cloud
from spec.apps import VllmModelSpec
from spec.environment import Environment
from spec.problems import FieldProblem

CACHE_FIELD = "apps.vllm.modelCache"
CLAIM_NAME = "vllm-model-cache"
DOWNLOAD_LABEL = "vllm-model-cache"  # app.kubernetes.io/name of every download Job
STORAGE_CLASS = "vllm-model-cache"  # also the static PersistentVolume's name on GKE
MOUNT_PATH = "/model-cache"
# Where huggingface_hub keeps repositories (HF_HUB_CACHE, huggingface_hub environment_variables.md); the chart
# sets HF_HOME per engine, and this variable overrides only the hub's part of it.
HUB_CACHE = f"{MOUNT_PATH}/hub"
# vLLM and huggingface_hub read only the cache when set (`local_files_only`, vllm weight_utils.py): an engine
# start never reaches Hugging Face, so a wake-up neither waits for a download nor counts against its rate limit.
OFFLINE = {"HF_HUB_OFFLINE": "1"}
# The user the engine and Job run as: the `vllm` user of vllm/vllm-openai (uid 2000, gid 0, vllm#40275); EFS
# writes as the access point's owner, GCS FUSE shows files as this owner, Azure Files' mount is 0777.
CACHE_UID = 2000
CACHE_GID = 0
# A download writes the model once; 2 cores and 4 GiB hold hf's parallel workers and its file buffers.
DOWNLOAD_CPU = "1"
DOWNLOAD_MEMORY = "4Gi"
# vLLM 0.33.0's wheel requires huggingface_hub>=1.31.0, whose console script `hf` takes `download <repo_id>
# [--revision R] [--cache-dir D]` (huggingface_hub 1.33.0 wheel: entry_points.txt, cli/download.py); its
# `huggingface-cli` only prints that it is gone.
DOWNLOAD_COMMAND = "hf"
JOB_NAME_MAX_LENGTH = 63  # a Job's name becomes a label value of its pods
HASH_LENGTH = 8

# The download Job's identity: on Google the bucket's only writer; on other clouds it carries no grant.
WRITER = KubernetesServiceAccount(namespace=VLLM_STACK.namespace, name="vllm-model-cache-writer")
# Engines that read the cache: on Google the bucket's readers.
READER = KubernetesServiceAccount(namespace=VLLM_STACK.namespace, name="vllm-model-cache-reader")


@dataclass(frozen=True)
class CacheStore:
    """What backs the cache on one cloud: its CSI driver, and its read throughput and price at the default size."""

    name: str
    driver: str
    throughput: str
    usd_per_gib_month: float | None  # None: no dated source priced it
    source: str
    as_of: date


STORES: dict[Cloud, CacheStore] = {
    Cloud.AWS: CacheStore(
        name="Amazon EFS (Elastic throughput, encrypted with the cluster's key)",
        driver="efs.csi.aws.com",
        throughput="up to 1,500 MiB/s read per node (docs.aws.amazon.com/efs/latest/ug/performance.html)",
        usd_per_gib_month=0.30,  # Standard storage, us-east-1; Elastic reads add $0.03/GB
        source="aws.amazon.com/efs/pricing (research/first-token.md §A)",
        as_of=date(2026, 12, 1),
    ),
    Cloud.GOOGLE: CacheStore(
        name="a Cloud Storage bucket through the Cloud Storage FUSE CSI driver",
        driver="gcsfuse.csi.storage.gke.io",
        throughput="parallel reads from the bucket; the size is not enforced",
        usd_per_gib_month=0.020,  # Standard storage, us-central1 and most US regions
        source="cloud.google.com/storage/pricing",
        as_of=date(2026, 12, 6),
    ),
    Cloud.AZURE: CacheStore(
        name="an Azure Files NFS share (premium, provisioned)",
        driver="file.csi.azure.com",
        throughput="100 + ceil(0.04 x GiB) + ceil(0.06 x GiB) MiB/s: 110 MiB/s at 100 GiB (Azure Files billing docs)",
        usd_per_gib_month=None,  # the provisioned v1 price was not found in any source we could read
        source="learn.microsoft.com/azure/storage/files/understanding-billing",
        as_of=date(2026, 12, 1),
    ),
}


@dataclass(frozen=True)
class CacheVolume:
    """How the claim gets its volume on one cloud (apps/vllm/<cloud>.py `cache_volume`): a StorageClass of the
    driver provisions it, or, for a bucket, one static PersistentVolume names it (`bucket`)."""

    driver: str
    parameters: dict[str, str] = field(default_factory=dict)  # the StorageClass's
    mount_options: tuple[str, ...] = ()
    bucket: str | None = None
    pod_annotations: dict[str, str] = field(default_factory=dict)  # what the driver needs on every pod that mounts it
    reclaim: str = "Delete"  # what happens to the volume when the claim goes: a cache can be filled again


def bucket_name(project: str, environment: Environment) -> str:
    """The GKE cache bucket: global names, so the project's id is part of it; both stacks derive it."""
    return f"{project}-{environment.name}-model-cache"


def cache_enabled(environment: Environment) -> bool:
    vllm = environment.apps.vllm
    return vllm.enabled and vllm.model_cache.enabled


def cached_models(environment: Environment) -> list[VllmModelSpec]:
    """The models whose engines read the cache: all but those streamed from object storage (`weights`)."""
    if not cache_enabled(environment):
        return []
    return [model for model in environment.apps.vllm.models if model.weights is None]


def download_job_name(model: VllmModelSpec) -> str:
    """Named after what it downloads: a new model id or revision is a new Job (Terraform replaces it, so the
    download runs again); the same ones keep the finished Job, and nothing runs."""
    digest = hashlib.sha256(f"{model.model}@{model.revision or 'main'}".encode()).hexdigest()[:HASH_LENGTH]
    return f"vllm-cache-{model.name}"[: JOB_NAME_MAX_LENGTH - HASH_LENGTH - 1] + f"-{digest}"


def cache_folder(model_id: str) -> str:
    """The folder huggingface_hub keeps a model in, inside the hub cache (`models--<org>--<name>`)."""
    return "models--" + model_id.replace("/", "--")


def download_arguments(model: VllmModelSpec) -> list[str]:
    arguments = ["download", model.model, "--cache-dir", HUB_CACHE]
    if model.revision is not None:
        arguments += ["--revision", model.revision]
    return arguments


HOURS_PER_MONTH = 730  # the clouds' own convention for monthly prices


def hourly_cost(environment: Environment) -> float | None:
    """The cache's storage price at its size, per hour; None when its cloud's store has no dated price. Reads and
    operations are billed by use and not counted."""
    price = STORES[environment.cloud].usd_per_gib_month
    if price is None:
        return None
    return price * size_gib(environment.apps.vllm.model_cache.size) / HOURS_PER_MONTH


def size_gib(quantity: str) -> float:
    number, unit = re.fullmatch(r"([0-9]+)(Mi|Gi|Ti)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * {"Mi": 1 / 1024, "Gi": 1, "Ti": 1024}[unit]


# Azure Files premium shares start at 100 GiB (learn.microsoft.com .../storage-files-scale-targets).
AZURE_SMALLEST_SHARE_GIB = 100


def cache_problems(environment: Environment) -> list[FieldProblem]:
    vllm = environment.apps.vllm
    if not vllm.model_cache.enabled:
        return []
    problems = []
    if not vllm.enabled:
        problems.append(FieldProblem(f"{CACHE_FIELD}.enabled", "needs apps.vllm.enabled: true"))
    if environment.cloud is Cloud.AZURE and size_gib(vllm.model_cache.size) < AZURE_SMALLEST_SHARE_GIB:
        problems.append(
            FieldProblem(
                f"{CACHE_FIELD}.size",
                f"an Azure Files premium share has at least {AZURE_SMALLEST_SHARE_GIB}Gi "
                f"(got {vllm.model_cache.size}): use {AZURE_SMALLEST_SHARE_GIB}Gi or more",
            )
        )
    for index, model in enumerate(vllm.models):
        if model.storage is not None and model.weights is None:
            problems.append(
                FieldProblem(
                    f"{MODELS_FIELD}.{index}.storage",
                    f"is a volume of this model's own; with {CACHE_FIELD} on, its engines keep weights in the shared "
                    "cache: remove storage",
                )
            )
    return problems


def cache_warnings(environment: Environment) -> list[str]:
    """EKS without the GPU Operator runs its GPU nodes on Bottlerocket (constructs/aws/node_pools.py), where EFS mounts
    were reported to fail (aws-efs-csi-driver#1782, closed without a fix we could find; research/first-token.md §A)."""
    if not cache_enabled(environment) or environment.cloud is not Cloud.AWS or environment.apps.nvidia.enabled:
        return []
    return [
        f"{CACHE_FIELD}: without apps.nvidia the GPU nodes run Bottlerocket, where mounting EFS was reported to fail "
        "(aws-efs-csi-driver#1782); turn apps.nvidia on (AL2023 nodes), or check that the download Job and an engine "
        "start before relying on it"
    ]
