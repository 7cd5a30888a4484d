"""External Secrets Operator: its release, and the store and ExternalSecrets that ride in a custom-objects release.

The store reads with workload identity: it names the operator's own service account, and the cloud trusts that
account's token (IRSA role, GKE principal, AKS federated credential). No object here refers to a key or password.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable, TerraformStack
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1
from pydantic import Field

from apps.declaration import PLATFORM_NAMESPACES, secrets_in
from apps.external_secrets import (
    API_VERSION,
    DECLARATION,
    REFRESH_INTERVAL,
    SERVICE_ACCOUNT,
    store_name,
    store_target_namespaces,
    unmanaged_target_namespaces,
)
from apps.installer import InstallContext, Installed, cloud_part
from catalogue.charts import EXTERNAL_SECRETS
from catalogue.identities import KubernetesServiceAccount
from constructs import Construct
from constructs.helm.custom_objects import CustomObjectsRelease
from constructs.helm.kubernetes_objects import NamespacedObjectMeta, ObjectMeta
from constructs.helm.namespaces import PlatformNamespaces, logical_id
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues
from spec.apps import ExternalSecretSpec


class ServiceAccountValues(HelmValues):
    create: bool = True
    name: str
    annotations: dict[str, str]


class RbacValues(HelmValues):
    # The chart labels its `-edit` ClusterRole (create/update/delete ExternalSecrets, SecretStores, PushSecrets,
    # generators) to join Kubernetes' `edit` and `admin` roles by default: every namespace editor could then write
    # an ExternalSecret that copies any secret the store can read into their namespace. Off, only cluster admins
    # (and this stack) create them; `view` keeps its read-only rules.
    aggregate_to_edit: bool = False
    aggregate_to_admin: bool = False


class ExternalSecretsValues(HelmValues):
    install_crds: bool = Field(default=True, alias="installCRDs")
    # The store names this account; the chart's default rbac.serviceAccountTokenCreate lets the controller
    # request its token, which the cloud then trusts.
    service_account: ServiceAccountValues
    rbac: RbacValues = RbacValues()


# The construct that held the app namespaces receiving a secret before the stack created every app namespace.
FORMER_READER_NAMESPACES = "secret-namespaces"


class ExternalSecretsRelease(PinnedHelmRelease):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        values: ExternalSecretsValues,
        after: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, construct_id, pin=EXTERNAL_SECRETS, values=values, after=after)


# --- ClusterSecretStore (external-secrets.io/v1), one provider block per cloud


class ServiceAccountRef(HelmValues):
    name: str
    namespace: str  # required in a ClusterSecretStore, which has no namespace of its own

    @classmethod
    def to(cls, account: KubernetesServiceAccount) -> ServiceAccountRef:
        return cls(name=account.name, namespace=account.namespace)


class AwsJwtAuth(HelmValues):
    service_account_ref: ServiceAccountRef


class AwsAuth(HelmValues):
    jwt: AwsJwtAuth


class AwsSecretsManagerProvider(HelmValues):
    service: str = "SecretsManager"
    region: str
    auth: AwsAuth


class GcpWorkloadIdentity(HelmValues):
    service_account_ref: ServiceAccountRef
    # Given rather than read from the metadata server, so the store does not depend on where its pod runs.
    cluster_name: str
    cluster_location: str
    cluster_project_id: str = Field(alias="clusterProjectID")


class GcpAuth(HelmValues):
    workload_identity: GcpWorkloadIdentity


class GcpsmProvider(HelmValues):
    project_id: str = Field(alias="projectID")
    auth: GcpAuth


class AzureKeyVaultProvider(HelmValues):
    # ESO fetches the referenced account's token itself, so the pod needs no azure.workload.identity/use label.
    auth_type: str = "WorkloadIdentity"
    vault_url: str
    service_account_ref: ServiceAccountRef


class StoreProvider(HelmValues):
    aws: AwsSecretsManagerProvider | None = None
    gcpsm: GcpsmProvider | None = None
    azurekv: AzureKeyVaultProvider | None = None


class StoreCondition(HelmValues):
    namespaces: list[str]


class ClusterSecretStoreSpec(HelmValues):
    provider: StoreProvider
    # The namespaces whose ExternalSecrets the store serves. ESO serves every namespace when `conditions` is
    # empty, and none that no condition names otherwise, so an empty list of namespaces serves none (a store
    # without secrets). One ClusterSecretStore rather than a SecretStore per namespace: a namespaced store may only
    # name a service account of its own namespace, so each would need its own cloud identity.
    conditions: list[StoreCondition]

    @classmethod
    def serving(cls, provider: StoreProvider, namespaces: Sequence[str]) -> ClusterSecretStoreSpec:
        return cls(provider=provider, conditions=[StoreCondition(namespaces=list(namespaces))])


class ClusterSecretStore(HelmValues):
    api_version: str = API_VERSION
    kind: str = "ClusterSecretStore"
    metadata: ObjectMeta
    spec: ClusterSecretStoreSpec


@dataclass(frozen=True)
class SecretStoreAccess:
    """What a cloud's part (<cloud>.py) gives the store: its provider and the service account's annotations."""

    provider: StoreProvider
    service_account_annotations: dict[str, str]


# --- ExternalSecret (external-secrets.io/v1): one per entry of apps.externalSecrets.secrets


class SecretStoreRef(HelmValues):
    kind: str = "ClusterSecretStore"
    name: str


class SecretTemplate(HelmValues):
    type: str


class ExternalSecretTarget(HelmValues):
    name: str
    creation_policy: str = "Owner"  # the Secret goes when its ExternalSecret goes
    template: SecretTemplate


class ExtractRef(HelmValues):
    key: str


class DataFrom(HelmValues):
    extract: ExtractRef  # every key of the cloud secret's JSON value becomes a key of the Kubernetes Secret


class ExternalSecretObjectSpec(HelmValues):
    refresh_interval: str
    secret_store_ref: SecretStoreRef
    target: ExternalSecretTarget
    data_from: list[DataFrom]


class ExternalSecret(HelmValues):
    api_version: str = API_VERSION
    kind: str = "ExternalSecret"
    metadata: NamespacedObjectMeta
    spec: ExternalSecretObjectSpec

    @classmethod
    def syncing(cls, secret: ExternalSecretSpec, *, store: str) -> ExternalSecret:
        return cls(
            metadata=NamespacedObjectMeta(name=secret.to_secret, namespace=secret.to_namespace),
            spec=ExternalSecretObjectSpec(
                refresh_interval=REFRESH_INTERVAL,
                secret_store_ref=SecretStoreRef(name=store),
                target=ExternalSecretTarget(name=secret.to_secret, template=SecretTemplate(type=secret.type)),
                data_from=[DataFrom(extract=ExtractRef(key=secret.from_secret))],
            ),
        )


class SecretStoreObjects(Construct):
    """The store and its ExternalSecrets, installed once the operator's CRDs and webhook serve."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        store: ClusterSecretStore,
        secrets: Sequence[ExternalSecretSpec],
        after: Sequence[ITerraformDependable],
    ) -> None:
        super().__init__(scope, construct_id)
        objects = [store, *(ExternalSecret.syncing(secret, store=store.metadata.name) for secret in secrets)]
        # Helm's wait on the operator's release already covers the webhook: the cert-controller turns ready only
        # after it injected the CA into the webhook configuration and the webhook's endpoints are ready.
        self.release = CustomObjectsRelease(
            self,
            "objects",
            release_name=f"{EXTERNAL_SECRETS.release}-store",
            namespace=EXTERNAL_SECRETS.namespace,
            objects=objects,
            after=after,
        ).release


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    environment = context.environment
    eso = environment.apps.external_secrets
    cloud = cloud_part(DECLARATION, environment.cloud)
    access = cloud.store_access(stack, environment) if eso.store and cloud else None
    operator = ExternalSecretsRelease(
        stack,
        DECLARATION.construct_id,
        values=ExternalSecretsValues(
            service_account=ServiceAccountValues(
                name=SERVICE_ACCOUNT.name, annotations=access.service_account_annotations if access else {}
            )
        ),
        after=context.after,
    )
    if access is None:
        return Installed()
    targets = store_target_namespaces(environment)
    store = ClusterSecretStore(
        metadata=ObjectMeta(name=store_name(environment)),
        spec=ClusterSecretStoreSpec.serving(access.provider, targets),
    )
    # An app's namespace that receives a secret exists before the app (the stack creates every app namespace
    # first): its pods (a model's engine reading its Hugging Face token) must find the Secret when Helm waits for
    # them, or the atomic install rolls back.
    readers = [namespace for namespace in targets if namespace in context.namespaces]
    for name in readers:
        if name in context.other_namespaces:
            # Until the stack created every app namespace, this install created the other apps' ones that receive
            # a secret: a running environment's state holds them there, and moving them keeps each namespace (and
            # everything in it) instead of deleting it and creating it again.
            former = logical_id(FORMER_READER_NAMESPACES, name)
            context.namespaces[name].move_from_id(f"{NamespaceV1.TF_RESOURCE_TYPE}.{former}")
    # A target nothing else creates is created here like a platform namespace: the store release would
    # otherwise fail on apply ("namespaces not found") and its rollback remove the store every secret needs.
    created = {EXTERNAL_SECRETS.namespace, *context.other_namespaces, *environment.namespaces}
    other_targets = PlatformNamespaces(
        stack, "secret-target-namespaces", names=unmanaged_target_namespaces(environment, created)
    )
    objects = SecretStoreObjects(
        stack,
        "external-secrets-store",
        store=store,
        secrets=eso.secrets,
        # only the store waits for the platform namespaces (a target may be one), not the operator
        after=[
            operator.release,
            *context.provided[PLATFORM_NAMESPACES],
            *(context.namespaces[name] for name in readers),
            *other_targets.namespaces,
        ],
    )
    return Installed(provides={secrets_in(namespace): [objects.release] for namespace in targets})
