"""State backends: each stack gets its own state file, key or workspace, named after the stack."""

from __future__ import annotations

from typing import Any

from cdktf import (
    AzurermBackend,
    CloudBackend,
    GcsBackend,
    LocalBackend,
    NamedCloudWorkspace,
    S3Backend,
    TaggedCloudWorkspaces,
    TerraformStack,
)

from spec.backends import AzurermBackend as AzurermBackendSpec
from spec.backends import Backend
from spec.backends import CloudBackend as CloudBackendSpec
from spec.backends import GcsBackend as GcsBackendSpec
from spec.backends import LocalBackend as LocalBackendSpec
from spec.backends import S3Backend as S3BackendSpec


def _hcl_project(project: str | None) -> dict[str, object]:
    return {"project": {"value": project, "type": "simple", "storageClassType": "string"}} if project else {}


# cdktf 0.21's workspace classes write `project` to JSON but drop it from HCL (`make hcl`), which would move the
# state to the organisation's default project; these two render it in HCL as well.
class _NamedWorkspace(NamedCloudWorkspace):
    def to_hcl_terraform(self) -> Any:
        return {
            "name": {"value": self.name, "type": "simple", "storageClassType": "string"},
            **_hcl_project(self.project),
        }


class _TaggedWorkspaces(TaggedCloudWorkspaces):
    def to_hcl_terraform(self) -> Any:
        return {
            "tags": {"value": self.tags, "type": "list", "storageClassType": "stringList"},
            **_hcl_project(self.project),
        }


def state_key(prefix: str, stack_name: str) -> str:
    return f"{prefix}/{stack_name}.tfstate"


def configure_backend(stack: TerraformStack, backend: Backend, stack_name: str) -> None:
    """Credentials are never part of the backend block: they come from the environment of the run."""
    match backend:
        case LocalBackendSpec():
            # relative to the project folder, wherever cdktf.out is (the stack runs in cdktf.out/stacks/<name>)
            LocalBackend(stack, path=f"../../../{state_key(backend.path, stack_name)}")
        case S3BackendSpec():
            S3Backend(
                stack,
                bucket=backend.bucket,
                key=state_key(backend.key_prefix, stack_name),
                region=backend.region,
                encrypt=True,
            )
            # cdktf 0.21's S3Backend predates S3-native locking (Terraform >= 1.10); set it on the block itself.
            stack.add_override("terraform.backend.s3.use_lockfile", backend.use_lockfile)
        case GcsBackendSpec():
            GcsBackend(stack, bucket=backend.bucket, prefix=f"{backend.prefix}/{stack_name}")
        case AzurermBackendSpec():
            AzurermBackend(
                stack,
                resource_group_name=backend.resource_group_name,
                storage_account_name=backend.storage_account_name,
                container_name=backend.container_name,
                key=state_key(backend.key_prefix, stack_name),
                use_azuread_auth=True,
            )
        case CloudBackendSpec():
            workspaces = (
                _TaggedWorkspaces(tags=[stack_name, *backend.workspace_tags], project=backend.project)
                if backend.workspace_tags
                else _NamedWorkspace(name=stack_name, project=backend.project)
            )
            CloudBackend(stack, organization=backend.organization, hostname=backend.hostname, workspaces=workspaces)
