"""External Secrets on every cloud: the identity reads exactly the named secrets, the store uses it, nothing static.

One synthesis per cloud with a store and one without, shared by every test of this module.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
import yaml
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_helm.release import Release

from apps import gpu_operator, vllm
from apps.external_secrets import (
    REFRESH_INTERVAL,
    external_secrets_problems,
    secret_names,
    vault_name,
)
from catalogue.charts import EXTERNAL_SECRETS
from constructs.aws.secrets_manager import READ_ACTIONS
from constructs.helm.namespaces import logical_id
from spec.problems import FieldProblem
from tests.conftest import SynthesizedEnvironment, environment, resources_of, synth

VAULT_URL = "https://team-secrets.vault.azure.net/"
SECRETS = [
    {"fromSecret": "hf-token", "toSecret": "hf-token", "toNamespace": "vllm"},
    {
        "fromSecret": "registry",
        "toSecret": "pull-secret",
        "toNamespace": "vllm",
        "type": "kubernetes.io/dockerconfigjson",
    },
    {"fromSecret": "hf-token", "toSecret": "hf-token", "toNamespace": "gpu-operator"},
]
NAMED = ["hf-token", "registry"]  # each cloud secret once, whatever the number of copies
CLOUD_FIELDS: dict[str, dict[str, Any]] = {"aws": {}, "google": {"project": "example-project"}, "azure": {}}
STORE_FIELDS: dict[str, dict[str, Any]] = {"aws": {}, "google": {}, "azure": {"azureVaultUrl": VAULT_URL}}
ESO_SUBJECT = "system:serviceaccount:external-secrets:external-secrets"
TOKEN = re.compile(r"\$\{[^}]+\}")


@cache  # the per-cloud fixtures and the parametrised ones share each synthesis
def eso_environment(cloud: str, *, store: bool) -> SynthesizedEnvironment:
    external_secrets: dict[str, Any] = {"enabled": True}
    if store:
        external_secrets |= {"store": True, "secrets": SECRETS, **STORE_FIELDS[cloud]}
    apps = {"nvidia": {"enabled": True}, "vllm": {"enabled": True}, "externalSecrets": external_secrets}
    return synth(cloud=cloud, **CLOUD_FIELDS[cloud], apps=apps)


@pytest.fixture(scope="module", params=["aws", "google", "azure"])
def with_store(request: pytest.FixtureRequest) -> tuple[str, SynthesizedEnvironment]:
    return request.param, eso_environment(request.param, store=True)


@pytest.fixture(scope="module", params=["aws", "google", "azure"])
def without_store(request: pytest.FixtureRequest) -> tuple[str, SynthesizedEnvironment]:
    return request.param, eso_environment(request.param, store=False)


@pytest.fixture(scope="module")
def aws() -> SynthesizedEnvironment:
    return eso_environment("aws", store=True)


@pytest.fixture(scope="module")
def google() -> SynthesizedEnvironment:
    return eso_environment("google", store=True)


@pytest.fixture(scope="module")
def azure() -> SynthesizedEnvironment:
    return eso_environment("azure", store=True)


def release(stacks: SynthesizedEnvironment, name: str) -> dict[str, Any]:
    matches = [r for r in resources_of(stacks.apps_json, Release.TF_RESOURCE_TYPE) if r["name"] == name]
    assert len(matches) == 1, f"expected one release {name!r}"
    return matches[0]


def values_of(stacks: SynthesizedEnvironment, name: str) -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(release(stacks, name)["values"][0])
    return parsed


def store_objects(stacks: SynthesizedEnvironment) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = values_of(stacks, f"{EXTERNAL_SECRETS.release}-store")["objects"]
    return objects


def of_kind(stacks: SynthesizedEnvironment, kind: str) -> list[dict[str, Any]]:
    return [item for item in store_objects(stacks) if item["kind"] == kind]


def data_sources(stacks_json: dict[str, Any], data_type: str) -> list[dict[str, Any]]:
    return list(stacks_json.get("data", {}).get(data_type, {}).values())


def untokenised(text: str) -> str:
    """A Terraform reference becomes its last attribute, so expected ARNs can be written out."""
    return TOKEN.sub(lambda match: "<" + match.group(0)[2:-1].rsplit(".", 1)[-1] + ">", text)


def statement(stacks: SynthesizedEnvironment, sid: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        item
        for document in data_sources(stacks.cluster_json, "aws_iam_policy_document")
        for item in document.get("statement", [])
        if item.get("sid") == sid
    ]
    assert len(found) == 1, sid
    return found[0]


def expected_arn(name: str) -> str:
    return f"arn:<partition>:secretsmanager:us-east-1:<account_id>:secret:{name}-??????"


# --- rules that need the cloud (apps/external_secrets), as a table ---------------------------------------------

URL_FIELD = "apps.externalSecrets.azureVaultUrl"
FROM_FIELD = "apps.externalSecrets.secrets.0.fromSecret"


def eso_fields(*, store: bool = True, from_secret: str | None = None, vault: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"enabled": True, "store": store}
    if from_secret is not None:
        fields["secrets"] = [{"fromSecret": from_secret, "toSecret": "s", "toNamespace": "n"}]
    if vault is not None:
        fields["azureVaultUrl"] = vault
    return fields


@pytest.mark.parametrize(
    ("cloud", "fields", "problem_fields"),
    [
        ("aws", eso_fields(from_secret="team/hf_token+v1=a.b@c-d"), []),
        ("aws", eso_fields(from_secret="x" * 512), []),
        ("aws", eso_fields(vault=VAULT_URL), [URL_FIELD]),
        ("google", eso_fields(from_secret="hf_token-1"), []),
        ("google", eso_fields(from_secret="team/hf"), [FROM_FIELD]),
        ("google", eso_fields(from_secret="x" * 256), [FROM_FIELD]),
        ("google", eso_fields(store=False, vault=VAULT_URL), [URL_FIELD]),
        ("azure", eso_fields(from_secret="hf-token-1", vault=VAULT_URL), []),
        ("azure", eso_fields(from_secret="hf_token", vault=VAULT_URL), [FROM_FIELD]),
        ("azure", eso_fields(from_secret="x" * 128, vault=VAULT_URL), [FROM_FIELD]),
        ("azure", eso_fields(), [URL_FIELD]),
        ("azure", eso_fields(store=False), []),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_cloud_rules_name_the_field_they_refuse(cloud: str, fields: dict[str, Any], problem_fields: list[str]) -> None:
    problems = external_secrets_problems(environment(cloud=cloud, apps={"externalSecrets": fields}))
    assert [problem.field for problem in problems] == problem_fields
    assert all(isinstance(problem, FieldProblem) and problem.problem for problem in problems)


def test_each_cloud_secret_is_granted_once_however_often_it_is_copied() -> None:
    secrets = [{"fromSecret": "a", "toSecret": "a", "toNamespace": n} for n in ("x", "y")]
    fields = {
        "enabled": True,
        "store": True,
        "secrets": [*secrets, {"fromSecret": "b", "toSecret": "b", "toNamespace": "x"}],
    }
    assert secret_names(environment(apps={"externalSecrets": fields})) == ["a", "b"]


def test_vault_name_is_the_first_label_of_the_vault_url() -> None:
    assert vault_name("https://team-secrets.vault.azure.net/") == "team-secrets"
    assert vault_name("https://Team-Secrets.vault.azure.net") == "team-secrets"


# --- the operator's release, on every cloud ---------------------------------------------------------------------


def test_operator_release_is_pinned_atomic_and_in_its_own_namespace(
    without_store: tuple[str, SynthesizedEnvironment],
) -> None:
    _, stacks = without_store
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.apps,
        Release.TF_RESOURCE_TYPE,
        {
            "name": "external-secrets",
            "chart": "external-secrets",
            "repository": "https://charts.external-secrets.io",
            "version": EXTERNAL_SECRETS.version,
            "namespace": "external-secrets",
            "create_namespace": False,  # the stack creates it, labelled
            "atomic": True,
            "wait": True,
            "timeout": EXTERNAL_SECRETS.timeout_seconds,
        },
    )


def test_operator_installs_its_crds_and_names_its_service_account(
    with_store: tuple[str, SynthesizedEnvironment],
) -> None:
    _, stacks = with_store
    values = values_of(stacks, "external-secrets")
    assert values["installCRDs"] is True
    assert values["serviceAccount"]["name"] == "external-secrets"


def test_without_store_there_is_no_store_and_no_cloud_identity(
    without_store: tuple[str, SynthesizedEnvironment],
) -> None:
    _, stacks = without_store
    assert [r["name"] for r in resources_of(stacks.apps_json, Release.TF_RESOURCE_TYPE)].count(
        "external-secrets-store"
    ) == 0
    assert values_of(stacks, "external-secrets")["serviceAccount"]["annotations"] == {}
    assert "external_secrets_identity" not in stacks.cluster_json.get("output", {})
    assert "external-secrets" not in stacks.cluster


def test_with_store_the_cluster_stack_outputs_the_identity(with_store: tuple[str, SynthesizedEnvironment]) -> None:
    cloud, stacks = with_store
    identity = stacks.cluster_json["output"]["external_secrets_identity"]["value"]
    expected = {
        "aws": r"^\$\{aws_iam_role\.external-secrets-identity_role_\w+\.arn\}$",
        "google": r"^principal://iam\.googleapis\.com/.*/subject/ns/external-secrets/sa/external-secrets$",
        "azure": r"^\$\{azurerm_user_assigned_identity\.external-secrets-identity_\w+\.client_id\}$",
    }[cloud]
    assert re.match(expected, identity)


# --- the store and the ExternalSecrets ----------------------------------------------------------------------------


def release_id(stacks: SynthesizedEnvironment, name: str) -> str:
    (key,) = [k for k, r in stacks.apps_json["resource"][Release.TF_RESOURCE_TYPE].items() if r["name"] == name]
    return f"{Release.TF_RESOURCE_TYPE}.{key}"


def namespace_ids(stacks: SynthesizedEnvironment, names: set[str]) -> set[str]:
    namespaces = stacks.apps_json["resource"]["kubernetes_namespace_v1"].items()
    return {f"kubernetes_namespace_v1.{key}" for key, value in namespaces if value["metadata"]["name"] in names}


def test_store_and_secrets_are_installed_after_the_operator_and_every_target_namespace(
    with_store: tuple[str, SynthesizedEnvironment],
) -> None:
    _, stacks = with_store
    targets = {"vllm", "gpu-operator"} | {"dev", "production"}  # the apps' and the platform namespaces
    objects = release(stacks, "external-secrets-store")
    # (on EKS after the autoscaler too, through the operator release, which waits for it)
    expected = {release_id(stacks, "external-secrets"), *namespace_ids(stacks, targets)}
    assert set(objects["depends_on"]) == expected
    assert len(namespace_ids(stacks, targets)) == len(targets)
    assert objects["namespace"] == "external-secrets"


def test_apps_reading_a_synced_secret_install_after_it_so_their_pods_find_it(
    with_store: tuple[str, SynthesizedEnvironment],
) -> None:
    _, stacks = with_store
    store = release_id(stacks, "external-secrets-store")
    for reader in ("vllm-stack", "gpu-operator"):  # the two releases whose namespaces receive secrets
        assert store in release(stacks, reader)["depends_on"], reader
    assert store not in (release(stacks, "external-secrets").get("depends_on") or [])


def test_app_namespaces_receiving_secrets_are_the_stacks_own_with_their_apps_pod_security_level(
    with_store: tuple[str, SynthesizedEnvironment],
) -> None:
    _, stacks = with_store
    namespaces = stacks.apps_json["resource"]["kubernetes_namespace_v1"].values()
    enforced = {
        n["metadata"]["name"]: n["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] for n in namespaces
    }
    expected = {app.pin.namespace: str(app.pod_security) for app in (vllm.DECLARATION, gpu_operator.DECLARATION)}
    assert {name: enforced[name] for name in expected} == expected
    assert [n["metadata"]["name"] for n in namespaces].count("vllm") == 1


def test_app_namespaces_this_install_created_before_keep_their_state(
    with_store: tuple[str, SynthesizedEnvironment],
) -> None:
    # Running environments hold them at the address of the construct that created them until issue 33.
    _, stacks = with_store
    keys = {n["metadata"]["name"]: key for key, n in stacks.apps_json["resource"]["kubernetes_namespace_v1"].items()}
    moved = {entry["from"]: entry["to"] for entry in stacks.apps_json["moved"]}
    assert moved == {
        f"kubernetes_namespace_v1.{logical_id('secret-namespaces', name)}": f"kubernetes_namespace_v1.{keys[name]}"
        for name in ("vllm", "gpu-operator")
    }


def test_store_is_one_v1_cluster_secret_store_named_after_the_cloud(
    with_store: tuple[str, SynthesizedEnvironment],
) -> None:
    cloud, stacks = with_store
    (store,) = of_kind(stacks, "ClusterSecretStore")
    assert store["apiVersion"] == "external-secrets.io/v1"
    assert store["metadata"] == {"name": cloud}


def test_aws_store_reads_secrets_manager_in_the_cluster_region_as_the_operator_account(
    aws: SynthesizedEnvironment,
) -> None:
    (store,) = of_kind(aws, "ClusterSecretStore")
    assert store["spec"]["provider"] == {
        "aws": {
            "service": "SecretsManager",
            "region": "us-east-1",
            "auth": {"jwt": {"serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"}}},
        }
    }


def test_google_store_reads_secret_manager_of_the_project_with_workload_identity(
    google: SynthesizedEnvironment,
) -> None:
    (store,) = of_kind(google, "ClusterSecretStore")
    assert store["spec"]["provider"] == {
        "gcpsm": {
            "projectID": "example-project",
            "auth": {
                "workloadIdentity": {
                    "serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"},
                    "clusterName": "test",
                    "clusterLocation": "us-east1",
                    "clusterProjectID": "example-project",
                }
            },
        }
    }


def test_azure_store_reads_the_named_vault_with_workload_identity(azure: SynthesizedEnvironment) -> None:
    (store,) = of_kind(azure, "ClusterSecretStore")
    assert store["spec"]["provider"] == {
        "azurekv": {
            "authType": "WorkloadIdentity",
            "vaultUrl": VAULT_URL,
            "serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"},
        }
    }


def test_one_external_secret_per_entry_into_its_namespace_with_its_type(
    with_store: tuple[str, SynthesizedEnvironment],
) -> None:
    cloud, stacks = with_store
    secrets = of_kind(stacks, "ExternalSecret")
    assert [(s["metadata"]["namespace"], s["metadata"]["name"]) for s in secrets] == [
        ("vllm", "hf-token"),
        ("vllm", "pull-secret"),
        ("gpu-operator", "hf-token"),
    ]
    assert [s["spec"]["target"]["template"]["type"] for s in secrets] == [
        "Opaque",
        "kubernetes.io/dockerconfigjson",
        "Opaque",
    ]
    for secret, entry in zip(secrets, SECRETS, strict=True):
        assert secret["apiVersion"] == "external-secrets.io/v1"
        assert secret["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": cloud}
        assert secret["spec"]["dataFrom"] == [{"extract": {"key": entry["fromSecret"]}}]
        assert secret["spec"]["target"]["name"] == entry["toSecret"]
        assert secret["spec"]["refreshInterval"] == REFRESH_INTERVAL


def test_no_object_uses_the_v1beta1_api(with_store: tuple[str, SynthesizedEnvironment]) -> None:
    _, stacks = with_store
    assert "v1beta1" not in stacks.apps
    assert {item["apiVersion"] for item in store_objects(stacks)} == {"external-secrets.io/v1"}


def test_a_target_namespace_no_release_creates_is_created_by_the_stack_before_the_secrets() -> None:
    secrets = [{"fromSecret": "db", "toSecret": "db", "toNamespace": "team-a"}]
    stacks = synth(apps={"externalSecrets": {"enabled": True, "store": True, "secrets": secrets}})
    (team_a,) = namespace_ids(stacks, {"team-a"})
    assert team_a in release(stacks, "external-secrets-store")["depends_on"]
    namespace = stacks.apps_json["resource"]["kubernetes_namespace_v1"][team_a.split(".")[1]]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"  # as `namespaces:`
    warnings = [entry.data for entry in stacks.apps_stack.node.metadata if entry.type == "@cdktf/warn"]
    assert not any("team-a" in str(warning) for warning in warnings)


def test_target_namespaces_releases_or_namespaces_create_are_not_created_twice(aws: SynthesizedEnvironment) -> None:
    names = [n["metadata"]["name"] for n in aws.apps_json["resource"]["kubernetes_namespace_v1"].values()]
    assert len(names) == len(set(names))
    warnings = [entry.data for entry in aws.apps_stack.node.metadata if entry.type == "@cdktf/warn"]
    assert not any("externalSecrets" in str(warning) for warning in warnings)


# --- aws: an IRSA role that reads exactly the named secrets ------------------------------------------------------


def test_aws_role_trusts_only_the_operator_service_account_through_the_cluster_oidc_provider(
    aws: SynthesizedEnvironment,
) -> None:
    trusts = [
        item
        for document in data_sources(aws.cluster_json, "aws_iam_policy_document")
        for item in document.get("statement", [])
        if item.get("actions") == ["sts:AssumeRoleWithWebIdentity"]
    ]
    # every IRSA role (EBS CSI's too) trusts exactly one service account; one of them is the operator's
    subjects = [[c["values"] for c in trust["condition"] if c["variable"].endswith(":sub")] for trust in trusts]
    assert all(len(subject) == 1 and len(subject[0]) == 1 for subject in subjects)
    (trust,) = [trust for trust, subject in zip(trusts, subjects, strict=True) if subject == [[ESO_SUBJECT]]]
    assert trust["principals"][0]["identifiers"][0].startswith("${aws_iam_openid_connect_provider.")


def test_aws_role_reads_exactly_the_named_secrets(aws: SynthesizedEnvironment) -> None:
    read = statement(aws, "ReadNamedSecrets")
    assert read["actions"] == READ_ACTIONS == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    # Exact equality: "*" or "secret:*" here would fail, as would a secret that was not named.
    assert [untokenised(arn) for arn in read["resources"]] == [expected_arn(name) for name in NAMED]


def test_aws_role_decrypts_only_those_secrets_and_only_through_secrets_manager(aws: SynthesizedEnvironment) -> None:
    decrypt = statement(aws, "DecryptNamedSecretsWithCustomerKeys")
    assert decrypt["actions"] == ["kms:Decrypt"]
    conditions = {c["variable"]: (c["test"], [untokenised(v) for v in c["values"]]) for c in decrypt["condition"]}
    assert conditions == {
        "kms:ViaService": ("StringEquals", ["secretsmanager.us-east-1.<dns_suffix>"]),
        "kms:EncryptionContext:SecretARN": ("StringLike", [expected_arn(name) for name in NAMED]),
    }


def test_aws_role_has_no_managed_policy_and_one_inline_policy(aws: SynthesizedEnvironment) -> None:
    roles = [r for r in resources_of(aws.cluster_json, "aws_iam_role") if r["name"] == "test-external-secrets"]
    assert len(roles) == 1
    attached = [
        a for a in resources_of(aws.cluster_json, "aws_iam_role_policy_attachment") if "external-secrets" in a["role"]
    ]
    assert attached == []
    assert CdktfTesting.to_have_resource_with_properties(
        aws.cluster, "aws_iam_role_policy", {"name": "test-external-secrets"}
    )


def test_aws_store_without_secrets_gets_a_role_that_may_read_nothing() -> None:
    stacks = synth(apps={"externalSecrets": {"enabled": True, "store": True}})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, "aws_iam_role", {"name": "test-external-secrets"}
    )
    assert not CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, "aws_iam_role_policy", {"name": "test-external-secrets"}
    )


def test_aws_service_account_is_annotated_with_the_role_found_by_name(aws: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_data_source_with_properties(aws.apps, "aws_iam_role", {"name": "test-external-secrets"})
    annotations = values_of(aws, "external-secrets")["serviceAccount"]["annotations"]
    assert list(annotations) == ["eks.amazonaws.com/role-arn"]
    assert re.fullmatch(r"\$\{data\.aws_iam_role\.[\w-]+\.arn\}", annotations["eks.amazonaws.com/role-arn"])


# --- google: the service account's principal on exactly the named secrets ----------------------------------------


def test_google_grants_secret_accessor_on_each_named_secret_only(google: SynthesizedEnvironment) -> None:
    members = resources_of(google.cluster_json, "google_secret_manager_secret_iam_member")
    assert sorted(m["secret_id"] for m in members) == sorted(NAMED)
    assert {m["role"] for m in members} == {"roles/secretmanager.secretAccessor"}
    assert {m["project"] for m in members} == {"example-project"}
    assert not [
        m for m in resources_of(google.cluster_json, "google_project_iam_member") if "secretmanager" in m["role"]
    ]


def test_google_member_is_the_operator_service_account_principal_in_the_cluster_pool(
    google: SynthesizedEnvironment,
) -> None:
    (member,) = {m["member"] for m in resources_of(google.cluster_json, "google_secret_manager_secret_iam_member")}
    assert untokenised(member) == (
        "principal://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<workload_pool>"
        "/subject/ns/external-secrets/sa/external-secrets"
    )
    assert "${google_container_cluster." in member  # the pool comes from the cluster, so the grants wait for it


def test_google_service_account_needs_no_annotation(google: SynthesizedEnvironment) -> None:
    assert values_of(google, "external-secrets")["serviceAccount"]["annotations"] == {}


# --- azure: a managed identity federated with the operator's account, reading one vault ----------------------------


def test_azure_identity_is_federated_with_the_operator_service_account(azure: SynthesizedEnvironment) -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        azure.cluster, "azurerm_user_assigned_identity", {"name": "test-external-secrets"}
    )
    (credential,) = resources_of(azure.cluster_json, "azurerm_federated_identity_credential")
    assert credential["subject"] == ESO_SUBJECT
    assert credential["audience"] == ["api://AzureADTokenExchange"]
    assert re.fullmatch(r"\$\{azurerm_kubernetes_cluster\.[\w-]+\.oidc_issuer_url\}", credential["issuer"])
    assert "external-secrets-identity" in credential["parent_id"]


def test_azure_identity_is_key_vault_secrets_user_on_the_named_vault_only(azure: SynthesizedEnvironment) -> None:
    assignments = [
        a
        for a in resources_of(azure.cluster_json, "azurerm_role_assignment")
        if "external-secrets" in a["principal_id"]
    ]
    assert [(a["role_definition_name"], untokenised(a["scope"])) for a in assignments] == [
        ("Key Vault Secrets User", "<id>")
    ]
    assert re.fullmatch(r"\$\{data\.azurerm_resources\.[\w-]+\.resources\[0\]\.id\}", assignments[0]["scope"])
    assert CdktfTesting.to_have_data_source_with_properties(
        azure.cluster, "azurerm_resources", {"name": "team-secrets", "type": "Microsoft.KeyVault/vaults"}
    )


def test_azure_service_account_carries_client_and_tenant_of_the_identity_found_by_name(
    azure: SynthesizedEnvironment,
) -> None:
    assert CdktfTesting.to_have_data_source_with_properties(
        azure.apps,
        "azurerm_user_assigned_identity",
        {"name": "test-external-secrets", "resource_group_name": "test-rg"},
    )
    annotations = values_of(azure, "external-secrets")["serviceAccount"]["annotations"]
    assert {key: untokenised(value) for key, value in annotations.items()} == {
        "azure.workload.identity/client-id": "<client_id>",
        "azure.workload.identity/tenant-id": "<tenant_id>",
    }
