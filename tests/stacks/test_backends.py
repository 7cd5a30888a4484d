"""State backends: every stack gets its own state, and no credential ever reaches an environment file or a stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SynthesizedEnvironment, synth
from tests.support.synthesized_stacks import SynthesizedStack
from validation.loader import ConfigError, load_environment_file

S3 = {"type": "s3", "bucket": "state-bucket", "region": "us-east-1"}
GCS = {"type": "gcs", "bucket": "state-bucket"}
AZURERM = {"type": "azurerm", "resourceGroupName": "rg", "storageAccountName": "account", "containerName": "tfstate"}
CLOUD = {"type": "cloud", "organization": "example-org", "project": "gpu-clusters"}
# Backend arguments that hold a secret (s3, gcs, azurerm, cloud/remote); none may be written into a stack.
SECRET_BACKEND_ARGUMENTS = {
    "access_key",
    "secret_key",
    "token",
    "client_secret",
    "client_certificate_password",
    "sas_token",
    "credentials",
    "access_token",
    "encryption_key",
    "kms_encryption_key",
    "password",
}


def backend_of(stack_json: dict[str, Any]) -> dict[str, Any]:
    """The stack's backend as {type: arguments}; `cloud` is a block of its own beside `backend`."""
    terraform = stack_json["terraform"]
    blocks: dict[str, Any] = {**terraform.get("backend", {})}
    if "cloud" in terraform:
        blocks["cloud"] = terraform["cloud"]
    assert len(blocks) == 1, f"expected exactly one backend, got {sorted(blocks)}"
    return blocks


def backends(stacks: SynthesizedEnvironment) -> tuple[dict[str, Any], dict[str, Any]]:
    return backend_of(stacks.cluster_json), backend_of(stacks.apps_json)


def test_local_backend_keeps_one_state_file_per_stack() -> None:
    assert backends(synth()) == (
        {"local": {"path": "../../../state/test-cluster.tfstate"}},
        {"local": {"path": "../../../state/test-apps.tfstate"}},
    )


def test_local_backend_folder_comes_from_the_environment_file() -> None:
    cluster, _ = backends(synth(backend={"type": "local", "path": "terraform-state"}))
    assert cluster == {"local": {"path": "../../../terraform-state/test-cluster.tfstate"}}


def test_s3_backend_has_one_encrypted_locked_key_per_stack() -> None:
    common = {"bucket": "state-bucket", "region": "us-east-1", "encrypt": True, "use_lockfile": True}
    assert backends(synth(backend=S3)) == (
        {"s3": {**common, "key": "gpu-clusters/test-cluster.tfstate"}},
        {"s3": {**common, "key": "gpu-clusters/test-apps.tfstate"}},
    )


def test_s3_backend_key_prefix_comes_from_the_environment_file() -> None:
    cluster, _ = backends(synth(backend={**S3, "keyPrefix": "team-a"}))
    assert cluster["s3"]["key"] == "team-a/test-cluster.tfstate"


def test_s3_backend_lockfile_can_be_turned_off() -> None:
    cluster, apps = backends(synth(backend={**S3, "useLockfile": False}))
    assert (cluster["s3"]["use_lockfile"], apps["s3"]["use_lockfile"]) == (False, False)


def test_gcs_backend_has_one_prefix_per_stack() -> None:
    assert backends(synth(backend=GCS)) == (
        {"gcs": {"bucket": "state-bucket", "prefix": "gpu-clusters/test-cluster"}},
        {"gcs": {"bucket": "state-bucket", "prefix": "gpu-clusters/test-apps"}},
    )


def test_azurerm_backend_has_one_key_per_stack_and_uses_entra_id() -> None:
    common = {
        "resource_group_name": "rg",
        "storage_account_name": "account",
        "container_name": "tfstate",
        "use_azuread_auth": True,
    }
    assert backends(synth(backend=AZURERM)) == (
        {"azurerm": {**common, "key": "gpu-clusters/test-cluster.tfstate"}},
        {"azurerm": {**common, "key": "gpu-clusters/test-apps.tfstate"}},
    )


def test_cloud_backend_names_one_workspace_per_stack() -> None:
    common = {"organization": "example-org", "hostname": "app.terraform.io"}
    assert backends(synth(backend=CLOUD)) == (
        {"cloud": {**common, "workspaces": {"name": "test-cluster", "project": "gpu-clusters"}}},
        {"cloud": {**common, "workspaces": {"name": "test-apps", "project": "gpu-clusters"}}},
    )


def test_cloud_backend_hostname_comes_from_the_environment_file() -> None:
    cluster, _ = backends(synth(backend={**CLOUD, "hostname": "tfe.example.com"}))
    assert cluster["cloud"]["hostname"] == "tfe.example.com"


def test_cloud_backend_with_tags_selects_workspaces_by_stack_name_and_tags() -> None:
    cluster, apps = backends(synth(backend={**CLOUD, "workspaceTags": ["gpu", "team-a"]}))
    assert (cluster["cloud"]["workspaces"], apps["cloud"]["workspaces"]) == (
        {"tags": ["test-cluster", "gpu", "team-a"], "project": "gpu-clusters"},
        {"tags": ["test-apps", "gpu", "team-a"], "project": "gpu-clusters"},
    )


def state_identity(stack: SynthesizedStack) -> tuple[Any, ...]:
    """What decides which state a stack reads and writes; two stacks with one identity would share a state."""
    ((kind, arguments),) = backend_of(stack.json).items()
    match kind:
        case "local":
            return (kind, str((stack.path.parent / arguments["path"]).resolve()))
        case "s3":
            return (kind, arguments["bucket"], arguments["key"])
        case "gcs":
            return (kind, arguments["bucket"], arguments["prefix"])
        case "azurerm":
            return (kind, arguments["storage_account_name"], arguments["container_name"], arguments["key"])
        case "cloud":
            workspaces = arguments["workspaces"]
            selector = workspaces.get("name") or tuple(sorted(workspaces["tags"]))
            return (kind, arguments["hostname"], arguments["organization"], selector)
    raise AssertionError(f"{stack.name}: unexpected backend {kind}")


def test_no_two_shipped_stacks_share_a_state(all_stacks: list[SynthesizedStack]) -> None:
    owners: dict[tuple[Any, ...], list[str]] = {}
    for stack in all_stacks:
        owners.setdefault(state_identity(stack), []).append(stack.name)
    assert len(all_stacks) >= 2
    assert {identity: names for identity, names in owners.items() if len(names) > 1} == {}


@pytest.mark.parametrize(
    ("backend", "credential"),
    [
        pytest.param(backend, credential, id=f"{backend['type']}-{credential}")
        for backend, credential in [
            (S3, "access_key"),
            (S3, "secretKey"),
            (S3, "token"),
            (GCS, "credentials"),
            (AZURERM, "clientSecret"),
            (AZURERM, "accessKey"),
            (CLOUD, "token"),
        ]
    ],
)
def test_credentials_in_the_backend_section_are_rejected(
    tmp_path: Path, backend: dict[str, str], credential: str
) -> None:
    lines = [f"  {key}: {value}" for key, value in {**backend, credential: "not-a-real-secret"}.items()]
    path = tmp_path / "environment.yaml"
    path.write_text("\n".join(["name: creds", "cloud: aws", "backend:", *lines, ""]))
    with pytest.raises(ConfigError, match=rf"backend\.{credential}: .*credentials never belong"):
        load_environment_file(path)


def test_no_synthesized_stack_has_credentials_in_its_backend(all_stacks: list[SynthesizedStack]) -> None:
    found = {
        stack.name: sorted(SECRET_BACKEND_ARGUMENTS & set(arguments))
        for stack in all_stacks
        for arguments in backend_of(stack.json).values()
        if SECRET_BACKEND_ARGUMENTS & set(arguments)
    }
    assert found == {}
