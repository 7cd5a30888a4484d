"""The model cache in the apps stack: the claim (outside the Helm release, so an uninstall keeps it), the service
accounts, and per model one download Job that the vllm-stack release waits for (apps/vllm/cache.py)."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_kubernetes.job_v1 import (
    JobV1,
    JobV1Metadata,
    JobV1Spec,
    JobV1SpecTemplate,
    JobV1SpecTemplateMetadata,
    JobV1SpecTemplateSpec,
    JobV1SpecTemplateSpecContainer,
    JobV1SpecTemplateSpecContainerEnv,
    JobV1SpecTemplateSpecContainerEnvValueFrom,
    JobV1SpecTemplateSpecContainerEnvValueFromSecretKeyRef,
    JobV1SpecTemplateSpecContainerResources,
    JobV1SpecTemplateSpecContainerSecurityContext,
    JobV1SpecTemplateSpecContainerSecurityContextCapabilities,
    JobV1SpecTemplateSpecContainerVolumeMount,
    JobV1SpecTemplateSpecSecurityContext,
    JobV1SpecTemplateSpecSecurityContextSeccompProfile,
    JobV1SpecTemplateSpecToleration,
    JobV1SpecTemplateSpecVolume,
    JobV1SpecTemplateSpecVolumeEmptyDir,
    JobV1SpecTemplateSpecVolumePersistentVolumeClaim,
    JobV1Timeouts,
)
from cdktf_cdktf_provider_kubernetes.persistent_volume_claim_v1 import (
    PersistentVolumeClaimV1,
    PersistentVolumeClaimV1Metadata,
    PersistentVolumeClaimV1Spec,
    PersistentVolumeClaimV1SpecResources,
)
from cdktf_cdktf_provider_kubernetes.persistent_volume_v1 import (
    PersistentVolumeV1,
    PersistentVolumeV1Metadata,
    PersistentVolumeV1Spec,
    PersistentVolumeV1SpecPersistentVolumeSource,
    PersistentVolumeV1SpecPersistentVolumeSourceCsi,
)
from cdktf_cdktf_provider_kubernetes.service_account_v1 import ServiceAccountV1, ServiceAccountV1Metadata
from cdktf_cdktf_provider_kubernetes.storage_class_v1 import StorageClassV1, StorageClassV1Metadata

from apps.vllm.cache import (
    CACHE_GID,
    CACHE_UID,
    CLAIM_NAME,
    DOWNLOAD_COMMAND,
    DOWNLOAD_CPU,
    DOWNLOAD_LABEL,
    DOWNLOAD_MEMORY,
    MOUNT_PATH,
    READER,
    STORAGE_CLASS,
    WRITER,
    CacheVolume,
    cached_models,
    download_arguments,
    download_job_name,
)
from apps.vllm.serving import model_pools
from catalogue.charts import VLLM_STACK
from constructs import Construct
from spec.apps import VllmModelSpec
from spec.environment import Environment
from spec.pools import NodePoolSpec, pool_selector

CACHE_VOLUME = "model-cache"
TMP_VOLUME = "tmp"
# The biggest models take tens of minutes to download; Terraform waits for each Job this long before failing.
DOWNLOAD_TIMEOUT = "90m"
# A failed download (a network hiccup, a rate limit) is retried by the Job, resuming the files it has.
DOWNLOAD_RETRIES = 4
ACCESS_MODE = "ReadWriteMany"


class ModelCache(Construct):
    """`ready`: what the vllm-stack release waits for; `volume`: what its engines mount."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment: Environment,
        volume: CacheVolume,
        after: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.volume = volume
        namespace = VLLM_STACK.namespace
        size = environment.apps.vllm.model_cache.size
        depends = list(after) or None
        if volume.bucket is None:
            provisioned_by: ITerraformDependable = StorageClassV1(
                self,
                "storage-class",
                metadata=StorageClassV1Metadata(name=STORAGE_CLASS),
                storage_provisioner=volume.driver,
                parameters=volume.parameters or None,
                mount_options=list(volume.mount_options) or None,
                reclaim_policy=volume.reclaim,
                volume_binding_mode="Immediate",  # the download Job is the first to mount it, on any node
                allow_volume_expansion=True,
            )
        else:
            provisioned_by = PersistentVolumeV1(
                self,
                "volume",
                metadata=PersistentVolumeV1Metadata(name=STORAGE_CLASS),
                spec=[
                    PersistentVolumeV1Spec(
                        capacity={"storage": size},
                        access_modes=[ACCESS_MODE],
                        persistent_volume_reclaim_policy=volume.reclaim,
                        storage_class_name=STORAGE_CLASS,  # matched by name only: no StorageClass object
                        mount_options=list(volume.mount_options) or None,
                        persistent_volume_source=PersistentVolumeV1SpecPersistentVolumeSource(
                            csi=PersistentVolumeV1SpecPersistentVolumeSourceCsi(
                                driver=volume.driver, volume_handle=volume.bucket
                            )
                        ),
                    )
                ],
            )
        self.claim = PersistentVolumeClaimV1(
            self,
            "claim",
            metadata=PersistentVolumeClaimV1Metadata(name=CLAIM_NAME, namespace=namespace),
            spec=PersistentVolumeClaimV1Spec(
                access_modes=[ACCESS_MODE],
                storage_class_name=STORAGE_CLASS,
                volume_name=STORAGE_CLASS if volume.bucket is not None else None,
                resources=PersistentVolumeClaimV1SpecResources(requests={"storage": size}),
            ),
            wait_until_bound=True,
            depends_on=[provisioned_by, *(depends or [])],
        )
        accounts = {
            account.name: ServiceAccountV1(
                self,
                account.name,
                metadata=ServiceAccountV1Metadata(name=account.name, namespace=account.namespace),
                # Neither the download nor an engine calls the Kubernetes API.
                automount_service_account_token=False,
                depends_on=depends,
            )
            for account in (WRITER, READER)
        }
        placed = model_pools(environment)
        jobs = [
            self._download_job(model, placed[model.name], after=[self.claim, accounts[WRITER.name]])
            for model in cached_models(environment)
        ]
        # The engines start once their weights are in the cache, as the reader, on the bound claim.
        self.ready: list[ITerraformDependable] = [self.claim, accounts[READER.name], *jobs]

    def _download_job(
        self, model: VllmModelSpec, pool: NodePoolSpec, *, after: Sequence[ITerraformDependable]
    ) -> JobV1:
        """One writer per model, on the model's own pool: the engine image it runs is then already on the node the
        engine starts on. It asks for no GPU."""
        name = download_job_name(model)
        secret = model.hf_token_secret
        token = (
            [
                JobV1SpecTemplateSpecContainerEnv(
                    name="HF_TOKEN",
                    value_from=JobV1SpecTemplateSpecContainerEnvValueFrom(
                        secret_key_ref=JobV1SpecTemplateSpecContainerEnvValueFromSecretKeyRef(
                            name=secret.name, key=secret.key
                        )
                    ),
                )
            ]
            if secret
            else []
        )
        return JobV1(
            self,
            f"download-{model.name}",
            metadata=JobV1Metadata(
                name=name,
                namespace=VLLM_STACK.namespace,
                labels={"app.kubernetes.io/name": DOWNLOAD_LABEL, "model": model.name},
            ),
            spec=JobV1Spec(
                backoff_limit=DOWNLOAD_RETRIES,
                template=JobV1SpecTemplate(
                    metadata=JobV1SpecTemplateMetadata(
                        labels={"app.kubernetes.io/name": DOWNLOAD_LABEL, "model": model.name},
                        annotations=self.volume.pod_annotations or None,
                    ),
                    spec=JobV1SpecTemplateSpec(
                        restart_policy="Never",
                        service_account_name=WRITER.name,
                        automount_service_account_token=False,
                        security_context=JobV1SpecTemplateSpecSecurityContext(
                            run_as_non_root=True,
                            run_as_user=str(CACHE_UID),
                            run_as_group=str(CACHE_GID),
                            seccomp_profile=JobV1SpecTemplateSpecSecurityContextSeccompProfile(type="RuntimeDefault"),
                        ),
                        node_selector=pool_selector(pool),
                        toleration=[
                            JobV1SpecTemplateSpecToleration(key=taint.key, value=taint.value, effect="NoSchedule")
                            for taint in pool.taints
                        ]
                        or None,
                        container=[
                            JobV1SpecTemplateSpecContainer(
                                name="download",
                                image=model.image,
                                # The image's entrypoint is `vllm serve`.
                                command=[DOWNLOAD_COMMAND],
                                args=download_arguments(model),
                                env=[
                                    # hf keeps its own state under HF_HOME; the root filesystem is read-only.
                                    JobV1SpecTemplateSpecContainerEnv(name="HF_HOME", value="/tmp/hf"),
                                    *token,
                                ],
                                resources=JobV1SpecTemplateSpecContainerResources(
                                    requests={"cpu": DOWNLOAD_CPU, "memory": DOWNLOAD_MEMORY},
                                    limits={"memory": DOWNLOAD_MEMORY},
                                ),
                                security_context=JobV1SpecTemplateSpecContainerSecurityContext(
                                    allow_privilege_escalation=False,
                                    read_only_root_filesystem=True,
                                    capabilities=JobV1SpecTemplateSpecContainerSecurityContextCapabilities(
                                        drop=["ALL"]
                                    ),
                                ),
                                volume_mount=[
                                    JobV1SpecTemplateSpecContainerVolumeMount(name=CACHE_VOLUME, mount_path=MOUNT_PATH),
                                    JobV1SpecTemplateSpecContainerVolumeMount(name=TMP_VOLUME, mount_path="/tmp"),
                                ],
                            )
                        ],
                        volume=[
                            JobV1SpecTemplateSpecVolume(
                                name=CACHE_VOLUME,
                                persistent_volume_claim=JobV1SpecTemplateSpecVolumePersistentVolumeClaim(
                                    claim_name=CLAIM_NAME
                                ),
                            ),
                            JobV1SpecTemplateSpecVolume(
                                name=TMP_VOLUME, empty_dir=JobV1SpecTemplateSpecVolumeEmptyDir()
                            ),
                        ],
                    ),
                ),
            ),
            wait_for_completion=True,
            timeouts=JobV1Timeouts(create=DOWNLOAD_TIMEOUT, update=DOWNLOAD_TIMEOUT),
            depends_on=list(after),
        )
