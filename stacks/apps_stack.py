"""`<name>-apps`: what runs inside the cluster, installed with Helm; reaches the cluster by name only."""

from __future__ import annotations

from cdktf import Annotations, TerraformOutput, TerraformStack

from config.catalogue import GPU_NODE_LABEL, GPU_TAINT_KEY, GPU_TAINT_VALUE
from config.compatibility import apps_warnings
from config.external_secrets import SERVICE_ACCOUNT, store_name, unmanaged_target_namespaces
from config.gpu_drivers import Owner, gpu_software_owners
from config.model import Environment
from config.storage import DEFAULT_STORAGE_CLASSES
from constructs import Construct
from constructs.apps.argocd import ArgoCd
from constructs.apps.crossplane import CrossplaneRelease
from constructs.apps.dapr import DaprRelease
from constructs.apps.device_plugin import DevicePluginRelease, DevicePluginValues
from constructs.apps.external_secrets import (
    ClusterSecretStore,
    ClusterSecretStoreSpec,
    ExternalSecretsRelease,
    ExternalSecretsValues,
    SecretStoreObjects,
    ServiceAccountValues,
)
from constructs.apps.gpu_operator import OPERATOR_RUNTIME_CLASS, GpuOperatorRelease, GpuOperatorValues
from constructs.apps.helm_release import PinnedHelmRelease
from constructs.apps.helm_values import Toleration
from constructs.apps.kubernetes_objects import ObjectMeta
from constructs.apps.namespaces import AppNamespaces, PlatformNamespaces
from constructs.apps.storage import DefaultStorage
from constructs.apps.traefik import TraefikRelease
from constructs.apps.vllm_stack import ROUTER_LOCAL_PORT, VllmStackRelease, VllmStackValues
from stacks.backends import configure_backend
from stacks.compositions import CloudComposition, composition_for


class AppsStack(TerraformStack):
    def __init__(self, scope: Construct, *, environment: Environment, cluster_stack: TerraformStack) -> None:
        super().__init__(scope, environment.apps_stack_name)
        configure_backend(self, environment.backend, environment.apps_stack_name)
        # Ordering only (deploy cluster first, destroy apps first); no value crosses the stacks.
        self.add_dependency(cluster_stack)
        composition = composition_for(environment.cloud)
        composition.cluster_access(self, environment).configure_providers(self)

        apps, cloud = environment.apps, environment.cloud
        storage_class = DEFAULT_STORAGE_CLASSES[cloud]
        storage = DefaultStorage(self, "storage", storage=storage_class, kubernetes_version=environment.version)
        namespaces = PlatformNamespaces(self, "platform-namespaces", names=environment.namespaces)
        owners = gpu_software_owners(cloud, gpu_operator=apps.nvidia.enabled)
        releases: list[PinnedHelmRelease] = []
        if apps.nvidia.enabled:
            releases.append(
                GpuOperatorRelease(
                    self,
                    "gpu-operator",
                    values=GpuOperatorValues.for_owners(owners, extra_objects=composition.gpu_operator_extra_objects()),
                )
            )
        if environment.gpu.enabled and owners.device_plugin is Owner.DEVICE_PLUGIN_RELEASE:
            label_key, label_value = GPU_NODE_LABEL
            releases.append(
                DevicePluginRelease(
                    self,
                    "nvidia-device-plugin",
                    values=DevicePluginValues(
                        node_selector={label_key: label_value},
                        tolerations=[Toleration(key=GPU_TAINT_KEY, value=GPU_TAINT_VALUE[cloud])],
                    ),
                )
            )
        if apps.vllm.enabled:
            runtime_class = OPERATOR_RUNTIME_CLASS if apps.nvidia.enabled else ""
            vllm = VllmStackRelease(
                self,
                "vllm-stack",
                values=VllmStackValues.for_environment(environment, runtime_class_name=runtime_class),
                # model caches bind on the default StorageClass, which on EKS this stack creates
                after=storage.created if any(model.storage for model in apps.vllm.models) else (),
            )
            releases.append(vllm)
            namespace = vllm.pin.namespace
            TerraformOutput(self, "vllm_router_service", value=f"{namespace}/{vllm.router_service}")
            TerraformOutput(
                self,
                "vllm_port_forward_command",
                value=f"kubectl -n {namespace} port-forward svc/{vllm.router_service} {ROUTER_LOCAL_PORT}:80",
            )
            if apps.vllm.models:
                TerraformOutput(
                    self,
                    "vllm_models",
                    value={
                        model.name: {
                            "service": f"{namespace}/{vllm.engine_service(model)}",
                            "curl": vllm.completion_command(model),
                        }
                        for model in apps.vllm.models
                    },
                )
        # Each app is its own release: a failing one rolls back alone, never the GPU Operator or vLLM.
        if apps.crossplane.enabled:
            crossplane = CrossplaneRelease(self, "crossplane")
            releases.append(crossplane)
            self._next_step("crossplane", crossplane.pin.namespace, crossplane.next_command)
        if apps.traefik.enabled:
            traefik = TraefikRelease(self, "traefik", cloud=cloud)
            releases.append(traefik)
            self._next_step("traefik", traefik.pin.namespace, traefik.address_command)
        if apps.argocd.enabled:
            argocd = ArgoCd(self, "argocd", spec=apps.argocd, behind_traefik=apps.traefik.enabled)
            releases.append(argocd.server)
            command = (
                f"open {argocd.url} once DNS for {apps.argocd.host} points at Traefik's address (traefik_next_command)"
                if apps.traefik.enabled
                else f"{argocd.port_forward_command}, then open {argocd.url}"
            )
            self._next_step("argocd", argocd.server.pin.namespace, command)
            TerraformOutput(self, "argocd_url", value=argocd.url)
            TerraformOutput(self, "argocd_admin_password", value=argocd.admin_password.result, sensitive=True)
            # Run where this stack's Terraform runs, wherever that folder is (cdktf.out/stacks/ or, after leaving
            # CDKTF, hcl/stacks/): the output names no tool-specific path.
            TerraformOutput(
                self,
                "argocd_admin_password_command",
                value="terraform output -raw argocd_admin_password",
                description=f"run in the {environment.apps_stack_name} stack's folder",
            )
        if apps.dapr.enabled:
            dapr = DaprRelease(self, "dapr", storage_class=storage_class.name, after=storage.created)
            releases.append(dapr)
            self._next_step("dapr", dapr.pin.namespace, dapr.next_command)
        if apps.external_secrets.enabled:
            releases.append(
                self._external_secrets(environment, composition, installed_before=releases, namespaces=namespaces)
            )
        TerraformOutput(self, "namespaces", value=environment.namespaces)
        TerraformOutput(self, "app_namespaces", value=[release.pin.namespace for release in releases])
        for warning in apps_warnings(environment):
            Annotations.of(self).add_warning(warning)

    def _next_step(self, app: str, namespace: str, command: str) -> None:
        TerraformOutput(self, f"{app}_namespace", value=namespace)
        TerraformOutput(self, f"{app}_next_command", value=command)

    def _external_secrets(
        self,
        environment: Environment,
        composition: CloudComposition,
        *,
        installed_before: list[PinnedHelmRelease],
        namespaces: PlatformNamespaces,
    ) -> ExternalSecretsRelease:
        """The operator; with `store`, the ClusterSecretStore and ExternalSecrets before the apps that read them."""
        eso = environment.apps.external_secrets
        access = composition.external_secrets_store(self, environment) if eso.store else None
        operator = ExternalSecretsRelease(
            self,
            "external-secrets",
            values=ExternalSecretsValues(
                service_account=ServiceAccountValues(
                    name=SERVICE_ACCOUNT.name, annotations=access.service_account_annotations if access else {}
                )
            ),
        )
        if access is None:
            return operator
        store = ClusterSecretStore(
            metadata=ObjectMeta(name=store_name(environment)), spec=ClusterSecretStoreSpec(provider=access.provider)
        )
        targets = dict.fromkeys(secret.to_namespace for secret in eso.secrets)
        readers = [release for release in installed_before if release.pin.namespace in targets]
        # An app's namespace that receives a secret exists before the app: its pods (a model's engine reading
        # its Hugging Face token) must find the Secret when Helm waits for them, or the atomic install rolls back.
        app_namespaces = AppNamespaces(self, "secret-namespaces", names=sorted({r.pin.namespace for r in readers}))
        # A target nothing else creates is created here like a platform namespace: the store release would
        # otherwise fail on apply ("namespaces not found") and its rollback remove the store every secret needs.
        created = {release.pin.namespace for release in [operator, *installed_before]} | set(environment.namespaces)
        other_targets = PlatformNamespaces(
            self, "secret-target-namespaces", names=unmanaged_target_namespaces(environment, created)
        )
        objects = SecretStoreObjects(
            self,
            "external-secrets-store",
            store=store,
            secrets=eso.secrets,
            after=[operator.release, *namespaces.namespaces, *app_namespaces.namespaces, *other_targets.namespaces],
        )
        # depends_on takes a bare address (the constructor derives the same from a construct; fqn is "${...}")
        store_address = f"{objects.release.terraform_resource_type}.{objects.release.friendly_unique_id}"
        for reader in readers:
            reader.release.depends_on = [*(reader.release.depends_on or []), store_address]
        return operator
