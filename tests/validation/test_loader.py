"""What an environment file means: native files, dot-kubernetes `Cluster` manifests, and which files are read."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from catalogue.charts import VLLM_ENGINE_IMAGE
from catalogue.kubernetes_versions import DEFAULT_VERSIONS
from catalogue.node_sizes import Cloud
from spec.apps import AppSpec, AppsSpec, VllmSpec
from spec.backends import LocalBackend
from spec.environment import Environment
from spec.fields import PATTERN_MEANINGS
from spec.gpu import GpuSpec
from tests.conftest import SHIPPED_ENVIRONMENTS
from validation.loader import (
    ConfigError,
    EnvironmentFile,
    load_environment_file,
    load_environments,
    resolve_environment_paths,
)


def write(folder: Path, file_name: str, text: str) -> Path:
    path = folder / file_name
    path.write_text(textwrap.dedent(text))
    return path


def load(folder: Path, text: str, file_name: str = "env.yaml") -> EnvironmentFile:
    return load_environment_file(write(folder, file_name, text))


def manifest(parameters: str = "", *, provider: str = "aws", cluster: str = "eks", extra_spec: str = "") -> str:
    """A dot-kubernetes `Cluster` manifest; `parameters` and `extra_spec` are YAML indented for their place."""
    text = textwrap.dedent(
        f"""\
        apiVersion: devopstoolkit.ai/v2
        kind: Cluster
        metadata:
          name: a-team-gpu
        spec:
          crossplane:
            compositionSelector:
              matchLabels:
                provider: {provider}
                cluster: {cluster}
        """
    )
    if parameters:
        text += "  parameters:\n" + textwrap.indent(textwrap.dedent(parameters), " " * 4)
    if extra_spec:
        text += textwrap.indent(textwrap.dedent(extra_spec), " " * 2)
    return text


# --- native files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cloud", "region"),
    [("aws", "us-east-1"), ("google", "us-east1"), ("azure", "eastus")],
)
def test_region_defaults_per_cloud(tmp_path: Path, cloud: str, region: str) -> None:
    environment = load(tmp_path, f"name: dev\ncloud: {cloud}\n").environment
    assert environment.cloud is Cloud(cloud)
    assert environment.region == region
    assert environment.resolved_region == region


def test_explicit_region_is_kept(tmp_path: Path) -> None:
    environment = load(tmp_path, "name: dev\ncloud: aws\nregion: eu-west-1\n").environment
    assert environment.region == "eu-west-1"


def test_kubernetes_version_defaults_to_the_clouds_default(tmp_path: Path) -> None:
    assert load(tmp_path, "name: dev\ncloud: aws\n").environment.version == DEFAULT_VERSIONS[Cloud.AWS]


def test_system_pool_defaults_to_small_with_one_to_ten_nodes(tmp_path: Path) -> None:
    environment = load(tmp_path, "name: dev\ncloud: aws\n").environment
    assert (environment.node_size, environment.min_node_count, environment.max_node_count) == ("small", 1, 10)


def test_gpu_pool_is_off_by_default_with_small_one_to_ten_nodes(tmp_path: Path) -> None:
    environment = load(tmp_path, "name: dev\ncloud: aws\n").environment
    assert environment.gpu == GpuSpec(enabled=False, nodeSize="small", minNodeCount=1, maxNodeCount=10)
    assert environment.gpu.instance_type is None


def test_apps_are_off_by_default(tmp_path: Path) -> None:
    environment = load(tmp_path, "name: dev\ncloud: aws\n").environment
    assert environment.apps == AppsSpec(nvidia=AppSpec(enabled=False), vllm=VllmSpec(enabled=False))


def test_backend_defaults_to_local_state_folder(tmp_path: Path) -> None:
    backend = load(tmp_path, "name: dev\ncloud: aws\n").environment.backend
    assert backend == LocalBackend(type="local", path="state")


def test_public_endpoint_access_is_closed_by_default(tmp_path: Path) -> None:
    environment = load(tmp_path, "name: dev\ncloud: aws\n").environment
    assert environment.endpoint_access.public_access_cidrs == []


def test_native_fields_are_read_in_camel_case(tmp_path: Path) -> None:
    environment = load(
        tmp_path,
        """\
        name: prod
        cloud: google
        region: europe-west4
        version: "1.32"
        project: my-gpu-project
        nodeSize: large
        minNodeCount: 2
        maxNodeCount: 5
        gpu: {enabled: true, nodeSize: medium, minNodeCount: 0, maxNodeCount: 4, instanceType: a2-highgpu-4g}
        apps: {nvidia: {enabled: true}, vllm: {enabled: true}}
        backend: {type: gcs, bucket: my-state}
        endpointAccess: {publicAccessCidrs: [203.0.113.0/24]}
        """,
    ).environment
    assert (environment.name, environment.region, environment.version, environment.project) == (
        "prod",
        "europe-west4",
        "1.32",
        "my-gpu-project",
    )
    assert (environment.node_size, environment.min_node_count, environment.max_node_count) == ("large", 2, 5)
    assert environment.gpu == GpuSpec(
        enabled=True, nodeSize="medium", minNodeCount=0, maxNodeCount=4, instanceType="a2-highgpu-4g"
    )
    assert environment.apps.nvidia.enabled
    assert environment.apps.vllm.enabled
    assert environment.backend.type == "gcs"
    assert environment.endpoint_access.public_access_cidrs == ["203.0.113.0/24"]


def test_min_node_count_may_equal_max_node_count(tmp_path: Path) -> None:
    environment = load(tmp_path, "name: dev\ncloud: aws\nminNodeCount: 3\nmaxNodeCount: 3\n").environment
    assert (environment.min_node_count, environment.max_node_count) == (3, 3)


def test_shipped_environments_load_without_warnings() -> None:
    assert SHIPPED_ENVIRONMENTS
    for path in SHIPPED_ENVIRONMENTS:
        assert load_environment_file(path).warnings == ()


def test_native_file_records_its_path(tmp_path: Path) -> None:
    path = write(tmp_path, "dev.yaml", "name: dev\ncloud: aws\n")
    assert load_environment_file(path).path == path


def test_yaml_merge_keys_are_resolved_and_explicit_keys_override_them(tmp_path: Path) -> None:
    environment = load(
        tmp_path,
        """\
        name: dev
        cloud: aws
        gpu:
          <<: {enabled: true, nodeSize: large}
          nodeSize: medium
        """,
    ).environment
    assert (environment.gpu.enabled, environment.gpu.node_size) == (True, "medium")


@pytest.mark.parametrize("parameters", ["", "gpu: {enabled: true}\n"])
def test_namespaces_default_to_dot_kubernetes_dev_and_production_in_both_formats(
    tmp_path: Path, parameters: str
) -> None:
    native = load(tmp_path, "name: dev\ncloud: aws\n" + parameters, "native.yaml").environment
    from_manifest = load(tmp_path, manifest(parameters), "manifest.yaml").environment
    assert native.namespaces == from_manifest.namespaces == ["dev", "production"]


def test_namespaces_and_apps_are_read_from_a_manifest_without_warnings(tmp_path: Path) -> None:
    loaded = load(tmp_path, manifest("namespaces: [team-a]\napps: {argocd: {enabled: true, repoURL: git@h:r}}\n"))
    assert loaded.environment.namespaces == ["team-a"]
    assert loaded.environment.apps.argocd.repo_url == "git@h:r"
    assert loaded.warnings == ()


# --- dot-kubernetes Cluster manifests -----------------------------------------------------------------------


def test_manifest_name_comes_from_metadata_name(tmp_path: Path) -> None:
    assert load(tmp_path, manifest()).environment.name == "a-team-gpu"


@pytest.mark.parametrize(
    ("provider", "cluster", "region"),
    [("aws", "eks", "us-east-1"), ("google", "gke", "us-east1"), ("azure", "aks", "eastus")],
)
def test_manifest_cloud_comes_from_the_provider_label(tmp_path: Path, provider: str, cluster: str, region: str) -> None:
    environment = load(tmp_path, manifest(provider=provider, cluster=cluster)).environment
    assert environment.cloud is Cloud(provider)
    assert environment.region == region


def test_manifest_cluster_label_is_optional(tmp_path: Path) -> None:
    text = manifest(provider="azure", cluster="aks").replace("cluster: aks\n", "")
    assert "cluster:" not in text
    assert load(tmp_path, text).environment.cloud is Cloud.AZURE


@pytest.mark.parametrize("cloud", ["aws", "google", "azure"])
def test_manifest_cloud_comes_from_the_composition_ref_name(tmp_path: Path, cloud: str) -> None:
    text = f"""\
        apiVersion: devopstoolkit.ai/v2
        kind: Cluster
        metadata: {{name: ref-cluster}}
        spec:
          crossplane:
            compositionRef: {{name: cluster-{cloud}}}
        """
    assert load(tmp_path, text).environment.cloud is Cloud(cloud)


def test_manifest_parameters_map_onto_the_environment(tmp_path: Path) -> None:
    environment = load(
        tmp_path,
        manifest(
            """\
            version: "1.34"
            nodeSize: medium
            minNodeCount: 2
            gpu:
              enabled: true
              nodeSize: large
              minNodeCount: 1
              maxNodeCount: 3
            apps:
              nvidia: {enabled: true}
              vllm: {enabled: true}
            """
        ),
    ).environment
    assert (environment.version, environment.node_size, environment.min_node_count) == ("1.34", "medium", 2)
    assert environment.gpu == GpuSpec(enabled=True, nodeSize="large", minNodeCount=1, maxNodeCount=3)
    assert environment.apps == AppsSpec(nvidia=AppSpec(enabled=True), vllm=VllmSpec(enabled=True))


def test_served_models_read_the_same_in_a_manifest_and_a_native_file(tmp_path: Path) -> None:
    apps = """\
        gpu: {enabled: true, nodeSize: medium}
        apps:
          vllm:
            enabled: true
            routingLogic: session
            sessionKey: x-user-id
            models:
              - name: llama
                model: meta-llama/Llama-3.1-8B-Instruct
                gpus: 4
                tensorParallelSize: 2
                storage: 50Gi
                hfTokenSecret: {name: hf-token, key: token}
        """
    from_manifest = load(tmp_path, manifest(apps), "manifest.yaml").environment
    native = load(tmp_path, "name: a-team-gpu\ncloud: aws\n" + textwrap.dedent(apps), "native.yaml").environment
    assert from_manifest == native
    vllm = native.apps.vllm
    assert (vllm.routing_logic, vllm.session_key) == ("session", "x-user-id")
    (model,) = vllm.models
    assert (model.name, model.gpus, model.tensor_parallel_size, model.storage) == ("llama", 4, 2, "50Gi")
    assert model.hf_token_secret is not None
    assert (model.hf_token_secret.name, model.hf_token_secret.key) == ("hf-token", "token")


def test_a_model_defaults_to_one_replica_on_one_gpu_with_the_pinned_engine_image(tmp_path: Path) -> None:
    text = "name: dev\ncloud: aws\ngpu: {enabled: true}\napps: {vllm: {enabled: true, models: [{name: a, model: m}]}}\n"
    (model,) = load(tmp_path, text).environment.apps.vllm.models
    assert (model.replicas, model.gpus, model.image) == (1, 1, VLLM_ENGINE_IMAGE)
    unset = (model.cpu, model.memory, model.storage, model.tensor_parallel_size, model.hf_token_secret)
    assert unset == (None, None, None, None, None)


def test_manifest_without_parameters_gets_the_native_defaults(tmp_path: Path) -> None:
    from_manifest = load(tmp_path, manifest(), "manifest.yaml").environment
    native = load(tmp_path, "name: a-team-gpu\ncloud: aws\n", "native.yaml").environment
    assert from_manifest == native


def test_manifest_metadata_namespace_labels_and_annotations_are_ignored_silently(tmp_path: Path) -> None:
    text = manifest().replace(
        "  name: a-team-gpu\n", "  name: a-team-gpu\n  namespace: a-team\n  labels: {team: a}\n  annotations: {x: y}\n"
    )
    loaded = load(tmp_path, text)
    assert loaded.environment.name == "a-team-gpu"
    assert loaded.warnings == ()


def test_every_dot_kubernetes_parameter_is_built_none_is_ignored(tmp_path: Path) -> None:
    parameters = (
        "namespaces: [dev, production]\n"
        "apps: {crossplane: {enabled: true}, argocd: {enabled: true, repoURL: 'https://example.com/apps.git'},"
        " traefik: {enabled: true}, dapr: {enabled: true}, externalSecrets: {enabled: true, store: true},"
        " nvidia: {enabled: true}, vllm: {enabled: true}}\n"
        "gpu: {enabled: true}\n"
    )
    loaded = load(tmp_path, manifest(parameters))
    assert not [warning for warning in loaded.warnings if "not implemented" in warning]
    apps = loaded.environment.apps
    assert all(app.enabled for app in (apps.crossplane, apps.argocd, apps.traefik, apps.dapr, apps.external_secrets))
    assert loaded.environment.namespaces == ["dev", "production"]


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ("creds: {name: aws-creds, namespace: crossplane-system, keys: [creds]}\n", "spec.parameters.creds"),
        (
            "apps: {externalSecrets: {awsAccessKeyIDKey: accessKeyID}}\n",
            "spec.parameters.apps.externalSecrets.awsAccessKeyIDKey",
        ),
        (
            "apps: {externalSecrets: {awsSecretAccessKeyKey: secretAccessKey}}\n",
            "spec.parameters.apps.externalSecrets.awsSecretAccessKeyKey",
        ),
        (
            "apps: {externalSecrets: {googleCredentialsKey: creds}}\n",
            "spec.parameters.apps.externalSecrets.googleCredentialsKey",
        ),
    ],
)
def test_static_credential_fields_are_ignored_with_a_warning_that_workload_identity_replaces_them(
    tmp_path: Path, parameters: str, field: str
) -> None:
    loaded = load(tmp_path, manifest(parameters))
    assert [warning.split(": ", 1)[1] for warning in loaded.warnings] == [
        f"{field} is ignored: External Secrets authenticates with the cluster's workload identity, never with "
        "static cloud keys"
    ]
    assert loaded.environment == load(tmp_path, manifest(), "plain.yaml").environment


def test_manifest_external_secrets_map_onto_the_environment(tmp_path: Path) -> None:
    eso = load(
        tmp_path,
        manifest(
            """\
            apps:
              externalSecrets:
                enabled: true
                store: true
                awsAccessKeyIDKey: accessKeyID
                secrets:
                  - {fromSecret: hf-token, toSecret: hf-token, toNamespace: vllm}
                  - {fromSecret: registry, toSecret: pull, toNamespace: vllm, type: kubernetes.io/dockerconfigjson}
            """
        ),
    ).environment.apps.external_secrets
    assert (eso.enabled, eso.store, eso.azure_vault_url) == (True, True, None)
    assert [(s.from_secret, s.to_secret, s.to_namespace, s.type) for s in eso.secrets] == [
        ("hf-token", "hf-token", "vllm", "Opaque"),
        ("registry", "pull", "vllm", "kubernetes.io/dockerconfigjson"),
    ]


def test_external_secrets_are_off_by_default(tmp_path: Path) -> None:
    eso = load(tmp_path, "name: dev\ncloud: aws\n").environment.apps.external_secrets
    assert (eso.enabled, eso.store, eso.secrets) == (False, False, [])


def test_manifest_warns_about_write_connection_secret_to_ref(tmp_path: Path) -> None:
    loaded = load(tmp_path, manifest(extra_spec="writeConnectionSecretToRef: {name: a-team-gpu}\n"))
    assert len(loaded.warnings) == 1
    assert "spec.writeConnectionSecretToRef is not implemented" in loaded.warnings[0]


def test_ignored_manifest_fields_change_nothing_else(tmp_path: Path) -> None:
    plain = load(tmp_path, manifest("apps: {vllm: {enabled: true}}\n"), "plain.yaml").environment
    noisy = load(
        tmp_path,
        manifest(
            """\
            creds: {name: c}
            apps:
              vllm: {enabled: true}
              externalSecrets: {awsAccessKeyIDKey: accessKeyID}
            """,
            extra_spec="writeConnectionSecretToRef: {name: s}\n",
        ),
        "noisy.yaml",
    )
    assert noisy.environment == plain
    assert len(noisy.warnings) == 3


def test_every_warning_starts_with_the_file_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a-team.yaml",
        manifest("creds: {name: c}\n", extra_spec="writeConnectionSecretToRef: {name: s}\n"),
    )
    warnings = load_environment_file(path).warnings
    assert len(warnings) == 2
    assert all(warning.startswith(f"{path}: ") for warning in warnings)


# --- which files: ENVIRONMENTS -----------------------------------------------------------------------------


def test_unset_selection_reads_every_yaml_file_of_the_default_folder_in_order(tmp_path: Path) -> None:
    for file_name in ("b.yaml", "a.yml", "c.yaml", "notes.txt"):
        write(tmp_path, file_name, "name: x\ncloud: aws\n")
    assert resolve_environment_paths(None, tmp_path) == [tmp_path / "a.yml", tmp_path / "b.yaml", tmp_path / "c.yaml"]


def test_selection_is_a_comma_separated_list_of_files_and_folders(tmp_path: Path) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    first = write(tmp_path, "first.yaml", "")
    inner = write(folder, "inner.yaml", "")
    default = tmp_path / "unused-default"
    assert resolve_environment_paths(f"{first}, {folder}", default) == [first, inner]


def test_selection_ignores_blank_entries(tmp_path: Path) -> None:
    path = write(tmp_path, "only.yaml", "")
    assert resolve_environment_paths(f",{path},,", tmp_path / "unused") == [path]


def test_selection_keeps_the_given_order(tmp_path: Path) -> None:
    second, first = write(tmp_path, "b.yaml", ""), write(tmp_path, "a.yaml", "")
    assert resolve_environment_paths(f"{second},{first}", tmp_path) == [second, first]


def test_selection_naming_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ConfigError) as raised:
        resolve_environment_paths(f"{write(tmp_path, 'ok.yaml', '')},{missing}", tmp_path)
    assert str(raised.value) == f"{missing}: file not found"


def test_missing_default_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        resolve_environment_paths(None, tmp_path / "environments")


def test_folder_without_yaml_files_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_environment_paths(str(tmp_path), tmp_path / "unused")
    assert str(raised.value) == f"{tmp_path}: folder holds no .yaml environment files"


@pytest.mark.parametrize("selection", ["", " ", " , ,"])
def test_selection_that_names_nothing_is_an_error(tmp_path: Path, selection: str) -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_environment_paths(selection, tmp_path)
    assert str(raised.value) == "ENVIRONMENTS: is set but names no file or folder"


# --- several files ------------------------------------------------------------------------------------------


def test_environments_load_in_the_given_order(tmp_path: Path) -> None:
    paths = [write(tmp_path, f"{name}.yaml", f"name: {name}\ncloud: aws\n") for name in ("zeta", "alpha")]
    assert [loaded.environment.name for loaded in load_environments(paths)] == ["zeta", "alpha"]


def test_duplicate_environment_names_across_files_are_an_error_naming_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, "one.yaml", "name: dev\ncloud: aws\n")
    second = write(tmp_path, "two.yaml", "name: dev\ncloud: azure\n")
    with pytest.raises(ConfigError) as raised:
        load_environments([first, second])
    message = str(raised.value)
    assert message.startswith(f"{second}: name: ")
    assert str(first) in message
    assert "'dev'" in message


def test_a_manifest_and_a_native_file_with_the_same_name_collide(tmp_path: Path) -> None:
    native = write(tmp_path, "native.yaml", "name: a-team-gpu\ncloud: google\n")
    cluster = write(tmp_path, "cluster.yaml", manifest())
    with pytest.raises(ConfigError, match="already used by"):
        load_environments([native, cluster])


def test_config_error_is_one_line_of_file_field_and_problem() -> None:
    error = ConfigError(Path("envs/dev.yaml"), "gpu.nodeSize", "is wrong\n   and spans lines")
    assert str(error) == "envs/dev.yaml: gpu.nodeSize: is wrong and spans lines"


def test_config_error_without_a_field_names_only_the_file() -> None:
    assert str(ConfigError(Path("dev.yaml"), "", "file is empty")) == "dev.yaml: file is empty"


def test_every_pattern_in_the_model_has_a_meaning_for_error_messages() -> None:
    def patterns(node: object) -> set[str]:
        if isinstance(node, dict):
            own = {str(node["pattern"])} if "pattern" in node else set()
            return own.union(*(patterns(value) for value in node.values()))
        if isinstance(node, list):
            return set().union(*(patterns(item) for item in node))
        return set()

    used = patterns(Environment.model_json_schema())
    assert used
    assert used <= set(PATTERN_MEANINGS)
