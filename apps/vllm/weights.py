"""Streamed weights: `apps.vllm.models[].weights` names a copy of a model's weights in the cloud's object storage,
which vLLM loads with the Run:ai Model Streamer instead of downloading from Hugging Face.

Pure: the URI's parts, the rules the loader applies (`weights_problems`), and every name both stacks derive from
the environment (the engine's Kubernetes service account, its cloud identity), so the identity the cloud trusts
is the one the engine runs as. The per-cloud grants are apps/vllm/aws.py, google.py and azure.py.

The URI forms accepted (the Run:ai Model Streamer's own, except on Azure):
- aws: `s3://<bucket>/<folder>`; google: `gs://<bucket>/<folder>`;
- azure: `az://<account>/<container>/<folder>`. The streamer's form is `az://<container>/<blob path>` with the
  storage account in `AZURE_STORAGE_ACCOUNT_NAME` (runai-model-streamer cpp/azure/client/client.cc); the stack
  needs the account to find the container it grants read on, so the environment file names it first and the
  engine gets the streamer's form plus the variable.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass, field

from apps.vllm.engine_args import flag_name
from apps.vllm.serving import MODELS_FIELD
from catalogue.charts import VLLM_STACK
from catalogue.identities import KubernetesServiceAccount
from catalogue.node_sizes import Cloud
from spec.apps import VllmModelSpec
from spec.environment import Environment
from spec.problems import FieldProblem

# vLLM 0.33.0 (research/first-token.md §E): the loader that reads s3://, gs:// and az:// with the streamer, and
# the only keys its --model-loader-extra-config takes (runai_streamer_loader.py L132-174; others raise).
LOAD_FORMAT = "runai_streamer"
LOADER_CONFIG_KEYS = frozenset({"distributed", "concurrency", "memory_limit"})
# Set from `weights` (and the model's name and GPUs): the same flags in extraArgs would contradict it.
FLAGS_OF_WEIGHTS = ("--load-format", "--served-model-name", "--model-loader-extra-config")
# The streamer finds the storage account here only (its URI has none); DefaultAzureCredential does the rest.
AZURE_ACCOUNT_VARIABLE = "AZURE_STORAGE_ACCOUNT_NAME"
# The AKS workload identity webhook injects the federated token only into pods with this label.
AZURE_WORKLOAD_IDENTITY_LABEL = {"azure.workload.identity/use": "true"}

SCHEMES = {Cloud.AWS: "s3", Cloud.GOOGLE: "gs", Cloud.AZURE: "az"}
STORES = {Cloud.AWS: "S3", Cloud.GOOGLE: "Cloud Storage", Cloud.AZURE: "Azure Blob Storage"}
FORMS = {
    Cloud.AWS: "s3://<bucket>/<folder>",
    Cloud.GOOGLE: "gs://<bucket>/<folder>",
    Cloud.AZURE: "az://<account>/<container>/<folder>",
}
# An IAM role name has at most 64 characters; a user-assigned identity 128. One name fits both.
IDENTITY_NAME_MAX_LENGTH = 64
HASH_LENGTH = 8


@dataclass(frozen=True)
class Weights:
    """Where one model's weights are: a bucket (on Azure a container of `account`) and the folder inside it."""

    scheme: str
    bucket: str
    folder: str  # without a leading or trailing '/'
    account: str | None = None  # Azure only

    @property
    def streamer_uri(self) -> str:
        """What vLLM gets as the model. With the trailing '/' the listings vLLM asks the streamer for are of the
        folder's own objects (`folder/...`), not of a sibling folder whose name starts the same."""
        return f"{self.scheme}://{self.bucket}/{self.folder}/"

    @property
    def objects(self) -> str:
        """The prefix of every object the engine may read."""
        return f"{self.folder}/"


@dataclass(frozen=True)
class EngineAccess:
    """What a streamed model's engine needs from its cloud part (apps/vllm/<cloud>.py `engine_access`)."""

    service_account_annotations: dict[str, str]
    pod_labels: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


def parse_weights(uri: str) -> Weights:
    """The parts of a `weights` URI; ValueError when it has no folder (or, on az://, no container). Bucket names
    are checked per cloud by `weights_problems`."""
    scheme, _, rest = uri.partition("://")
    parts = rest.rstrip("/").split("/")
    if scheme == "az":
        if len(parts) < 3:
            raise ValueError(
                f"needs the storage account, the container and the folder: {FORMS[Cloud.AZURE]} (the stack needs "
                "the account to grant read on the container; the engine gets the streamer's own "
                f"az://<container>/<folder> and {AZURE_ACCOUNT_VARIABLE})"
            )
        account, bucket, *folder = parts
    else:
        if len(parts) < 2:
            raise ValueError(
                f"names no folder: the model's weights are a folder of the bucket, {scheme}://<bucket>/<folder>"
            )
        account, (bucket, *folder) = None, parts
    if any(segment in ("", ".", "..") for segment in folder):
        raise ValueError("has an empty, '.' or '..' folder name: object names would not match what vLLM asks for")
    return Weights(scheme=scheme, bucket=bucket, folder="/".join(folder), account=account)


def streamed_models(environment: Environment) -> list[VllmModelSpec]:
    return [model for model in environment.apps.vllm.models if model.weights is not None]


def weights_of(model: VllmModelSpec) -> Weights:
    assert model.weights is not None  # only streamed models reach here
    return parse_weights(model.weights)


def service_account(model: VllmModelSpec) -> KubernetesServiceAccount:
    """The engine's own service account: one per streamed model, so each engine reads only its own folder."""
    return KubernetesServiceAccount(namespace=VLLM_STACK.namespace, name=f"{VLLM_STACK.release}-{model.name}-engine")


def identity_name(environment: Environment, model: VllmModelSpec) -> str:
    """The IAM role (aws) or managed identity (azure) of a streamed model; both stacks find it by this name. A name
    past 64 characters keeps its start and ends in a hash of the whole, so it stays unique and the same each time."""
    name = f"{environment.name}-{model.name}-weights"
    if len(name) <= IDENTITY_NAME_MAX_LENGTH:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:HASH_LENGTH]
    return f"{name[: IDENTITY_NAME_MAX_LENGTH - HASH_LENGTH - 1]}-{digest}"


def engine_arguments(model: VllmModelSpec, *, memory_mib: int) -> list[str]:
    """The flags a streamed engine gets: the streamer as the loader, the model's name as the name it serves (vLLM
    would serve it under the URI), a staging buffer within the engine's memory (the streamer's default is 40 GB of
    CPU memory, unlimited when distributed: more than a small engine has), and distributed streaming when one
    replica spans GPUs (each GPU's process reads a share and the others receive it, instead of every process reading
    every byte)."""
    config: dict[str, object] = {"memory_limit": memory_mib * MIB // STAGING_SHARE}
    if model.gpus > 1:
        config["distributed"] = True
    extra = json.dumps(config, separators=(",", ":"), sort_keys=True)
    return ["--load-format", LOAD_FORMAT, "--served-model-name", model.model, "--model-loader-extra-config", extra]


MIB = 1024 * 1024
STAGING_SHARE = 2  # half the engine's memory request stages weights; the rest is the engine's own


# --- the loader's rules ---------------------------------------------------------------------------------------


def weights_problems(environment: Environment) -> list[FieldProblem]:
    """Each `weights` the stack could not grant or vLLM could not stream; the loader reports them with the field."""
    cloud = environment.cloud
    problems = []
    for index, model in enumerate(environment.apps.vllm.models):
        if model.weights is None:
            continue
        where = f"{MODELS_FIELD}.{index}"
        problem = _uri_problem(cloud, model.weights)
        if problem is not None:
            problems.append(FieldProblem(f"{where}.weights", problem))
        if model.storage is not None:
            problems.append(
                FieldProblem(
                    f"{where}.storage",
                    "is the volume Hugging Face downloads are kept on; a model with weights streams them from "
                    f"{STORES[cloud]} to the GPUs at every start and the volume would stay empty: remove storage",
                )
            )
        for position, argument in enumerate(model.extra_args):
            name = flag_name(argument)
            if name in FLAGS_OF_WEIGHTS:
                problems.append(FieldProblem(f"{where}.extraArgs.{position}", f"{name} is set from weights; remove it"))
    return problems


def _uri_problem(cloud: Cloud, uri: str) -> str | None:
    expected = SCHEMES[cloud]
    scheme = uri.partition("://")[0]
    if scheme != expected:
        return (
            f"a {cloud.value} environment streams from {STORES[cloud]} ({expected}://), which its engines reach "
            f"through the cluster's workload identity; got {scheme}://"
        )
    try:
        weights = parse_weights(uri)
    except ValueError as error:
        return str(error)
    if weights.account is not None:
        account_problem = _azure_account_problem(weights.account)
        if account_problem is not None:
            return account_problem
    return BUCKET_RULES[cloud](weights.bucket)


def _s3_bucket_problem(bucket: str) -> str | None:
    """General purpose bucket names (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)."""
    rule = (
        "an S3 bucket name has 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"
    )
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket) or ".." in bucket:
        return f"{rule}, no '..' (got {bucket!r})"
    if _is_ip_address(bucket):
        return f"an S3 bucket name is not an IP address (got {bucket!r})"
    if bucket.startswith(("xn--", "sthree-", "amzn-s3-demo-")):
        return f"S3 reserves bucket names starting with xn--, sthree- and amzn-s3-demo- (got {bucket!r})"
    if bucket.endswith("--x-s3"):
        return (
            f"{bucket!r} is an S3 directory bucket (--x-s3): it is read through s3express sessions, which this "
            "stack does not grant; copy the weights to a general purpose bucket"
        )
    if bucket.endswith(("-s3alias", "--ol-s3", ".mrap", "--table-s3")):
        return f"{bucket!r} names an access point alias or another S3 resource, not a bucket; name the bucket itself"
    return None


def _gcs_bucket_problem(bucket: str) -> str | None:
    """Cloud Storage bucket names (cloud.google.com/storage/docs/buckets#naming)."""
    characters = "lowercase letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*[a-z0-9]", bucket) or ".." in bucket:
        return f"a Cloud Storage bucket name has {characters}, no '..' (got {bucket!r})"
    longest = 222 if "." in bucket else 63
    if not 3 <= len(bucket) <= longest or any(len(part) > 63 for part in bucket.split(".")):
        return (
            f"a Cloud Storage bucket name has 3-63 characters, or up to 222 with dots and at most 63 between two "
            f"(got {len(bucket)}: {bucket!r})"
        )
    if _is_ip_address(bucket):
        return f"a Cloud Storage bucket name is not an IP address (got {bucket!r})"
    if bucket.startswith("goog") or re.search(r"g[o0][o0]g[l1]e", bucket):
        return f"Cloud Storage refuses bucket names that start with goog or contain google (got {bucket!r})"
    return None


def _azure_container_problem(container: str) -> str | None:
    """Container names (learn.microsoft.com, "Naming and referencing containers, blobs, and metadata")."""
    if re.fullmatch(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}", container):
        return None
    return (
        "an Azure container name has 3-63 lowercase letters, digits and '-', starting with a letter or digit, with "
        f"every '-' between two letters or digits (got {container!r})"
    )


def _azure_account_problem(account: str) -> str | None:
    if re.fullmatch(r"[a-z0-9]{3,24}", account):
        return None
    return (
        "an Azure storage account name has 3-24 lowercase letters and digits; the URI is "
        f"{FORMS[Cloud.AZURE]} (got account {account!r})"
    )


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


BUCKET_RULES = {Cloud.AWS: _s3_bucket_problem, Cloud.GOOGLE: _gcs_bucket_problem, Cloud.AZURE: _azure_container_problem}
