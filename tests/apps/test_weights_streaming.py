"""Streamed weights (`apps.vllm.models[].weights`): the loader refuses what the stack could not grant, every cloud
grants each streamed engine read on its own folder only, and the engine's rendered command line carries only
flags vLLM 0.33.0 takes.

"vLLM takes" means: each flag is in catalogue/vllm_engine.py, the option list read from vLLM 0.33.0's own parser
(apps/vllm/engine_args.py applies it); vLLM itself does not run here (no torch).
"""

from __future__ import annotations

import json
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_helm.release import Release

from apps.vllm.engine_args import flag_problem
from apps.vllm.weights import (
    IDENTITY_NAME_MAX_LENGTH,
    LOAD_FORMAT,
    LOADER_CONFIG_KEYS,
    identity_name,
    parse_weights,
    weights_problems,
)
from catalogue.charts import VLLM_STACK
from spec.apps import VllmModelSpec
from tests.conftest import SynthesizedEnvironment, environment, resources_of, synth, synth_file
from tests.support.rendering import (
    ReleaseInput,
    Renderer,
    cluster_version,
    kubernetes_validator,
    parse_manifest,
    pin_of,
    pinned_chart,
    schema_version_for,
)
from validation.loader import ConfigError, load_environment_file

CLOUD_FIELDS: dict[str, dict[str, Any]] = {"aws": {}, "google": {"project": "example-project"}, "azure": {}}
# Each cloud's URI of the same two folders of one bucket (on Azure: a container of the account teammodels).
BUCKETS = {"aws": "s3://team-models", "google": "gs://team-models", "azure": "az://teammodels/team-models"}
SMALL_FOLDER = "qwen/qwen2.5-1.5b"
BIG_FOLDER = "qwen/qwen2.5-7b"
SMALL: dict[str, Any] = {"name": "small", "model": "Qwen/Qwen2.5-1.5B-Instruct"}
BIG: dict[str, Any] = {"name": "big", "model": "Qwen/Qwen2.5-7B-Instruct", "gpus": 2}
PLAIN: dict[str, Any] = {"name": "plain", "model": "Qwen/Qwen2.5-0.5B-Instruct"}  # from Hugging Face, as before
TOKEN = re.compile(r"\$\{[^}]+\}")
# The environment files the per-cloud syntheses load (removed when the test process ends).
FILES = tempfile.TemporaryDirectory(prefix="weights-streaming-")


def streamed_models(cloud: str) -> list[dict[str, Any]]:
    bucket = BUCKETS[cloud]
    return [
        {**SMALL, "weights": f"{bucket}/{SMALL_FOLDER}"},
        {**BIG, "weights": f"{bucket}/{BIG_FOLDER}/"},  # a trailing '/' is the same folder
        PLAIN,
    ]


def environment_fields(cloud: str, models: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "team",
        "cloud": cloud,
        **CLOUD_FIELDS[cloud],
        "gpu": {"enabled": True, "nodeSize": "medium"},
        "apps": {"nvidia": {"enabled": True}, "vllm": {"enabled": True, "models": models}},
    }


@cache  # one synthesis per cloud for the whole module; the file goes through the loader first, every rule included
def streamed(cloud: str) -> SynthesizedEnvironment:
    path = Path(FILES.name) / cloud / "team.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(environment_fields(cloud, streamed_models(cloud))))
    return synth_file(path)


@pytest.fixture(scope="module", params=["aws", "google", "azure"])
def each_cloud(request: pytest.FixtureRequest) -> tuple[str, SynthesizedEnvironment]:
    return request.param, streamed(request.param)


def values_of(stacks: SynthesizedEnvironment) -> dict[str, Any]:
    (release,) = [
        r for r in resources_of(stacks.apps_json, Release.TF_RESOURCE_TYPE) if r["name"] == VLLM_STACK.release
    ]
    parsed: dict[str, Any] = yaml.safe_load(release["values"][0])
    return parsed


def entries(stacks: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in values_of(stacks)["servingEngineSpec"]["modelSpec"]}


def untokenised(text: str) -> str:
    """A Terraform reference becomes its last attribute, so expected ARNs and scopes can be written out."""
    return TOKEN.sub(lambda match: "<" + match.group(0)[2:-1].rsplit(".", 1)[-1] + ">", text)


def model(name: str) -> VllmModelSpec:
    fields = {"small": SMALL, "big": BIG, "plain": PLAIN}[name]
    return VllmModelSpec.model_validate(fields)


# --- the loader's rules, as a table ------------------------------------------------------------------------------

WEIGHTS = "apps.vllm.models.0.weights"


@pytest.mark.parametrize(
    ("cloud", "weights", "problem"),
    [
        ("aws", "s3://team-models/qwen", None),
        ("aws", "s3://team.models-1/meta/llama-3.1-8b/", None),
        ("aws", "gs://team-models/qwen", "streams from S3 (s3://)"),
        ("aws", "az://teammodels/team-models/qwen", "streams from S3 (s3://)"),
        ("aws", "s3://Team_Models/qwen", "an S3 bucket name has 3-63"),
        ("aws", "s3://team..models/qwen", "no '..'"),
        ("aws", "s3://ab/qwen", "an S3 bucket name has 3-63"),
        ("aws", "s3://192.168.10.1/qwen", "not an IP address"),
        ("aws", "s3://xn--models/qwen", "S3 reserves"),
        ("aws", "s3://models--use1-az4--x-s3/qwen", "directory bucket"),
        ("aws", "s3://team-models", "names no folder"),
        ("aws", "s3://team-models/", "names no folder"),
        ("aws", "s3://team-models//qwen", "empty, '.' or '..'"),
        ("aws", "s3://team-models/a/../qwen", "empty, '.' or '..'"),
        ("google", "gs://team-models/qwen", None),
        ("google", "gs://team_models.example.com/qwen/7b", None),
        ("google", "s3://team-models/qwen", "streams from Cloud Storage (gs://)"),
        ("google", "gs://google-models/qwen", "contain google"),
        ("google", "gs://goog-models/qwen", "start with goog"),
        ("google", "gs://" + "m" * 64 + "/qwen", "3-63 characters"),
        ("google", "gs://-models/qwen", "a Cloud Storage bucket name has"),
        ("google", "gs://team-models", "names no folder"),
        ("azure", "az://teammodels/team-models/qwen", None),
        ("azure", "az://teammodels/team-models/qwen/7b/", None),
        ("azure", "s3://team-models/qwen", "streams from Azure Blob Storage (az://)"),
        ("azure", "az://team-models/qwen", "needs the storage account, the container and the folder"),
        ("azure", "az://team-models/weights/qwen", "storage account name has 3-24"),
        ("azure", "az://teammodels/team--models/qwen", "container name has 3-63"),
        ("azure", "az://teammodels/team-models-/qwen", "container name has 3-63"),
        ("azure", "az://teammodels/team-models", "needs the storage account, the container and the folder"),
    ],
)
def test_the_loader_refuses_a_scheme_of_another_cloud_a_bucket_it_cannot_name_and_no_folder(
    cloud: str, weights: str, problem: str | None
) -> None:
    models = [{**SMALL, "weights": weights}]
    problems = weights_problems(environment(**environment_fields(cloud, models)))
    if problem is None:
        assert problems == []
    else:
        assert [p.field for p in problems] == [WEIGHTS]
        assert problem in problems[0].problem


def test_weights_with_a_cache_volume_is_refused_at_the_volume() -> None:
    models = [{**SMALL, "weights": "s3://team-models/qwen", "storage": "50Gi"}]
    (problem,) = weights_problems(environment(**environment_fields("aws", models)))
    assert problem.field == "apps.vllm.models.0.storage"
    assert "would stay empty" in problem.problem


@pytest.mark.parametrize(
    "argument",
    ["--load-format=safetensors", "--served-model-name", "--served_model_name", "--model-loader-extra-config"],
)
def test_flags_weights_sets_are_refused_in_extra_args(argument: str) -> None:
    models = [{**SMALL, "weights": "s3://team-models/qwen", "extraArgs": ["--enforce-eager", argument]}]
    (problem,) = weights_problems(environment(**environment_fields("aws", models)))
    assert problem.field == "apps.vllm.models.0.extraArgs.1"
    assert "is set from weights" in problem.problem


def test_without_weights_those_flags_are_the_user_s() -> None:
    models = [{**SMALL, "extraArgs": ["--load-format", "safetensors"]}]
    assert weights_problems(environment(**environment_fields("aws", models))) == []


@pytest.mark.parametrize(
    "weights", ["https://team-models.s3.amazonaws.com/qwen", "s3://team-models/${var.folder}", "s3://team-models/q*"]
)
def test_the_file_refuses_other_schemes_and_characters_terraform_or_iam_would_read(
    tmp_path: Path, weights: str
) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump(environment_fields("aws", [{**SMALL, "weights": weights}])))
    with pytest.raises(ConfigError) as refused:
        load_environment_file(path)
    assert refused.value.lines[0].startswith(f"{path}: {WEIGHTS}: ")


def test_the_loader_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump(environment_fields("google", [{**SMALL, "weights": "s3://team-models/qwen"}])))
    with pytest.raises(ConfigError) as refused:
        load_environment_file(path)
    assert refused.value.lines == [
        f"{path}: {WEIGHTS}: a google environment streams from Cloud Storage (gs://), which its engines reach through "
        "the cluster's workload identity; got s3://"
    ]


def test_the_azure_uri_gives_the_streamer_its_own_form() -> None:
    weights = parse_weights("az://teammodels/team-models/qwen/7b")
    assert (weights.account, weights.bucket, weights.folder) == ("teammodels", "team-models", "qwen/7b")
    assert weights.streamer_uri == "az://team-models/qwen/7b/"


def test_identity_names_fit_64_characters_stay_apart_and_are_the_same_every_time() -> None:
    long_environment = environment(name="a" * 24)
    first = VllmModelSpec.model_validate({"name": "m" * 37, "model": "x/y"})
    second = VllmModelSpec.model_validate({"name": "m" * 36 + "n", "model": "x/y"})
    names = [identity_name(long_environment, first), identity_name(long_environment, second)]
    assert all(len(name) == IDENTITY_NAME_MAX_LENGTH for name in names)
    assert names[0] != names[1]
    assert names[0] == identity_name(long_environment, first)
    assert identity_name(environment(name="team"), model("small")) == "team-small-weights"


# --- aws: one IRSA role per streamed model, reading its folder only -------------------------------------------------


def permissions(stacks: SynthesizedEnvironment, model_name: str) -> list[dict[str, Any]]:
    documents = stacks.cluster_json["data"]["aws_iam_policy_document"]
    (document,) = [doc for key, doc in documents.items() if key.startswith(f"vllm-weights-{model_name}_permissions")]
    statements: list[dict[str, Any]] = document["statement"]
    return statements


@pytest.mark.parametrize(("model_name", "folder"), [("small", SMALL_FOLDER), ("big", BIG_FOLDER)])
def test_aws_role_reads_and_lists_only_its_model_s_folder(model_name: str, folder: str) -> None:
    stacks = streamed("aws")
    read, listing = permissions(stacks, model_name)
    assert (read["sid"], read["actions"]) == ("ReadModelWeights", ["s3:GetObject"])
    # Exact equality: the bucket's ARN alone, "team-models/*" or another model's folder would fail.
    assert [untokenised(arn) for arn in read["resources"]] == [f"arn:<partition>:s3:::team-models/{folder}/*"]
    assert "condition" not in read
    assert (listing["sid"], listing["actions"]) == ("ListModelWeights", ["s3:ListBucket"])
    assert [untokenised(arn) for arn in listing["resources"]] == ["arn:<partition>:s3:::team-models"]
    assert listing["condition"] == [{"test": "StringLike", "variable": "s3:prefix", "values": [folder, f"{folder}/*"]}]


def test_aws_each_streamed_model_has_its_own_role_trusting_its_own_service_account() -> None:
    stacks = streamed("aws")
    for name in ("small", "big"):
        assert CdktfTesting.to_have_resource_with_properties(
            stacks.cluster, "aws_iam_role", {"name": f"team-{name}-weights"}
        )
        documents = stacks.cluster_json["data"]["aws_iam_policy_document"]
        (trust,) = [doc for key, doc in documents.items() if key.startswith(f"vllm-weights-{name}_trust")]
        (subject,) = [c for c in trust["statement"][0]["condition"] if c["variable"].endswith(":sub")]
        assert subject["values"] == [f"system:serviceaccount:vllm:vllm-stack-{name}-engine"]
    roles = [role["name"] for role in resources_of(stacks.cluster_json, "aws_iam_role") if "weights" in role["name"]]
    assert sorted(roles) == ["team-big-weights", "team-small-weights"]  # none for the model from Hugging Face
    attached = resources_of(stacks.cluster_json, "aws_iam_role_policy_attachment")
    assert not [a for a in attached if "vllm-weights" in a["role"]]  # no managed policy on top


def test_aws_engine_service_account_carries_its_role() -> None:
    accounts = {item["metadata"]["name"]: item for item in values_of(streamed("aws"))["extraObjects"]}
    annotation = accounts["vllm-stack-small-engine"]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert re.fullmatch(r"\$\{data\.aws_iam_role\.vllm-weights-small_role_\w+\.arn\}", annotation)
    assert CdktfTesting.to_have_data_source_with_properties(
        streamed("aws").apps, "aws_iam_role", {"name": "team-small-weights"}
    )


# --- google: the engine's own Workload Identity principal, on the bucket, with a condition on the folder -----------


def bindings(stacks: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = stacks.cluster_json["resource"]["google_storage_bucket_iam_member"]
    return found


@pytest.mark.parametrize(("model_name", "folder"), [("small", SMALL_FOLDER), ("big", BIG_FOLDER)])
def test_google_binding_is_limited_to_the_model_s_folder_by_its_condition(model_name: str, folder: str) -> None:
    binding = bindings(streamed("google"))[f"vllm-weights-{model_name}"]
    assert (binding["bucket"], binding["role"]) == ("team-models", "roles/storage.objectViewer")
    listed = 'api.getAttribute("storage.googleapis.com/objectListPrefix", "")'
    assert binding["condition"]["expression"] == (
        f'resource.name.startsWith("projects/_/buckets/team-models/objects/{folder}/") || '
        f'{listed} == "{folder}" || {listed}.startsWith("{folder}/")'
    )
    assert binding["condition"]["title"] == f"vllm weights of {model_name}"
    principal = untokenised(binding["member"])
    assert principal == (
        "principal://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<workload_pool>"
        f"/subject/ns/vllm/sa/vllm-stack-{model_name}-engine"
    )


def test_google_binds_only_the_streamed_models_and_needs_no_annotation() -> None:
    stacks = streamed("google")
    assert sorted(bindings(stacks)) == ["vllm-weights-big", "vllm-weights-small"]
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        "google_storage_bucket_iam_member",
        {"bucket": "team-models", "role": "roles/storage.objectViewer"},
    )
    accounts = values_of(stacks)["extraObjects"]
    # each streamed engine its own account, no cloud annotation; the plain model the engines' shared one
    assert [item["metadata"] for item in accounts] == [
        {"name": "vllm-stack-small-engine", "namespace": "vllm"},
        {"name": "vllm-stack-big-engine", "namespace": "vllm"},
        {"name": "vllm-stack-engine", "namespace": "vllm"},
    ]


# --- azure: a federated managed identity with Storage Blob Data Reader on the container, conditioned on the folder --


def role_assignments(stacks: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = stacks.cluster_json["resource"]["azurerm_role_assignment"]
    return {key: value for key, value in found.items() if key.startswith("vllm-weights-")}


@pytest.mark.parametrize(("model_name", "folder"), [("small", SMALL_FOLDER), ("big", BIG_FOLDER)])
def test_azure_role_is_scoped_to_the_container_and_conditioned_on_the_model_s_folder(
    model_name: str, folder: str
) -> None:
    stacks = streamed("azure")
    assignment = role_assignments(stacks)[f"vllm-weights-{model_name}-reader"]
    assert assignment["role_definition_name"] == "Storage Blob Data Reader"
    assert untokenised(assignment["scope"]) == "<id>/blobServices/default/containers/team-models"
    assert "azurerm_resources.vllm-weights-" + model_name + "-account" in assignment["scope"]
    assert assignment["principal_id"].startswith(f"${{azurerm_user_assigned_identity.vllm-weights-{model_name}_")
    assert assignment["condition_version"] == "2.0"
    read = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
    path = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]"
    prefix = "@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix]"
    assert assignment["condition"] == (
        f"((!(ActionMatches{{'{read}'}} AND NOT SubOperationMatches{{'Blob.List'}})) "
        f"OR ({path} StringStartsWith '{folder}/')) AND "
        f"((!(ActionMatches{{'{read}'}} AND SubOperationMatches{{'Blob.List'}})) "
        f"OR ({prefix} StringEquals '{folder}' OR {prefix} StringStartsWith '{folder}/'))"
    )


def test_azure_each_streamed_model_has_its_own_identity_federated_with_its_service_account() -> None:
    stacks = streamed("azure")
    for name in ("small", "big"):
        assert CdktfTesting.to_have_resource_with_properties(
            stacks.cluster, "azurerm_user_assigned_identity", {"name": f"team-{name}-weights"}
        )
        assert CdktfTesting.to_have_resource_with_properties(
            stacks.cluster,
            "azurerm_federated_identity_credential",
            {"subject": f"system:serviceaccount:vllm:vllm-stack-{name}-engine"},
        )
    accounts = stacks.cluster_json["data"]["azurerm_resources"]
    assert {item["name"] for key, item in accounts.items() if key.startswith("vllm-weights-")} == {"teammodels"}
    assert len(role_assignments(stacks)) == 2


def test_azure_engine_gets_the_account_the_label_and_its_identity() -> None:
    stacks = streamed("azure")
    small = entries(stacks)["small"]
    assert small["env"] == [{"name": "AZURE_STORAGE_ACCOUNT_NAME", "value": "teammodels"}]
    assert small["podLabels"] == {"azure.workload.identity/use": "true"}
    accounts = {item["metadata"]["name"]: item for item in values_of(stacks)["extraObjects"]}
    annotations = accounts["vllm-stack-small-engine"]["metadata"]["annotations"]
    assert {key: untokenised(value) for key, value in annotations.items()} == {
        "azure.workload.identity/client-id": "<client_id>",
        "azure.workload.identity/tenant-id": "<tenant_id>",
    }


# --- every cloud: the engine's values, and the outputs ---------------------------------------------------------------


def test_a_streamed_engine_loads_from_its_bucket_under_its_own_name(
    each_cloud: tuple[str, SynthesizedEnvironment],
) -> None:
    cloud, stacks = each_cloud
    found = entries(stacks)
    streamer_bucket = {"aws": "s3://team-models", "google": "gs://team-models", "azure": "az://team-models"}[cloud]
    for name, folder, fields in (("small", SMALL_FOLDER, SMALL), ("big", BIG_FOLDER, BIG)):
        entry = found[name]
        assert entry["modelURL"] == f"{streamer_bucket}/{folder}/"
        assert entry["serviceAccountName"] == f"vllm-stack-{name}-engine"
        assert entry["vllmConfig"]["extraArgs"][:4] == [
            "--load-format",
            LOAD_FORMAT,
            "--served-model-name",
            fields["model"],
        ]
    # a staging buffer of half the engine's memory; one replica on two GPUs streams each byte once and shares it
    # (vLLM's distributed streaming)
    big, small = (json.loads(found[name]["vllmConfig"]["extraArgs"][5]) for name in ("big", "small"))
    assert big == {"distributed": True, "memory_limit": 32 * 1024**3}  # 64Gi requested: 2 GPUs of a medium node
    assert small == {"memory_limit": 16 * 1024**3}  # 32Gi for one


def test_the_cluster_stack_outputs_each_streamed_model_s_identity(
    each_cloud: tuple[str, SynthesizedEnvironment],
) -> None:
    cloud, stacks = each_cloud
    identities = stacks.cluster_json["output"]["vllm_weights_identities"]["value"]
    assert sorted(identities) == ["big", "small"]
    expected = {
        "aws": r"^\$\{aws_iam_role\.vllm-weights-small_role_\w+\.arn\}$",
        "google": r"^principal://iam\.googleapis\.com/.*/subject/ns/vllm/sa/vllm-stack-small-engine$",
        "azure": r"^\$\{azurerm_user_assigned_identity\.vllm-weights-small_identity_\w+\.client_id\}$",
    }[cloud]
    assert re.match(expected, identities["small"])


def test_a_model_without_weights_is_unchanged(each_cloud: tuple[str, SynthesizedEnvironment]) -> None:
    cloud, stacks = each_cloud
    alone = synth(**environment_fields(cloud, [PLAIN]))
    assert entries(stacks)["plain"] == entries(alone)["plain"]
    assert entries(alone)["plain"]["modelURL"] == PLAIN["model"]
    # only the engines' shared token-less account, no cloud identity
    assert [item["metadata"]["name"] for item in values_of(alone)["extraObjects"]] == ["vllm-stack-engine"]
    assert "annotations" not in values_of(alone)["extraObjects"][0]["metadata"]
    assert "weights" not in alone.cluster
    assert "vllm_weights_identities" not in alone.cluster_json.get("output", {})


# --- the rendered engine: the command line vLLM 0.33.0 gets, and the objects Kubernetes gets -------------------------


def rendered_vllm(renderer: Renderer, stacks: SynthesizedEnvironment) -> list[dict[str, Any]]:
    """The vllm-stack release of `stacks` rendered with the pinned chart, as the helm provider installs it."""
    (release,) = [
        r for r in resources_of(stacks.apps_json, Release.TF_RESOURCE_TYPE) if r["name"] == VLLM_STACK.release
    ]
    assert not release.get("set")
    assert not release.get("set_sensitive")
    release_input = ReleaseInput(
        stack="team-apps",
        name=VLLM_STACK.release,
        namespace=VLLM_STACK.namespace,
        chart=VLLM_STACK.chart,
        version=VLLM_STACK.version,
        chart_path=pinned_chart(VLLM_STACK.chart, VLLM_STACK.version),
        chart_digest=pin_of(VLLM_STACK.chart, VLLM_STACK.version).digest,
        values=tuple(release["values"]),
        set_strings=(),
        kube_version=cluster_version(stacks.cluster_json),
    )
    return parse_manifest(renderer.render(release_input))


def engine(objects: list[dict[str, Any]], model_name: str) -> dict[str, Any]:
    (deployment,) = [
        item
        for item in objects
        if item["kind"] == "Deployment" and item["spec"]["template"]["metadata"]["labels"].get("model") == model_name
    ]
    return deployment


def test_every_flag_of_a_streamed_engine_s_command_is_one_vllm_0_33_0_takes(
    renderer: Renderer, each_cloud: tuple[str, SynthesizedEnvironment]
) -> None:
    _, stacks = each_cloud
    objects = rendered_vllm(renderer, stacks)
    for name, fields in (("small", SMALL), ("big", BIG)):
        (container,) = engine(objects, name)["spec"]["template"]["spec"]["containers"]
        command = container["command"]
        assert command[:2] == ["vllm", "serve"]
        assert command[2] == entries(stacks)[name]["modelURL"]  # the one positional: the bucket's folder
        arguments = command[3:]
        refused = {
            argument: flag_problem(argument, arguments[i + 1] if i + 1 < len(arguments) else None)
            for i, argument in enumerate(arguments)
            if argument.startswith("-")
        }
        assert {argument: problem for argument, problem in refused.items() if problem} == {}
        assert arguments[arguments.index("--load-format") + 1] == LOAD_FORMAT
        assert arguments[arguments.index("--served-model-name") + 1] == fields["model"]
        if "--model-loader-extra-config" in arguments:
            config = json.loads(arguments[arguments.index("--model-loader-extra-config") + 1])
            assert set(config) <= LOADER_CONFIG_KEYS
            assert config.get("distributed", False) == (fields.get("gpus", 1) > 1)


def test_the_rendered_engine_runs_as_its_service_account_which_the_release_creates(
    renderer: Renderer, each_cloud: tuple[str, SynthesizedEnvironment]
) -> None:
    cloud, stacks = each_cloud
    objects = rendered_vllm(renderer, stacks)
    version = schema_version_for(cluster_version(stacks.cluster_json))
    accounts = {item["metadata"]["name"]: item for item in objects if item["kind"] == "ServiceAccount"}
    for name in ("small", "big"):
        pod = engine(objects, name)["spec"]["template"]
        assert pod["spec"]["serviceAccountName"] == f"vllm-stack-{name}-engine"
        assert f"vllm-stack-{name}-engine" in accounts
        if cloud == "azure":
            assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
            (container,) = pod["spec"]["containers"]
            assert {"name": "AZURE_STORAGE_ACCOUNT_NAME", "value": "teammodels"} in container["env"]
    assert engine(objects, "plain")["spec"]["template"]["spec"]["serviceAccountName"] == "vllm-stack-engine"
    for item in [accounts["vllm-stack-small-engine"], engine(objects, "small")]:
        validator = kubernetes_validator(version, item["kind"], item["apiVersion"])
        assert validator is not None
        assert [error.message for error in validator.iter_errors(item)] == []
