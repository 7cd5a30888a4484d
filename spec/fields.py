"""What every section of an environment file shares: the patterns (with their meaning for error messages), the
field types and the base models."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from catalogue import charts

NAME_PATTERN = r"^[a-z][a-z0-9-]*$"
NAME_MAX_LENGTH = 24  # leaves room for suffixes under the shortest cloud limit (IAM role names, 64)
LABEL_PATTERN = r"^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$"
VERSION_PATTERN = r"^1\.[0-9]{2}$"
REGION_PATTERN = r"^[a-z][a-z0-9-]*[0-9a-z]$"
MACHINE_TYPE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
PROJECT_PATTERN = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
ZONE_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$"
GOOGLE_ZONE_PATTERN = r"^[a-z]+-[a-z]+[0-9]+-[a-z]$"
SUBSCRIPTION_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
NO_SPACES_PATTERN = r"^\S+$"
# A pool's name with our 6-hex replacement suffix must fit AKS's pool names (^[a-z][a-z0-9]{0,11}$: no hyphen).
POOL_NAME_PATTERN = r"^[a-z][a-z0-9]{0,5}$"
DNS_LABEL_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"  # RFC 1123 label: what Kubernetes accepts as a namespace
HOSTNAME_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$"
REPO_URL_PATTERN = r"^(https?://|ssh://|git@)\S+$"  # the repository URL forms Argo CD accepts
SOURCE_PATH_PATTERN = r"^(\.|[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)$"
# RFC 1035 label: what a Service name (the chart names one per model) must be
SERVICE_NAME_PATTERN = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
SECRET_KEY_PATTERN = r"^[-._a-zA-Z0-9]+$"
QUANTITY_PATTERN = r"^[1-9][0-9]*(Mi|Gi|Ti)$"
RETENTION_PATTERN = r"^[1-9][0-9]*(h|d|w)$"
IMAGE_PATTERN = r"^[a-z0-9][a-z0-9._/:-]*:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$"
HTTP_HEADER_PATTERN = r"^[A-Za-z0-9-]+$"
MODEL_PATTERN = r"^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$"
OBJECT_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
SECRET_TYPE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./_-]*$"
# Every character any of the three secret managers allows; apps/external_secrets/__init__.py narrows it per cloud.
CLOUD_SECRET_NAME_PATTERN = r"^[A-Za-z0-9/_+=.@-]+$"
AZURE_VAULT_URL_PATTERN = r"^https://[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]\.vault\.azure\.net/?$"
# Object storage the Run:ai Model Streamer reads; apps/vllm/weights.py checks the scheme and names per cloud. No
# character that Terraform (`${`), an IAM ARN (`*`, `?`) or a condition's string literal (quotes) would read.
# A Hugging Face git revision: a commit hash, branch or tag (no spaces, no shell or Terraform syntax).
REVISION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
WEIGHTS_PATTERN = r"^(s3|gs|az)://[A-Za-z0-9._/-]+$"
# Every pattern above, in words, for error messages.
PATTERN_MEANINGS = {
    NAME_PATTERN: "lowercase letters, digits and hyphens, starting with a letter",
    VERSION_PATTERN: 'a Kubernetes version "1.NN" in quotes, such as "1.36"',
    REGION_PATTERN: "a region name such as us-east-1, us-east1 or eastus",
    MACHINE_TYPE_PATTERN: "a machine type without spaces, such as g5.xlarge",
    PROJECT_PATTERN: "a Google project ID: 6 to 30 lowercase letters, digits and hyphens",
    LABEL_PATTERN: "lowercase letters, digits, '.', '_' and '-'",
    ZONE_PATTERN: "an AWS availability zone such as us-east-1a",
    GOOGLE_ZONE_PATTERN: "a Google zone such as us-east1-c",
    SUBSCRIPTION_PATTERN: "an Azure subscription ID: a lowercase GUID such as 00000000-0000-0000-0000-000000000000",
    NO_SPACES_PATTERN: "text without spaces",
    POOL_NAME_PATTERN: "1 to 6 lowercase letters and digits, starting with a letter (AKS pool names allow no more)",
    DNS_LABEL_PATTERN: "a DNS label: lowercase letters, digits and hyphens, starting and ending with a letter or digit",
    HOSTNAME_PATTERN: "a lowercase DNS name such as argocd.example.com",
    REPO_URL_PATTERN: "a Git repository URL (https://, ssh:// or git@)",
    SOURCE_PATH_PATTERN: "a relative path inside the repository, such as . or apps/dev",
    SERVICE_NAME_PATTERN: "lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
    SECRET_KEY_PATTERN: "a Secret key: letters, digits, '-', '_' and '.'",
    QUANTITY_PATTERN: "a whole number of Mi, Gi or Ti, such as 16Gi",
    RETENTION_PATTERN: "a whole number of hours, days or weeks, such as 48h or 7d",
    IMAGE_PATTERN: "an image with a tag, such as vllm/vllm-openai:v0.33.0",
    HTTP_HEADER_PATTERN: "an HTTP header name such as x-user-id",
    MODEL_PATTERN: "a Hugging Face model id such as facebook/opt-125m, or a path",
    OBJECT_NAME_PATTERN: "a Kubernetes object name: lowercase letters, digits, '-' and '.'",
    SECRET_TYPE_PATTERN: "a Secret type such as Opaque or kubernetes.io/dockerconfigjson",
    CLOUD_SECRET_NAME_PATTERN: "a secret name: letters, digits and '/_+=.@-'",
    AZURE_VAULT_URL_PATTERN: "a Key Vault URL such as https://my-vault.vault.azure.net/",
    REVISION_PATTERN: "a Hugging Face commit hash, branch or tag, such as main or a 40-character commit",
    WEIGHTS_PATTERN: (
        "s3://<bucket>/<folder>, gs://<bucket>/<folder> or az://<account>/<container>/<folder>: letters, digits, "
        "'.', '_', '-' and '/'"
    ),
}
# The chart names a model's Service `<release>-<name>-engine-service`, which must be a DNS label (63 characters).
Count = Annotated[int, Field(ge=0, le=1000)]
PositiveCount = Annotated[int, Field(ge=1, le=1000)]
NonEmpty = Annotated[str, Field(min_length=1, max_length=256, pattern=NO_SPACES_PATTERN)]
DnsLabel = Annotated[str, Field(pattern=DNS_LABEL_PATTERN, max_length=63)]
GoogleZones = Annotated[list[Annotated[str, Field(pattern=GOOGLE_ZONE_PATTERN)]], Field(min_length=1, max_length=8)]
ZoneList = Annotated[list[Annotated[str, Field(pattern=ZONE_PATTERN)]], Field(min_length=3, max_length=3)]


class Spec(BaseModel):
    """Base for every section: camelCase keys, no unknown keys, no type coercion, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        extra="forbid",
        strict=True,
        frozen=True,
    )


class ScalingSpec(Spec):
    min_node_count: int
    max_node_count: int  # subclasses give it a default with validate_default, so the check below always runs

    # A field validator (not a model validator) so the error names the field, e.g. gpu.maxNodeCount.
    @field_validator("max_node_count")
    @classmethod
    def _max_not_below_min(cls, maximum: int, info: ValidationInfo) -> int:
        minimum = info.data.get("min_node_count")  # absent when minNodeCount itself was invalid
        if minimum is not None and minimum > maximum:
            raise ValueError(f"minNodeCount ({minimum}) is greater than maxNodeCount ({maximum})")
        return maximum


# Kubernetes' own namespaces and every namespace one of our releases installs into: a user namespace of the
# same name would be shared with (and deleted along with) that release.
RESERVED_NAMESPACES = frozenset(
    {"default", "kube-system", "kube-public", "kube-node-lease", charts.NODE_EXPORTER_NAMESPACE}
    | {pin.namespace for pin in vars(charts).values() if isinstance(pin, charts.ChartPin)}
)
