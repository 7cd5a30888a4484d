"""Argo CD into argocd, its generated admin password, and dot-kubernetes' Application `apps` in an AppProject that
lets it deploy only namespaced objects, only into its destination namespace, only from its repository.

The Application and its AppProject are objects of kinds Argo CD's own CRDs define, so they ride in a second
release that depends on this one (constructs/helm/custom_objects.py): both install in one apply.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack
from cdktf_cdktf_provider_random.password import Password
from cdktf_cdktf_provider_time.provider import TimeProvider
from cdktf_cdktf_provider_time.static_resource import StaticResource
from pydantic import Field

from apps.argocd import DECLARATION, PROJECT_NAME
from apps.installer import AppOutput, InstallContext, Installed, next_step
from apps.traefik.install import TLS_ENTRYPOINT, TRAEFIK_INGRESS_CLASS
from catalogue.charts import ARGO_CD
from constructs import Construct
from constructs.helm.custom_objects import CustomObjectsRelease
from constructs.helm.kubernetes_objects import NamespacedObjectMeta
from constructs.helm.namespaces import POD_SECURITY_LABELS
from constructs.helm.providers import use_random_provider
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues
from spec.apps import ArgocdSpec

ADMIN_PASSWORD_VALUE = "configs.secret.argocdServerAdminPassword"  # a bcrypt hash (argo-helm README)
ADMIN_PASSWORD_MTIME_VALUE = "configs.secret.argocdServerAdminPasswordMtime"
APPLICATION_NAME = "apps"  # dot-kubernetes' name for the one Application it creates
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"


class ArgoCdGlobal(HelmValues):
    domain: str


class ArgoCdConfigMap(HelmValues):
    resource_tracking_method: str = Field(default="annotation", alias="application.resourceTrackingMethod")
    timeout_reconciliation: str = Field(default="60s", alias="timeout.reconciliation")


class ArgoCdParams(HelmValues):
    # TLS ends at Traefik's websecure entrypoint (the port-forward stays on the local machine), so the server
    # speaks plain HTTP behind it, inside the cluster.
    server_insecure: bool = Field(default=True, alias="server.insecure")


class ArgoCdConfigs(HelmValues):
    cm: ArgoCdConfigMap = ArgoCdConfigMap()
    params: ArgoCdParams = ArgoCdParams()


# Traefik's Ingress annotations: the route exists on the TLS entrypoint only (443), so the login never crosses
# the network in plain HTTP; port 80 has no route for the host. No `tls` section: it would name a Secret
# (argocd-server-tls) nobody creates, and Traefik answers with its default certificate without one.
TLS_ONLY_ROUTE = {
    "traefik.ingress.kubernetes.io/router.entrypoints": TLS_ENTRYPOINT,
    "traefik.ingress.kubernetes.io/router.tls": "true",
}


class ServerIngress(HelmValues):
    enabled: bool = True
    ingress_class_name: str = TRAEFIK_INGRESS_CLASS  # the host comes from global.domain
    annotations: dict[str, str] = Field(default_factory=lambda: dict(TLS_ONLY_ROUTE))


class ArgoCdServer(HelmValues):
    ingress: ServerIngress | None = None


class ArgoCdValues(HelmValues):
    global_: ArgoCdGlobal = Field(alias="global")
    configs: ArgoCdConfigs = ArgoCdConfigs()
    server: ArgoCdServer

    @classmethod
    def for_spec(cls, spec: ArgocdSpec, *, behind_traefik: bool) -> ArgoCdValues:
        return cls(
            global_=ArgoCdGlobal(domain=spec.host),
            server=ArgoCdServer(ingress=ServerIngress() if behind_traefik else None),
        )


class ApplicationMetadata(NamespacedObjectMeta):
    # Deleting the Application makes Argo CD delete what it deployed first.
    finalizers: list[str] = Field(default_factory=lambda: ["resources-finalizer.argocd.argoproj.io"])


class ApplicationSource(HelmValues):
    repo_url: str = Field(alias="repoURL")
    target_revision: str = "HEAD"
    path: str


class ApplicationDestination(HelmValues):
    server: str = IN_CLUSTER_SERVER
    namespace: str


class AutomatedSync(HelmValues):
    self_heal: bool = True
    prune: bool = True
    allow_empty: bool = True


class ManagedNamespaceMetadata(HelmValues):
    labels: dict[str, str] = Field(default_factory=lambda: dict(POD_SECURITY_LABELS))


class SyncPolicy(HelmValues):
    automated: AutomatedSync = AutomatedSync()
    # Argo CD creates the destination (its default `argo-cd` exists nowhere) with the platform namespaces' Pod
    # Security labels; one that exists already is kept, so running environments need no import. The AppProject
    # allows exactly this one Namespace.
    sync_options: list[str] = Field(default_factory=lambda: ["CreateNamespace=true"])
    managed_namespace_metadata: ManagedNamespaceMetadata = ManagedNamespaceMetadata()


class ApplicationSpec(HelmValues):
    project: str = PROJECT_NAME
    source: ApplicationSource
    destination: ApplicationDestination
    sync_policy: SyncPolicy = SyncPolicy()


class Application(HelmValues):
    api_version: str = "argoproj.io/v1alpha1"
    kind: str = "Application"
    metadata: ApplicationMetadata
    spec: ApplicationSpec

    @classmethod
    def for_spec(cls, spec: ArgocdSpec, *, namespace: str) -> Application:
        return cls(
            metadata=ApplicationMetadata(name=APPLICATION_NAME, namespace=namespace),
            spec=ApplicationSpec(
                source=ApplicationSource(repo_url=spec.repo_url, path=spec.source_path),
                destination=ApplicationDestination(namespace=spec.destination_namespace),
            ),
        )


class ResourceKind(HelmValues):
    group: str
    kind: str
    name: str  # Argo CD 3.x matches cluster-scoped objects by name too (the AppProject CRD's `name`)


class AppProjectSpec(HelmValues):
    description: str
    source_repos: list[str]
    destinations: list[ApplicationDestination]
    # One cluster-scoped object only, the destination Namespace (for CreateNamespace): no other Namespace,
    # ClusterRole, CRD or webhook; the repository's writers get one namespace, not the cluster (the project
    # `default` allows every kind everywhere).
    cluster_resource_whitelist: list[ResourceKind]


class AppProject(HelmValues):
    api_version: str = "argoproj.io/v1alpha1"
    kind: str = "AppProject"
    metadata: NamespacedObjectMeta
    spec: AppProjectSpec

    @classmethod
    def for_spec(cls, spec: ArgocdSpec, *, namespace: str) -> AppProject:
        return cls(
            metadata=NamespacedObjectMeta(name=PROJECT_NAME, namespace=namespace),
            spec=AppProjectSpec(
                # at most 255 characters (the CRD): the repository URL may be longer
                description=f"{APPLICATION_NAME}: namespaced kinds into {spec.destination_namespace} only",
                source_repos=[spec.repo_url],
                destinations=[ApplicationDestination(namespace=spec.destination_namespace)],
                cluster_resource_whitelist=[ResourceKind(group="", kind="Namespace", name=spec.destination_namespace)],
            ),
        )


class ArgoCd(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: ArgocdSpec,
        behind_traefik: bool,
        after: Sequence[ITerraformDependable],
    ) -> None:
        super().__init__(scope, construct_id)
        use_random_provider(TerraformStack.of(self))
        TimeProvider(self, "time")
        # Generated once and kept in state: Terraform's bcrypt() would salt anew on every plan (a diff each time).
        self.admin_password = Password(self, "admin-password", length=32, special=False)
        # Argo CD ends sessions older than this time; the chart would otherwise stamp "now" on every upgrade.
        password_set_at = StaticResource(self, "admin-password-set-at")
        self.server = PinnedHelmRelease(
            self,
            "server",
            pin=ARGO_CD,
            values=ArgoCdValues.for_spec(spec, behind_traefik=behind_traefik),
            computed={ADMIN_PASSWORD_MTIME_VALUE: password_set_at.rfc3339},
            sensitive={ADMIN_PASSWORD_VALUE: self.admin_password.bcrypt_hash},
            after=after,
        )
        self.application = CustomObjectsRelease(
            self,
            "application",
            release_name="argo-cd-apps",
            namespace=ARGO_CD.namespace,
            objects=[
                AppProject.for_spec(spec, namespace=ARGO_CD.namespace),
                Application.for_spec(spec, namespace=ARGO_CD.namespace),
            ],
            after=[self.server.release],
        )
        self.url = f"https://{spec.host}" if behind_traefik else "http://localhost:8080"
        # the chart names the server Service <release>-server, port 80
        self.port_forward_command = f"kubectl -n {ARGO_CD.namespace} port-forward svc/{ARGO_CD.release}-server 8080:80"


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    environment = context.environment
    spec, behind_traefik = environment.apps.argocd, environment.apps.traefik.enabled
    argocd = ArgoCd(
        stack,
        DECLARATION.construct_id,
        spec=spec,
        behind_traefik=behind_traefik,
        after=context.after,
    )
    command = (
        f"open {argocd.url} once DNS for {spec.host} points at Traefik's address (traefik_next_command); "
        "Traefik's default certificate is self-signed, so the browser warns"
        if behind_traefik
        else f"{argocd.port_forward_command}, then open {argocd.url}"
    )
    return Installed(
        outputs=[
            *next_step("argocd", ARGO_CD.namespace, command),
            AppOutput("argocd_url", argocd.url),
            AppOutput("argocd_admin_password", argocd.admin_password.result, sensitive=True),
            # Run where this stack's Terraform runs, wherever that folder is (cdktf.out/stacks/ or, after
            # leaving CDKTF, hcl/stacks/): the output names no tool-specific path.
            AppOutput(
                "argocd_admin_password_command",
                "terraform output -raw argocd_admin_password",
                description=f"run in the {environment.apps_stack_name} stack's folder",
            ),
        ]
    )
