"""Where each stack keeps its Terraform state (`backend`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from spec.fields import LABEL_PATTERN, NonEmpty, Spec


class LocalBackend(Spec):
    type: Literal["local"] = "local"
    path: NonEmpty = "state"  # folder; one <stack>.tfstate per stack


class S3Backend(Spec):
    type: Literal["s3"]
    bucket: NonEmpty
    key_prefix: NonEmpty = "gpu-clusters"
    region: NonEmpty
    use_lockfile: bool = True  # S3-native state locking (Terraform >= 1.10), no DynamoDB table needed


class GcsBackend(Spec):
    type: Literal["gcs"]
    bucket: NonEmpty
    prefix: NonEmpty = "gpu-clusters"


class AzurermBackend(Spec):
    type: Literal["azurerm"]
    resource_group_name: NonEmpty
    storage_account_name: NonEmpty
    container_name: NonEmpty
    key_prefix: NonEmpty = "gpu-clusters"


class CloudBackend(Spec):
    """Terraform Cloud / Enterprise; the token comes from `terraform login` or TF_TOKEN_*, never from here."""

    type: Literal["cloud"]
    organization: NonEmpty
    hostname: NonEmpty = "app.terraform.io"
    project: NonEmpty | None = None
    workspace_tags: list[Annotated[str, Field(pattern=LABEL_PATTERN)]] = Field(default_factory=list)


Backend = Annotated[
    LocalBackend | S3Backend | GcsBackend | AzurermBackend | CloudBackend,
    Field(discriminator="type"),
]


# Where `make deploy` runs relative to the cluster's network (aws and azure without publicAccessCidrs).
# A field, not a flag on the command line: the answer belongs to the environment (a Terraform Cloud agent pool
# or a CI runner inside the VPC), is reviewed with it, and holds the same on a laptop, in CI and on Terraform
# Cloud, where nobody can pass an extra variable to make.
