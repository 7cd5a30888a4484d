"""External Secrets: who reads the cloud's secret manager, from which store, and which secret names each cloud allows.

The cluster stack grants the identity, the apps stack installs the operator and the store; both derive every
name from here, so the identity the cloud trusts is the one the store uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from apps.declaration import (
    RENDERED,
    AppDeclaration,
    Capability,
    Footprint,
    PodSecurityLevel,
    deployment,
    secrets_in,
)
from catalogue.charts import EXTERNAL_SECRETS
from catalogue.identities import KubernetesServiceAccount
from catalogue.node_sizes import Cloud
from spec.environment import Environment
from spec.problems import FieldProblem

# The chart's own service account (the release name); the store names it, so the controller's identity is the store's.
SERVICE_ACCOUNT = KubernetesServiceAccount(namespace=EXTERNAL_SECRETS.namespace, name=EXTERNAL_SECRETS.release)
API_VERSION = "external-secrets.io/v1"  # v1beta1 is no longer served since ESO 0.17
# How often each ExternalSecret re-reads its secret: a rotated value arrives within this time.
REFRESH_INTERVAL = "1h"


@dataclass(frozen=True)
class SecretNameRule:
    pattern: str
    max_length: int
    meaning: str


# What each secret manager accepts as a secret name (each cloud's API reference).
SECRET_NAME_RULES = {
    Cloud.AWS: SecretNameRule(r"^[A-Za-z0-9/_+=.@-]+$", 512, "letters, digits and '/_+=.@-'"),
    Cloud.GOOGLE: SecretNameRule(r"^[A-Za-z0-9_-]+$", 255, "letters, digits, '_' and '-'"),
    Cloud.AZURE: SecretNameRule(r"^[A-Za-z0-9-]+$", 127, "letters, digits and '-'"),
}


def store_enabled(environment: Environment) -> bool:
    eso = environment.apps.external_secrets
    return eso.enabled and eso.store


def store_name(environment: Environment) -> str:
    # dot-kubernetes names the ClusterSecretStore after the provider; kept so existing ExternalSecrets still resolve.
    return environment.cloud.value


def identity_name(environment: Environment) -> str:
    """The IAM role (aws) or managed identity (azure) the store uses; both stacks find it by this name."""
    return f"{environment.name}-external-secrets"


def secret_names(environment: Environment) -> list[str]:
    """The names the store may read, each once: the identity is granted exactly these."""
    return list(dict.fromkeys(secret.from_secret for secret in environment.apps.external_secrets.secrets))


def vault_name(vault_url: str) -> str:
    hostname = urlparse(vault_url).hostname
    assert hostname is not None  # the model's pattern requires https://<name>.vault.azure.net
    return hostname.split(".", 1)[0]


def external_secrets_problems(environment: Environment) -> list[FieldProblem]:
    """Rules that need the cloud as well as the section; the loader reports the first with its field."""
    eso, cloud = environment.apps.external_secrets, environment.cloud
    problems = []
    field = "apps.externalSecrets.azureVaultUrl"
    if eso.azure_vault_url is not None and cloud is not Cloud.AZURE:
        problems.append(FieldProblem(field, "applies only to cloud: azure"))
    if eso.azure_vault_url is None and cloud is Cloud.AZURE and store_enabled(environment):
        problems.append(FieldProblem(field, "is required with store: true on azure (the Key Vault the store reads)"))
    rule = SECRET_NAME_RULES[cloud]
    for index, secret in enumerate(eso.secrets):
        if not re.fullmatch(rule.pattern, secret.from_secret) or len(secret.from_secret) > rule.max_length:
            problems.append(
                FieldProblem(
                    f"apps.externalSecrets.secrets.{index}.fromSecret",
                    f"a {cloud.value} secret name has 1-{rule.max_length} {rule.meaning} (got {secret.from_secret!r})",
                )
            )
    return problems


def store_target_namespaces(environment: Environment) -> list[str]:
    """The namespaces the store's ExternalSecrets write into, each once: the only ones the store serves."""
    if not store_enabled(environment):
        return []
    return list(dict.fromkeys(secret.to_namespace for secret in environment.apps.external_secrets.secrets))


def unmanaged_target_namespaces(environment: Environment, created: set[str]) -> list[str]:
    """Target namespaces no release of the apps stack creates: their ExternalSecrets need them to exist already."""
    targets = dict.fromkeys(secret.to_namespace for secret in environment.apps.external_secrets.secrets)
    return [namespace for namespace in targets if namespace not in created]


class ExternalSecrets(AppDeclaration):
    """The operator; with `store`, the ClusterSecretStore and ExternalSecrets, which every app whose namespace
    receives a secret waits for (apps/declaration.py `shared_waits`). Its cloud identity is per cloud (<cloud>.py)."""

    construct_id = "external-secrets"
    pin = EXTERNAL_SECRETS
    footprint = Footprint(
        EXTERNAL_SECRETS.version,
        (deployment("cert-controller"), deployment(""), deployment("webhook")),
        RENDERED,
    )
    pod_security = PodSecurityLevel.RESTRICTED
    cloud_parts = frozenset(Cloud)

    def enabled(self, environment: Environment) -> bool:
        return environment.apps.external_secrets.enabled

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        if not store_enabled(environment):
            return ()
        secrets = environment.apps.external_secrets.secrets
        return tuple(secrets_in(namespace) for namespace in dict.fromkeys(s.to_namespace for s in secrets))


DECLARATION = ExternalSecrets()
