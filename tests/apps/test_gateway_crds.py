"""apps/gateway_crds: each CRD bundle read at deploy by the http data source, checked against its pin, and applied
server-side one `kubernetes_manifest` per document; the expressions Terraform evaluates are run by Terraform itself
on the shared copies of the files (no provider needed: the built-in terraform_data stands in for both)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_http.data_http import DataHttp
from cdktf_cdktf_provider_kubernetes.manifest import Manifest

from apps.declaration import GATEWAY_CRDS
from apps.gateway_crds import DECLARATION
from apps.gateway_crds.install import pinned_release_condition
from catalogue.gateway import CRD_BUNDLES, GATEWAY_API, CrdBundle
from tests.conftest import SynthesizedEnvironment, environment, resources_of, synth
from tests.support.rendering import SHARED_CHARTS, bundle_documents
from tests.support.terraform_tools import Terraform

GATEWAY_MODE = {"vllm": {"enabled": True, "routing": "gateway"}}
HTTP = DataHttp.TF_RESOURCE_TYPE
MANIFEST = Manifest.TF_RESOURCE_TYPE


@pytest.fixture(scope="module")
def eks() -> SynthesizedEnvironment:
    return synth(cloud="aws", apps=GATEWAY_MODE)


def manifests_of(stacks: SynthesizedEnvironment, bundle: CrdBundle) -> dict[str, tuple[str, dict[str, Any]]]:
    """The bundle's kubernetes_manifest resources by kind: logical id (which names the bundle and kind) and body."""
    found = {
        kind: (key, body)
        for key, body in stacks.apps_json["resource"][MANIFEST].items()
        for kind in bundle.kinds
        if re.fullmatch(rf"{DECLARATION.construct_id}_{bundle.name}_{kind}_[0-9A-F]{{8}}", key)
    }
    assert set(found) == set(bundle.kinds)
    return found


def resources_of_data(stacks: SynthesizedEnvironment, data_type: str) -> list[dict[str, Any]]:
    return list(stacks.apps_json.get("data", {}).get(data_type, {}).values())


# --- when


@pytest.mark.parametrize(
    ("cloud", "routing", "installed"),
    [("aws", "gateway", True), ("azure", "gateway", True), ("google", "gateway", False), ("aws", "router", False)],
)
def test_installed_in_gateway_mode_on_the_clouds_that_bring_no_gateway(
    cloud: str, routing: str, installed: bool
) -> None:
    env = environment(cloud=cloud, apps={"vllm": {"enabled": True, "routing": routing}})
    assert DECLARATION.enabled(env) is installed


def test_it_provides_the_crds_and_installs_into_no_namespace() -> None:
    env = environment(apps=GATEWAY_MODE)
    assert DECLARATION.provides(env) == (GATEWAY_CRDS,)
    assert DECLARATION.namespaces(env) == ()
    assert DECLARATION.pins == ()


def test_router_mode_reads_no_file_and_applies_nothing() -> None:
    stacks = synth(cloud="aws", apps={"vllm": {"enabled": True}})
    assert not CdktfTesting.to_have_data_source(stacks.apps, HTTP)
    assert not CdktfTesting.to_have_resource(stacks.apps, MANIFEST)


# --- what the stack holds


@pytest.mark.parametrize("bundle", CRD_BUNDLES, ids=lambda bundle: bundle.name)
def test_each_bundle_is_read_from_its_release_url_and_checked_against_its_pin(
    eks: SynthesizedEnvironment, bundle: CrdBundle
) -> None:
    assert CdktfTesting.to_have_data_source_with_properties(eks.apps, HTTP, {"url": bundle.url})
    (source,) = [body for body in resources_of_data(eks, HTTP) if body["url"] == bundle.url]
    assert "depends_on" not in source  # a dependency would defer the read, and the for_each keys, to the apply
    (check,) = source["lifecycle"]["postcondition"]
    assert check["condition"] == pinned_release_condition(bundle)
    assert bundle.version in check["error_message"]
    assert "\n" not in check["error_message"]


@pytest.mark.parametrize("bundle", CRD_BUNDLES, ids=lambda bundle: bundle.name)
def test_each_kind_is_one_server_side_manifest_resource_per_document(
    eks: SynthesizedEnvironment, bundle: CrdBundle
) -> None:
    for kind, (_, body) in manifests_of(eks, bundle).items():
        assert body["manifest"] == "${each.value}"
        assert f'document.kind == "{kind}"' in body["for_each"]
        assert body["field_manager"] == {"force_conflicts": True}
        established = {"condition": [{"type": "Established", "status": "True"}]}
        assert (body.get("wait") == established) is (kind == "CustomResourceDefinition"), kind


def test_the_agentgateway_crds_release_waits_for_every_manifest(eks: SynthesizedEnvironment) -> None:
    manifests = {f"{MANIFEST}.{key}" for bundle in CRD_BUNDLES for key, _ in manifests_of(eks, bundle).values()}
    (release,) = [r for r in resources_of(eks.apps_json, "helm_release") if r["name"] == "agentgateway-crds"]
    assert manifests <= set(release["depends_on"])


# --- what Terraform makes of it, on the shared copies of the files


def offline_config(stacks: SynthesizedEnvironment, files: Mapping[str, Path]) -> dict[str, Any]:
    """The stack's locals and for_each expressions as synthesised, each http data source's body read from a local
    file instead (`files`: by URL); each data source a terraform_data with its postcondition, each manifest resource
    a terraform_data with its for_each. Outputs: every manifest resource's documents, by name."""
    apps = stacks.apps_json
    bodies = {
        f"data.{HTTP}.{key}.response_body": f'file("{files[source["url"]]}")'
        for key, source in apps["data"][HTTP].items()
    }

    def offline(expression: str) -> str:
        for reference, replacement in bodies.items():
            expression = expression.replace(reference, replacement)
        return expression

    checked = {}
    for key, source in apps["data"][HTTP].items():
        (check,) = source["lifecycle"]["postcondition"]
        stand_in = {
            field: text.replace("self.response_body", "self.output").replace("self.status_code", "200")
            for field, text in check.items()
        }
        checked[f"file-{key}"] = {
            "input": f'${{file("{files[source["url"]]}")}}',
            "lifecycle": {"postcondition": [stand_in]},
        }
    ours = f"{DECLARATION.construct_id}_"  # another app's locals or manifests may need what is not here
    manifests = {
        key: offline(body["for_each"]) for key, body in apps["resource"][MANIFEST].items() if key.startswith(ours)
    }
    return {
        "locals": {name: offline(expression) for name, expression in apps["locals"].items() if name.startswith(ours)},
        "resource": {
            "terraform_data": {
                **checked,
                **{key: {"for_each": each, "input": "${each.value}"} for key, each in manifests.items()},
            }
        },
        "output": {key: {"value": each} for key, each in manifests.items()},
    }


def run_offline(
    stacks: SynthesizedEnvironment, files: Mapping[str, Path], folder: Path
) -> tuple[int, dict[str, Any], str]:
    """Exit code, outputs and stderr of `terraform apply` on the offline configuration."""
    folder.mkdir()
    (folder / "main.tf.json").write_text(json.dumps(offline_config(stacks, files)))
    terraform = Terraform.offline(folder.parent)
    terraform.must(folder, "init", "-input=false", "-no-color")
    applied = terraform.run(folder, "apply", "-auto-approve", "-input=false", "-no-color")
    if applied.returncode != 0:
        return applied.returncode, {}, applied.stderr
    outputs = json.loads(terraform.must(folder, "output", "-json").stdout)
    return 0, {key: output["value"] for key, output in outputs.items()}, ""


def shared_files() -> dict[str, Path]:
    return {bundle.url: SHARED_CHARTS / bundle.file_name for bundle in CRD_BUNDLES}


@pytest.mark.slow(seconds=15)
def test_terraform_applies_exactly_the_documents_of_each_kind_without_their_status(
    eks: SynthesizedEnvironment, tmp_path: Path
) -> None:
    code, outputs, stderr = run_offline(eks, shared_files(), tmp_path / "pinned")
    assert code == 0, stderr
    for bundle in CRD_BUNDLES:
        for kind, (key, _) in manifests_of(eks, bundle).items():
            expected = {
                item["metadata"]["name"]: {field: value for field, value in item.items() if field != "status"}
                for item in bundle_documents(bundle)
                if item["kind"] == kind
            }
            assert expected, key
            assert outputs[key] == expected, key


def _changed(files: dict[str, Path], folder: Path, edit: Callable[[str], str]) -> dict[str, Path]:
    changed = folder / "changed.yaml"
    changed.write_text(edit(files[GATEWAY_API.url].read_text()))
    return {**files, GATEWAY_API.url: changed}


@pytest.mark.slow(seconds=15)
def test_another_release_of_the_bundle_stops_the_deploy_with_one_line(
    eks: SynthesizedEnvironment, tmp_path: Path
) -> None:
    files = _changed(
        shared_files(), tmp_path, lambda text: text.replace("bundle-version: v1.6.1", "bundle-version: v1.7.0")
    )
    code, _, stderr = run_offline(eks, files, tmp_path / "changed")
    assert code != 0
    flat = " ".join(stderr.split())
    assert f"{GATEWAY_API.file_name}: {GATEWAY_API.url} answered HTTP 200 without the v1.6.1 CRDs" in flat


@pytest.mark.slow(seconds=15)
def test_a_bundle_without_a_crd_the_stack_relies_on_stops_the_deploy(
    eks: SynthesizedEnvironment, tmp_path: Path
) -> None:
    files = _changed(shared_files(), tmp_path, lambda text: text.replace("name: httproutes.gateway", "name: x.gateway"))
    code, _, stderr = run_offline(eks, files, tmp_path / "changed")
    assert code != 0
    assert "without the v1.6.1 CRDs" in " ".join(stderr.split())


@pytest.mark.slow(seconds=15)
def test_the_same_release_formatted_otherwise_is_accepted(eks: SynthesizedEnvironment, tmp_path: Path) -> None:
    files = _changed(shared_files(), tmp_path, lambda text: text + "# a trailing comment\n")
    code, _, stderr = run_offline(eks, files, tmp_path / "changed")
    assert code == 0, stderr
