"""The shared model cache (`apps.vllm.modelCache`): one ReadWriteMany claim per cluster on the cloud's store, filled
by one download Job per model and revision, read offline by every engine, and nothing of it when the cache is off.

The first-model examples (examples/*-first-model.yaml) are the cache's shipped environments, one per cloud.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.efs_file_system import EfsFileSystem
from cdktf_cdktf_provider_aws.eks_addon import EksAddon
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from cdktf_cdktf_provider_google.container_cluster import ContainerCluster
from cdktf_cdktf_provider_google.storage_bucket import StorageBucket
from cdktf_cdktf_provider_kubernetes.persistent_volume_claim_v1 import PersistentVolumeClaimV1
from cdktf_cdktf_provider_kubernetes.storage_class_v1 import StorageClassV1

from apps.vllm.cache import (
    CLAIM_NAME,
    HUB_CACHE,
    JOB_NAME_MAX_LENGTH,
    MOUNT_PATH,
    READER,
    WRITER,
    cache_folder,
    cache_warnings,
    download_job_name,
)
from catalogue.charts import VLLM_STACK
from spec.apps import VllmModelSpec
from tests.conftest import PROJECT_ROOT, SynthesizedEnvironment, environment, resources_of, synth, synth_file
from tests.support.rendering import RenderedStack, kubernetes_validator
from validation.loader import ConfigError, load_environment_file

FIRST_MODEL = {cloud: PROJECT_ROOT / "examples" / f"{cloud}-first-model.yaml" for cloud in ("aws", "google", "azure")}
QWEN = {"name": "qwen", "model": "Qwen/Qwen2.5-1.5B-Instruct"}
TOKEN = re.compile(r"\$\{[^}]+\}")


def first_model(cloud: str) -> SynthesizedEnvironment:
    return synth_file(FIRST_MODEL[cloud])


def with_cache(**vllm: Any) -> SynthesizedEnvironment:
    return synth(
        gpu={"enabled": True},
        apps={"nvidia": {"enabled": True}, "vllm": {"enabled": True, "modelCache": {"enabled": True}, **vllm}},
    )


def jobs(apps: dict[str, Any]) -> list[dict[str, Any]]:
    return resources_of(apps, "kubernetes_job_v1")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "env.yaml"
    path.write_text(text)
    return path


# --- the loader


def test_a_model_with_its_own_volume_is_refused_when_the_cache_is_on(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: t\ncloud: aws\ngpu: {enabled: true}\napps:\n  vllm:\n    enabled: true\n"
        "    modelCache: {enabled: true}\n    models:\n      - {name: q, model: Qwen/Qwen2.5-1.5B-Instruct, "
        "storage: 20Gi}\n",
    )
    with pytest.raises(ConfigError, match=r"apps\.vllm\.models\.0\.storage: .*shared cache: remove storage"):
        load_environment_file(path)


def test_the_same_model_with_its_own_volume_is_accepted_without_the_cache(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: t\ncloud: aws\ngpu: {enabled: true}\napps:\n  vllm:\n    enabled: true\n    models:\n"
        "      - {name: q, model: Qwen/Qwen2.5-1.5B-Instruct, storage: 20Gi}\n",
    )
    assert load_environment_file(path).environment.apps.vllm.models[0].storage == "20Gi"


def test_an_azure_share_below_100gi_is_refused_at_the_size(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: t\ncloud: azure\napps:\n  vllm:\n    enabled: true\n    modelCache: {enabled: true, size: 50Gi}\n",
    )
    with pytest.raises(ConfigError, match=r"apps\.vllm\.modelCache\.size: an Azure Files premium share has at least"):
        load_environment_file(path)


def test_the_cache_without_vllm_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "name: t\ncloud: aws\napps:\n  vllm:\n    modelCache: {enabled: true}\n")
    with pytest.raises(ConfigError, match=r"apps\.vllm\.modelCache\.enabled: needs apps\.vllm\.enabled: true"):
        load_environment_file(path)


def test_revision_refuses_what_a_shell_or_terraform_would_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: t\ncloud: aws\ngpu: {enabled: true}\napps:\n  vllm:\n    enabled: true\n    models:\n"
        "      - {name: q, model: Qwen/Qwen2.5-1.5B-Instruct, revision: '${var.x}'}\n",
    )
    with pytest.raises(ConfigError, match=r"apps\.vllm\.models\.0\.revision"):
        load_environment_file(path)


# --- names


def test_a_new_revision_or_model_is_a_new_job_and_the_same_ones_the_same_job() -> None:
    base = VllmModelSpec.model_validate(QWEN)
    assert download_job_name(base) == download_job_name(VllmModelSpec.model_validate(QWEN))
    assert download_job_name(base) == download_job_name(VllmModelSpec.model_validate({**QWEN, "revision": "main"}))
    assert download_job_name(base) != download_job_name(VllmModelSpec.model_validate({**QWEN, "revision": "abc123"}))
    other = VllmModelSpec.model_validate({**QWEN, "model": "Qwen/Qwen2.5-0.5B-Instruct"})
    assert download_job_name(base) != download_job_name(other)


def test_job_names_fit_a_label_value_even_for_the_longest_model_name() -> None:
    longest = VllmModelSpec.model_validate({**QWEN, "name": "m" * 37})
    name = download_job_name(longest)
    assert len(name) <= JOB_NAME_MAX_LENGTH
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name)


def test_the_cache_folder_is_the_hub_s_own_name_for_the_model() -> None:
    assert cache_folder("Qwen/Qwen2.5-1.5B-Instruct") == "models--Qwen--Qwen2.5-1.5B-Instruct"


# --- the cluster stacks


def test_eks_file_system_is_encrypted_with_the_cluster_key_and_elastic() -> None:
    cluster = first_model("aws").cluster
    assert CdktfTesting.to_have_resource_with_properties(
        cluster, EfsFileSystem.TF_RESOURCE_TYPE, {"encrypted": True, "throughput_mode": "elastic"}
    )
    (file_system,) = resources_of(json.loads(cluster), EfsFileSystem.TF_RESOURCE_TYPE)
    assert re.fullmatch(r"\$\{aws_kms_key\.cluster-key_[^.]+\.arn\}", file_system["kms_key_id"])


def test_eks_mount_targets_are_in_the_private_subnets_only() -> None:
    cluster = first_model("aws").cluster_json
    targets = resources_of(cluster, "aws_efs_mount_target")
    subnets = {target["subnet_id"] for target in targets}
    private = {f"${{aws_subnet.{name}.id}}" for name in cluster["resource"]["aws_subnet"] if "private" in name}
    assert subnets == private
    assert len(targets) == len(private) > 0


def test_eks_nfs_is_reachable_from_the_nodes_only() -> None:
    cluster = first_model("aws")
    assert CdktfTesting.to_have_resource_with_properties(
        cluster.cluster,
        VpcSecurityGroupIngressRule.TF_RESOURCE_TYPE,
        {"from_port": 2049, "to_port": 2049, "ip_protocol": "tcp"},
    )
    (rule,) = resources_of(cluster.cluster_json, VpcSecurityGroupIngressRule.TF_RESOURCE_TYPE)
    assert "cluster_security_group_id" in rule["referenced_security_group_id"]
    assert "cidr_ipv4" not in rule
    assert "cidr_ipv6" not in rule


def test_eks_driver_is_an_add_on_whose_role_touches_only_the_cache_file_system() -> None:
    cluster = first_model("aws")
    assert CdktfTesting.to_have_resource_with_properties(
        cluster.cluster, EksAddon.TF_RESOURCE_TYPE, {"addon_name": "aws-efs-csi-driver"}
    )
    documents = cluster.cluster_json["data"]["aws_iam_policy_document"]
    (policy,) = [doc for name, doc in documents.items() if "vllm-model-cache" in name and "trust" not in name]
    statements = {statement["sid"]: statement for statement in policy["statement"]}
    for sid in ("Describe", "CreateAccessPoint"):
        (resource,) = statements[sid]["resources"]
        assert re.fullmatch(r"\$\{aws_efs_file_system\.vllm-model-cache_[^.]+\.arn\}", resource)
    # Deleting is bounded by the driver's own tag, since an access point's ARN is unknown beforehand.
    assert statements["DeleteOwnAccessPoints"]["condition"][0]["variable"] == "aws:ResourceTag/efs.csi.aws.com/cluster"
    assert not any("*" in action for statement in policy["statement"] for action in statement["actions"])


def test_gke_bucket_is_private_and_only_the_writer_may_write() -> None:
    cluster = first_model("google")
    assert CdktfTesting.to_have_resource_with_properties(
        cluster.cluster,
        StorageBucket.TF_RESOURCE_TYPE,
        {"uniform_bucket_level_access": True, "public_access_prevention": "enforced"},
    )
    members = resources_of(cluster.cluster_json, "google_storage_bucket_iam_member")
    roles = {member["member"].rsplit("/", 1)[-1]: member["role"] for member in members}
    assert roles == {WRITER.name: "roles/storage.objectUser", READER.name: "roles/storage.objectViewer"}
    assert all("google_storage_bucket.vllm-model-cache" in member["bucket"] for member in members)


def test_gke_turns_on_the_fuse_driver_only_with_the_cache() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        first_model("google").cluster,
        ContainerCluster.TF_RESOURCE_TYPE,
        {"addons_config": {"gcs_fuse_csi_driver_config": {"enabled": True}}},
    )
    plain = synth_file(PROJECT_ROOT / "examples" / "google-gke-gpu.yaml")
    (cluster,) = resources_of(plain.cluster_json, ContainerCluster.TF_RESOURCE_TYPE)
    assert "addons_config" not in cluster


def test_without_the_cache_no_cloud_store_exists() -> None:
    plain = synth_file(PROJECT_ROOT / "examples" / "aws-eks-gpu.yaml")
    assert not resources_of(plain.cluster_json, EfsFileSystem.TF_RESOURCE_TYPE)
    assert not resources_of(plain.apps_json, PersistentVolumeClaimV1.TF_RESOURCE_TYPE)
    assert not jobs(plain.apps_json)


# --- the apps stacks


@pytest.mark.parametrize("cloud", ["aws", "google", "azure"])
def test_the_claim_is_shared_read_write_by_many_in_the_vllm_namespace(cloud: str) -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        first_model(cloud).apps,
        PersistentVolumeClaimV1.TF_RESOURCE_TYPE,
        {
            "metadata": {"name": CLAIM_NAME, "namespace": VLLM_STACK.namespace},
            "spec": {"access_modes": ["ReadWriteMany"], "storage_class_name": "vllm-model-cache"},
        },
    )


def test_eks_claim_gets_an_access_point_owned_by_the_engine_user() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        first_model("aws").apps,
        StorageClassV1.TF_RESOURCE_TYPE,
        {
            "storage_provisioner": "efs.csi.aws.com",
            "parameters": {"provisioningMode": "efs-ap", "uid": "2000", "gid": "0"},
        },
    )


def test_aks_claim_is_a_premium_nfs_share() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        first_model("azure").apps,
        StorageClassV1.TF_RESOURCE_TYPE,
        {"storage_provisioner": "file.csi.azure.com", "parameters": {"protocol": "nfs", "skuName": "Premium_LRS"}},
    )


def test_gke_claim_binds_the_bucket_s_own_volume() -> None:
    apps = first_model("google").apps_json
    (volume,) = resources_of(apps, "kubernetes_persistent_volume_v1")
    source = volume["spec"][0]["persistent_volume_source"]["csi"]
    assert source["driver"] == "gcsfuse.csi.storage.gke.io"
    assert source["volume_handle"].endswith("-first-model-gke-model-cache")
    (claim,) = resources_of(apps, PersistentVolumeClaimV1.TF_RESOURCE_TYPE)
    assert claim["spec"]["volume_name"] == volume["metadata"]["name"]


def test_one_download_job_per_model_downloads_into_the_hub_cache_and_is_waited_for() -> None:
    apps = with_cache(models=[QWEN, {**QWEN, "name": "small", "model": "Qwen/Qwen2.5-0.5B-Instruct"}]).apps_json
    found = {job["metadata"]["labels"]["model"]: job for job in jobs(apps)}
    assert set(found) == {"qwen", "small"}
    job = found["qwen"]
    assert job["wait_for_completion"] is True
    (container,) = job["spec"]["template"]["spec"]["container"]
    assert container["command"] == ["hf"]
    assert container["args"] == ["download", "Qwen/Qwen2.5-1.5B-Instruct", "--cache-dir", HUB_CACHE]
    assert "nvidia.com/gpu" not in json.dumps(container["resources"])
    (vllm,) = [
        release for release in apps["resource"]["helm_release"].values() if release["name"] == VLLM_STACK.release
    ]
    assert {f"kubernetes_job_v1.{key}" for key in apps["resource"]["kubernetes_job_v1"]} <= set(vllm["depends_on"])


def test_a_revision_is_downloaded_and_served_as_that_revision() -> None:
    apps = with_cache(models=[{**QWEN, "revision": "abc123"}]).apps_json
    (job,) = jobs(apps)
    assert job["spec"]["template"]["spec"]["container"][0]["args"][-2:] == ["--revision", "abc123"]
    (vllm,) = [
        release for release in apps["resource"]["helm_release"].values() if release["name"] == VLLM_STACK.release
    ]
    (model,) = yaml.safe_load(vllm["values"][0])["servingEngineSpec"]["modelSpec"]
    assert model["vllmConfig"]["extraArgs"] == ["--revision", "abc123"]


def test_the_token_reaches_the_job_only_for_a_model_that_names_one() -> None:
    gated = {"name": "llama", "model": "meta-llama/Llama-3.2-1B-Instruct", "hfTokenSecret": {"name": "hf", "key": "t"}}
    apps = with_cache(models=[QWEN, gated]).apps_json
    env = {
        job["metadata"]["labels"]["model"]: job["spec"]["template"]["spec"]["container"][0]["env"] for job in jobs(apps)
    }
    assert next(e for e in env["llama"] if e["name"] == "HF_TOKEN")["value_from"]["secret_key_ref"] == {
        "name": "hf",
        "key": "t",
    }
    assert not [e for e in env["qwen"] if e["name"] == "HF_TOKEN"]


def test_a_streamed_model_has_no_download_job() -> None:
    streamed = {**QWEN, "name": "streamed", "weights": "s3://team-models/qwen"}
    assert {job["metadata"]["labels"]["model"] for job in jobs(with_cache(models=[QWEN, streamed]).apps_json)} == {
        "qwen"
    }


def _as_kubernetes(value: Any) -> Any:
    """A kubernetes_job_v1 body as the Job the provider sends: camelCase keys, its repeated blocks' plural names,
    single blocks as objects."""
    plural = {
        "container": "containers",
        "volume": "volumes",
        "volume_mount": "volumeMounts",
        "toleration": "tolerations",
    }
    if isinstance(value, list):
        return [_as_kubernetes(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key in {"labels", "annotations", "node_selector", "requests", "limits"}:
            result[re.sub(r"_(.)", lambda m: m.group(1).upper(), key)] = item
            continue
        name = plural.get(key) or re.sub(r"_(.)", lambda m: m.group(1).upper(), key)
        converted = _as_kubernetes(item)
        single_block = isinstance(converted, list) and len(converted) == 1 and isinstance(converted[0], dict)
        if single_block and name not in plural.values() and name != "env":
            converted = converted[0]
        result[name] = converted
    return result


def test_the_download_job_is_a_valid_job_that_runs_as_restricted_pod_security_allows() -> None:
    (job,) = jobs(with_cache(models=[QWEN]).apps_json)
    manifest = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _as_kubernetes(job["metadata"]),
        "spec": _as_kubernetes(job["spec"]),
    }
    manifest["spec"]["template"]["spec"]["securityContext"]["runAsUser"] = 2000  # the provider sends numbers
    manifest["spec"]["template"]["spec"]["securityContext"]["runAsGroup"] = 0
    validator = kubernetes_validator("1.36", "Job", "batch/v1")
    assert validator is not None
    assert [error.message for error in validator.iter_errors(manifest)] == []
    pod = manifest["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert pod["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == WRITER.name


# --- the rendered engines of every shipped stack


def _engines(stack: RenderedStack) -> list[dict[str, Any]]:
    return [
        item
        for release in stack.releases
        for item in release.of_kind("Deployment")
        if item["metadata"]["name"].startswith(f"{VLLM_STACK.release}-") and "router" not in item["metadata"]["name"]
    ]


def _has_cache(stack: RenderedStack) -> bool:
    return any(
        claim["metadata"]["name"] == CLAIM_NAME
        for claim in resources_of(stack.apps.json, PersistentVolumeClaimV1.TF_RESOURCE_TYPE)
    )


def test_engines_mount_the_cache_and_stay_offline_exactly_when_the_cache_is_on(rendered: list[RenderedStack]) -> None:
    cached, plain = 0, 0
    for stack in rendered:
        for engine in _engines(stack):
            pod = engine["spec"]["template"]["spec"]
            (container,) = [c for c in pod["containers"] if c["name"] == "vllm"]
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            claims = {
                v["name"]: v["persistentVolumeClaim"]["claimName"]
                for v in pod.get("volumes", [])
                if "persistentVolumeClaim" in v
            }
            if _has_cache(stack):
                cached += 1
                assert env.get("HF_HUB_OFFLINE") == "1", stack.name
                assert env.get("HF_HUB_CACHE") == HUB_CACHE, stack.name
                assert claims.get(mounts.get(MOUNT_PATH, "")) == CLAIM_NAME, stack.name
                assert pod["serviceAccountName"] == READER.name
            else:
                plain += 1
                assert "HF_HUB_OFFLINE" not in env, stack.name
                assert MOUNT_PATH not in mounts, stack.name
    # both kinds are shipped: the test checks something each way
    assert cached >= 3
    assert plain >= 3


def test_eks_without_the_gpu_operator_warns_that_efs_on_bottlerocket_is_unproven() -> None:
    vllm = {"enabled": True, "modelCache": {"enabled": True}}
    fields: dict[str, Any] = {"gpu": {"enabled": True}, "apps": {"vllm": vllm}}
    (warning,) = cache_warnings(environment(**fields))
    assert warning.startswith("apps.vllm.modelCache: without apps.nvidia the GPU nodes run Bottlerocket")
    assert cache_warnings(environment(**{**fields, "apps": {"vllm": vllm, "nvidia": {"enabled": True}}})) == []
    assert cache_warnings(environment(**{**fields, "cloud": "azure"})) == []
