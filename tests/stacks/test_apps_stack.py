"""The `<name>-apps` stack: Helm provider from data sources, pinned releases, typed values, warnings."""

from __future__ import annotations

from typing import Any

import yaml
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.data_aws_eks_cluster import DataAwsEksCluster
from cdktf_cdktf_provider_aws.data_aws_eks_cluster_auth import DataAwsEksClusterAuth
from cdktf_cdktf_provider_helm.release import Release

from catalogue.charts import GPU_OPERATOR, VLLM_ROUTER_IMAGE_TAG, VLLM_STACK
from tests.conftest import SynthesizedEnvironment, resources_of, synth

FULL = {
    "gpu": {"enabled": True},
    "apps": {"nvidia": {"enabled": True}, "vllm": {"enabled": True}},
    "endpointAccess": {"publicAccessCidrs": ["198.51.100.7/32"]},  # reachable: no endpointAccess warning
}


def release(stacks: SynthesizedEnvironment, name: str) -> dict[str, Any]:
    matches = [r for r in resources_of(stacks.apps_json, Release.TF_RESOURCE_TYPE) if r["name"] == name]
    assert len(matches) == 1, f"expected one release {name!r}"
    return matches[0]


def values(stacks: SynthesizedEnvironment, name: str) -> dict[str, Any]:
    documents = release(stacks, name)["values"]
    assert len(documents) == 1, "values are passed as one YAML document"
    parsed: dict[str, Any] = yaml.safe_load(documents[0])
    return parsed


def stack_annotations(stacks: SynthesizedEnvironment, kind: str) -> list[str]:
    return [entry.data for entry in stacks.apps_stack.node.metadata if entry.type == kind]


def warnings(stacks: SynthesizedEnvironment) -> list[str]:
    return stack_annotations(stacks, "@cdktf/warn")


def test_helm_provider_reads_the_cluster_from_data_sources_by_name() -> None:
    stacks = synth(**FULL)
    assert CdktfTesting.to_have_data_source_with_properties(
        stacks.apps, DataAwsEksCluster.TF_RESOURCE_TYPE, {"name": "test"}
    )
    assert CdktfTesting.to_have_data_source_with_properties(
        stacks.apps, DataAwsEksClusterAuth.TF_RESOURCE_TYPE, {"name": "test"}
    )
    kubernetes = stacks.apps_json["provider"]["helm"][0]["kubernetes"]
    assert kubernetes["host"].startswith("${data.aws_eks_cluster.")
    assert kubernetes["token"].startswith("${data.aws_eks_cluster_auth.")
    assert "exec" not in kubernetes


def test_apps_stack_creates_no_cloud_resources() -> None:
    # Helm releases and Kubernetes objects only: namespaces, vllm's NetworkPolicies and, on EKS, the default
    # StorageClass.
    assert set(synth(**FULL).apps_json["resource"]) == {
        "helm_release",
        "kubernetes_namespace_v1",
        "kubernetes_network_policy_v1",
        "kubernetes_storage_class_v1",
    }


def test_apps_stack_depends_on_the_cluster_stack() -> None:
    stacks = synth(**FULL)
    assert stacks.cluster_stack in stacks.apps_stack.dependencies


def test_gpu_operator_release_is_pinned_from_the_nvidia_repository() -> None:
    stacks = synth(**FULL)
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.apps,
        Release.TF_RESOURCE_TYPE,
        {
            "name": "gpu-operator",
            "chart": "gpu-operator",
            "repository": "https://helm.ngc.nvidia.com/nvidia",
            "version": GPU_OPERATOR.version,
            "namespace": "gpu-operator",
            "create_namespace": False,  # the stack creates it, labelled
            "atomic": True,
            "cleanup_on_fail": True,
        },
    )


def test_gpu_operator_leaves_driver_and_toolkit_to_the_eks_nvidia_ami() -> None:
    operator = values(synth(**FULL), "gpu-operator")
    assert operator["driver"] == {"enabled": False}
    assert operator["toolkit"] == {"enabled": False}
    assert operator["devicePlugin"] == {"enabled": True}
    assert operator["psa"] == {"enabled": False}  # the stack labels its namespace, not the operator


def test_vllm_stack_release_is_pinned_from_the_production_stack_repository() -> None:
    stacks = synth(**FULL)
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.apps,
        Release.TF_RESOURCE_TYPE,
        {
            "name": "vllm-stack",
            "chart": "vllm-stack",
            "repository": "https://vllm-project.github.io/production-stack",
            "version": VLLM_STACK.version,
            "namespace": "vllm",
            "create_namespace": False,  # the stack creates it, labelled
            "atomic": True,
        },
    )


def test_vllm_stack_installs_the_router_only_without_the_example_model() -> None:
    engine = values(synth(**FULL), "vllm-stack")["servingEngineSpec"]
    assert engine["enableEngine"] is False
    assert engine["modelSpec"] == []


def test_vllm_router_image_is_pinned() -> None:
    router = values(synth(**FULL), "vllm-stack")["routerSpec"]
    assert (router["tag"], router["imagePullPolicy"]) == (VLLM_ROUTER_IMAGE_TAG, "IfNotPresent")


def test_vllm_names_the_nvidia_runtime_class_only_with_the_gpu_operator() -> None:
    with_operator = values(synth(**FULL), "vllm-stack")["servingEngineSpec"]["runtimeClassName"]
    without = synth(gpu={"enabled": True}, apps={"vllm": {"enabled": True}})
    assert (with_operator, values(without, "vllm-stack")["servingEngineSpec"]["runtimeClassName"]) == ("nvidia", "")


def test_every_release_has_an_explicit_timeout() -> None:
    for entry in resources_of(synth(**FULL).apps_json, Release.TF_RESOURCE_TYPE):
        assert isinstance(entry["timeout"], int)
        assert entry["timeout"] > 0


def test_no_vllm_release_when_vllm_is_disabled() -> None:
    stacks = synth(gpu={"enabled": True}, apps={"nvidia": {"enabled": True}})
    assert not CdktfTesting.to_have_resource_with_properties(
        stacks.apps, Release.TF_RESOURCE_TYPE, {"name": "vllm-stack"}
    )
    assert "vllm_port_forward_command" not in stacks.apps_json.get("output", {})


def test_no_gpu_operator_release_when_nvidia_is_disabled() -> None:
    stacks = synth(gpu={"enabled": True}, apps={"vllm": {"enabled": True}})
    assert not CdktfTesting.to_have_resource_with_properties(
        stacks.apps, Release.TF_RESOURCE_TYPE, {"name": "gpu-operator"}
    )


def test_apps_stack_outputs_namespaces_and_how_to_reach_the_router() -> None:
    outputs = synth(**FULL).apps_json["output"]
    assert outputs["app_namespaces"]["value"] == ["gpu-operator", "vllm", "kube-system"]  # EKS: the node autoscaler
    assert outputs["namespaces"]["value"] == ["dev", "production"]
    assert outputs["vllm_router_service"]["value"] == "vllm/vllm-stack-router-service"
    assert (
        outputs["vllm_port_forward_command"]["value"]
        == "kubectl -n vllm port-forward svc/vllm-stack-router-service 30080:80"
    )


def test_vllm_without_gpu_warns_that_no_engine_can_run() -> None:
    stacks = synth(apps={"nvidia": {"enabled": True}, "vllm": {"enabled": True}})
    assert any("without gpu.enabled" in w and "no GPU node" in w for w in warnings(stacks))


def test_vllm_without_the_gpu_operator_says_which_runtime_class_the_engines_get_as_information() -> None:
    stacks = synth(gpu={"enabled": True}, apps={"vllm": {"enabled": True}})
    infos = stack_annotations(stacks, "@cdktf/info")
    assert any("without apps.nvidia.enabled" in info and "RuntimeClass" in info for info in infos)
    assert not any("without apps.nvidia.enabled" in w for w in warnings(stacks))


def test_complete_environment_synthesises_without_warnings() -> None:
    assert warnings(synth(**FULL)) == []
