"""`<name>-apps`: what runs inside the cluster, installed with Helm; reaches the cluster by name only."""

from __future__ import annotations

from cdktf import Annotations, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_helm.provider import HelmProvider

from config.catalogue import GPU_NODE_LABEL, GPU_TAINT_KEY, GPU_TAINT_VALUE
from config.compatibility import apps_warnings
from config.external_secrets import SERVICE_ACCOUNT, store_name, unmanaged_target_namespaces
from config.gpu_drivers import Owner, gpu_software_owners
from config.model import Environment
from constructs import Construct
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
from constructs.apps.vllm_stack import ServingEngineValues, VllmStackRelease, VllmStackValues
from stacks.backends import configure_backend
from stacks.compositions import CloudComposition, composition_for


class AppsStack(TerraformStack):
    def __init__(self, scope: Construct, *, environment: Environment, cluster_stack: TerraformStack) -> None:
        super().__init__(scope, environment.apps_stack_name)
        configure_backend(self, environment.backend, environment.apps_stack_name)
        # Ordering only (deploy cluster first, destroy apps first); no value crosses the stacks.
        self.add_dependency(cluster_stack)
        composition = composition_for(environment.cloud)
        HelmProvider(self, "helm", kubernetes=composition.cluster_access(self, environment))

        apps, cloud = environment.apps, environment.cloud
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
                values=VllmStackValues(serving_engine_spec=ServingEngineValues(runtime_class_name=runtime_class)),
            )
            releases.append(vllm)
            namespace = vllm.pin.namespace
            TerraformOutput(self, "vllm_router_service", value=f"{namespace}/{vllm.router_service}")
            TerraformOutput(
                self,
                "vllm_port_forward_command",
                value=f"kubectl -n {namespace} port-forward svc/{vllm.router_service} 30080:80",
            )
        if apps.external_secrets.enabled:
            releases.append(self._external_secrets(environment, composition, installed_before=releases))
        TerraformOutput(self, "namespaces", value=[release.pin.namespace for release in releases])
        for warning in apps_warnings(environment):
            Annotations.of(self).add_warning(warning)

    def _external_secrets(
        self, environment: Environment, composition: CloudComposition, *, installed_before: list[PinnedHelmRelease]
    ) -> ExternalSecretsRelease:
        """The operator; with `store`, the ClusterSecretStore and ExternalSecrets after every other release."""
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
        # After the other releases too: they create the namespaces the ExternalSecrets are written to.
        SecretStoreObjects(
            self,
            "external-secrets-store",
            store=store,
            secrets=eso.secrets,
            after=[operator.release, *(release.release for release in installed_before)],
        )
        created = {release.pin.namespace for release in [operator, *installed_before]}
        for namespace in unmanaged_target_namespaces(environment, created):
            Annotations.of(self).add_warning(
                f"apps.externalSecrets.secrets: no release of this stack creates namespace {namespace!r}; "
                "it must exist before the ExternalSecrets are installed"
            )
        return operator
