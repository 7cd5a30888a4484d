"""`apps.vllm.models` in the vllm-stack release: typed values that pass the chart's schema; today's output without."""

from __future__ import annotations

import json
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_helm.release import Release

from catalogue.charts import VLLM_ENGINE_IMAGE, VLLM_ENGINE_TIMEOUT_SECONDS, VLLM_STACK
from tests.conftest import PROJECT_ROOT, SynthesizedEnvironment, synth
from tests.support.synthesized_stacks import SynthesizedStack

SCHEMA_PATH = PROJECT_ROOT / "tests" / "data" / f"vllm-stack-{VLLM_STACK.version}.values.schema.json"
# Today's values of a router-only release (examples/aws-eks-gpu.yaml before models existed); the runtime class
# is "" where the GPU Operator does not run.
ROUTER_ONLY_VALUES = (
    "servingEngineSpec:\n"
    "  enableEngine: false\n"
    "  modelSpec: []\n"
    "  runtimeClassName: {runtime_class}\n"
    "routerSpec:\n"
    "  tag: v0.1.12\n"
    "  imagePullPolicy: IfNotPresent\n"
    # restricted: a non-root user, no privilege, a read-only root with /tmp writable (apps/vllm/install)
    "  securityContext:\n"
    "    runAsNonRoot: true\n"
    "    runAsUser: 1000\n"
    "    runAsGroup: 1000\n"
    "    seccompProfile:\n"
    "      type: RuntimeDefault\n"
    "  containerSecurityContext:\n"
    "    allowPrivilegeEscalation: false\n"
    "    readOnlyRootFilesystem: true\n"
    "    capabilities:\n"
    "      drop:\n"
    "      - ALL\n"
    "  extraVolumes:\n"
    "  - name: tmp\n"
    "    emptyDir: {{}}\n"
    "  extraVolumeMounts:\n"
    "  - name: tmp\n"
    "    mountPath: /tmp\n"
)
SMALL = {"name": "opt", "model": "facebook/opt-125m"}
BIG = {
    "name": "llama",
    "model": "meta-llama/Llama-3.1-8B-Instruct",
    "image": "registry.example.com:5000/vllm/vllm-openai:v0.30.0",
    "replicas": 2,
    "gpus": 4,
    "tensorParallelSize": 2,
    "cpu": 12,
    "memory": "64Gi",
    "storage": "50Gi",
    "maxModelLen": 4096,
    "dtype": "bfloat16",
    "extraArgs": ["--enable-chunked-prefill"],
    "hfTokenSecret": {"name": "hf-token", "key": "token"},
}


@pytest.fixture(scope="module")
def serving() -> SynthesizedEnvironment:
    return synth(
        gpu={"enabled": True, "nodeSize": "medium"},
        apps={
            "nvidia": {"enabled": True},
            "vllm": {"enabled": True, "routingLogic": "session", "sessionKey": "x-user-id", "models": [SMALL, BIG]},
        },
    )


def vllm_release(stack_json: dict[str, Any]) -> dict[str, Any] | None:
    releases = stack_json.get("resource", {}).get(Release.TF_RESOURCE_TYPE, {}).values()
    return next((release for release in releases if release["name"] == VLLM_STACK.release), None)


def values_of(stack_json: dict[str, Any]) -> dict[str, Any]:
    release = vllm_release(stack_json)
    assert release is not None
    parsed: dict[str, Any] = yaml.safe_load(release["values"][0])
    return parsed


def model_entries(serving: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in values_of(serving.apps_json)["servingEngineSpec"]["modelSpec"]}


def shipped_vllm_stacks(all_stacks: list[SynthesizedStack]) -> list[tuple[SynthesizedStack, dict[str, Any]]]:
    found = [(stack, vllm_release(stack.json)) for stack in all_stacks if not stack.is_cluster_stack]
    return [(stack, release) for stack, release in found if release is not None]


# --- no models: today's output -------------------------------------------------------------------------------


def test_without_models_every_shipped_release_has_today_s_values(all_stacks: list[SynthesizedStack]) -> None:
    router_only = [
        (stack, release)
        for stack, release in shipped_vllm_stacks(all_stacks)
        if not yaml.safe_load(release["values"][0])["servingEngineSpec"]["modelSpec"]
        and '"name": "kube-prometheus-stack"' not in stack.text  # monitoring adds the router's ServiceMonitor
    ]
    assert {stack.name.rsplit("-", 1)[0] for stack, _ in router_only} >= {"a-team-gpu", "gke-gpu", "aks-gpu"}
    for stack, release in router_only:
        runtime_class = "nvidia" if '"name": "gpu-operator"' in stack.text else "''"
        assert release["values"] == [ROUTER_ONLY_VALUES.format(runtime_class=runtime_class)], stack.name
        assert release["timeout"] == VLLM_STACK.timeout_seconds, stack.name


def test_without_models_there_is_no_models_output() -> None:
    outputs = synth(gpu={"enabled": True}, apps={"vllm": {"enabled": True}}).apps_json["output"]
    assert "vllm_models" not in outputs


# --- the serving engine --------------------------------------------------------------------------------------


def test_models_turn_the_engine_on_with_one_entry_each_in_order(serving: SynthesizedEnvironment) -> None:
    engine = values_of(serving.apps_json)["servingEngineSpec"]
    assert engine["enableEngine"] is True
    assert [entry["name"] for entry in engine["modelSpec"]] == ["opt", "llama"]


def test_engines_are_recreated_not_surged(serving: SynthesizedEnvironment) -> None:
    assert values_of(serving.apps_json)["servingEngineSpec"]["strategy"] == {"type": "Recreate"}


def test_engines_with_pinned_tags_pull_their_image_once_per_node(serving: SynthesizedEnvironment) -> None:
    assert values_of(serving.apps_json)["servingEngineSpec"]["imagePullPolicy"] == "IfNotPresent"


def test_an_engine_on_the_latest_tag_is_pulled_on_every_start() -> None:
    latest = {**SMALL, "name": "nightly", "image": "vllm/vllm-openai:latest"}
    stacks = synth(gpu={"enabled": True}, apps={"vllm": {"enabled": True, "models": [SMALL, latest]}})
    assert values_of(stacks.apps_json)["servingEngineSpec"]["imagePullPolicy"] == "Always"


def test_a_one_gpu_model_gets_the_tier_defaults_the_pinned_image_and_the_gpu_pool(
    serving: SynthesizedEnvironment,
) -> None:
    repository, tag = VLLM_ENGINE_IMAGE.split(":")
    assert model_entries(serving)["opt"] == {
        "name": "opt",
        "repository": repository,
        "tag": tag,
        "modelURL": "facebook/opt-125m",
        "replicaCount": 1,
        "requestCPU": 8,
        "requestMemory": "32Gi",
        "requestGPU": 1,
        "vllmConfig": {"enablePrefixCaching": True},
        "tolerations": [{"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}],
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "gpu", "operator": "In", "values": ["true"]}]}],
        # restricted: the engines' token-less account, and writable scratch under a read-only root
        "serviceAccountName": "vllm-stack-engine",
        "extraVolumes": [{"name": "tmp", "emptyDir": {}}, {"name": "home", "emptyDir": {}}],
        "extraVolumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, {"name": "home", "mountPath": "/home/vllm"}],
    }


def test_every_field_of_a_model_reaches_its_chart_key(serving: SynthesizedEnvironment) -> None:
    big = model_entries(serving)["llama"]
    assert (big["repository"], big["tag"]) == ("registry.example.com:5000/vllm/vllm-openai", "v0.30.0")
    assert (big["modelURL"], big["replicaCount"], big["requestCPU"]) == ("meta-llama/Llama-3.1-8B-Instruct", 2, 12)
    assert (big["requestMemory"], big["requestGPU"], big["pvcStorage"]) == ("64Gi", 4, "50Gi")
    assert big["vllmConfig"] == {
        "enablePrefixCaching": True,
        "maxModelLen": 4096,
        "dtype": "bfloat16",
        "tensorParallelSize": 2,
        "extraArgs": ["--pipeline-parallel-size=2", "--enable-chunked-prefill"],
    }


def test_the_hugging_face_token_is_a_secret_reference_only_when_given(serving: SynthesizedEnvironment) -> None:
    entries = model_entries(serving)
    assert entries["llama"]["hf_token"] == {"secretName": "hf-token", "secretKey": "token"}
    assert "hf_token" not in entries["opt"]


def test_the_model_cache_uses_the_default_storage_class_and_only_when_asked(serving: SynthesizedEnvironment) -> None:
    entries = model_entries(serving)
    assert entries["llama"]["pvcStorage"] == "50Gi"
    assert "storageClass" not in entries["llama"]
    assert "pvcStorage" not in entries["opt"]


def test_shared_memory_only_for_engines_on_several_gpus(serving: SynthesizedEnvironment) -> None:
    entries = model_entries(serving)
    assert entries["llama"]["shmSize"] == "20Gi"
    assert "tensorParallelSize" in entries["llama"]["vllmConfig"]
    assert "shmSize" not in entries["opt"]
    assert "tensorParallelSize" not in entries["opt"]["vllmConfig"]  # the chart mounts /dev/shm when it is set


def test_models_inherit_the_release_runtime_class(serving: SynthesizedEnvironment) -> None:
    values = values_of(serving.apps_json)["servingEngineSpec"]
    assert values["runtimeClassName"] == "nvidia"
    assert all("runtimeClassName" not in entry for entry in values["modelSpec"])


def test_the_router_routes_by_session_with_the_key(serving: SynthesizedEnvironment) -> None:
    router = values_of(serving.apps_json)["routerSpec"]
    assert (router["routingLogic"], router["sessionKey"]) == ("session", "x-user-id")


def test_serving_releases_wait_long_enough_for_engines(serving: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        serving.apps, Release.TF_RESOURCE_TYPE, {"name": "vllm-stack", "timeout": VLLM_ENGINE_TIMEOUT_SECONDS}
    )


def test_outputs_name_each_model_service_with_a_ready_request(serving: SynthesizedEnvironment) -> None:
    models = serving.apps_json["output"]["vllm_models"]["value"]
    assert models["opt"] == {
        "service": "vllm/vllm-stack-opt-engine-service",
        "curl": "curl -s localhost:30080/v1/completions -H 'Content-Type: application/json' "
        '-d \'{"model": "facebook/opt-125m", "prompt": "San Francisco is a", "max_tokens": 32}\'',
    }
    assert models["llama"]["service"] == "vllm/vllm-stack-llama-engine-service"


# --- every shipped example -----------------------------------------------------------------------------------


CLOUD_PROVIDERS = {"aws", "google", "azurerm"}


def test_every_cloud_ships_an_example_that_serves_a_model(all_stacks: list[SynthesizedStack]) -> None:
    serving_clouds = {
        provider
        for stack, release in shipped_vllm_stacks(all_stacks)
        if yaml.safe_load(release["values"][0])["servingEngineSpec"]["modelSpec"]
        for provider in stack.json["provider"]
        if provider in CLOUD_PROVIDERS
    }
    assert serving_clouds == CLOUD_PROVIDERS


def test_every_shipped_model_tolerates_and_targets_its_gpu_pool(all_stacks: list[SynthesizedStack]) -> None:
    taint_values = {"aws": "true", "google": "present", "azurerm": "true"}
    for stack, release in shipped_vllm_stacks(all_stacks):
        cloud = next(provider for provider in stack.json["provider"] if provider != "helm")
        for entry in yaml.safe_load(release["values"][0])["servingEngineSpec"]["modelSpec"]:
            gpu = {"key": "nvidia.com/gpu", "operator": "Equal", "value": taint_values[cloud], "effect": "NoSchedule"}
            # the GPU taint first; a spot pool on AKS adds its own (tests/spec/test_gpu_pools.py checks which)
            assert entry["tolerations"][0] == gpu, stack.name
            assert entry["nodeSelectorTerms"][0]["matchExpressions"][0]["key"] == "gpu", stack.name


# --- the chart's schema --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chart_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema


def test_the_schema_copy_is_the_pinned_chart_version_s(chart_schema: dict[str, Any]) -> None:
    assert SCHEMA_PATH.exists()
    assert f"vllm-stack chart {VLLM_STACK.version}" in chart_schema["$comment"]


def test_every_shipped_vllm_stack_values_pass_the_chart_schema(
    all_stacks: list[SynthesizedStack], chart_schema: dict[str, Any]
) -> None:
    releases = shipped_vllm_stacks(all_stacks)
    assert len(releases) >= 6
    for stack, release in releases:
        errors = list(jsonschema.Draft202012Validator(chart_schema).iter_errors(yaml.safe_load(release["values"][0])))
        assert errors == [], f"{stack.name}: {errors[0].message if errors else ''}"


def test_the_models_of_every_field_pass_the_chart_schema(
    serving: SynthesizedEnvironment, chart_schema: dict[str, Any]
) -> None:
    jsonschema.validate(values_of(serving.apps_json), chart_schema)


def test_the_schema_refuses_fractional_cpu(serving: SynthesizedEnvironment, chart_schema: dict[str, Any]) -> None:
    values = values_of(serving.apps_json)
    values["servingEngineSpec"]["modelSpec"][0]["requestCPU"] = 1.5
    with pytest.raises(jsonschema.ValidationError, match=r"1\.5 is not of type 'integer'"):
        jsonschema.validate(values, chart_schema)


def test_the_schema_refuses_a_routing_logic_the_chart_does_not_know(
    serving: SynthesizedEnvironment, chart_schema: dict[str, Any]
) -> None:
    values = values_of(serving.apps_json)
    values["routerSpec"]["routingLogic"] = "random"
    with pytest.raises(jsonschema.ValidationError, match="is not one of"):
        jsonschema.validate(values, chart_schema)
