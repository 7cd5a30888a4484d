"""The cluster's default StorageClass, where the cloud does not ship one (catalogue/storage.py decides)."""

from __future__ import annotations

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_kubernetes.annotations import Annotations, AnnotationsMetadata
from cdktf_cdktf_provider_kubernetes.storage_class_v1 import StorageClassV1, StorageClassV1Metadata

from catalogue.storage import DEFAULT_CLASS_ANNOTATION, DefaultStorageClass, minor_version
from constructs import Construct


class DefaultStorage(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, storage: DefaultStorageClass, kubernetes_version: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.created: list[ITerraformDependable] = []  # what claims naming the default class must wait for
        if storage.ours is not None:
            own = StorageClassV1(
                self,
                "default-class",
                metadata=StorageClassV1Metadata(name=storage.name, annotations={DEFAULT_CLASS_ANNOTATION: "true"}),
                storage_provisioner=storage.ours.provisioner,
                parameters=storage.ours.parameters,
                reclaim_policy="Delete",
                # the volume is created in the zone the pod is scheduled to, not in a random one
                volume_binding_mode="WaitForFirstConsumer",
                allow_volume_expansion=True,
            )
            self.created.append(own)
        legacy = storage.legacy_default
        if legacy is not None and minor_version(kubernetes_version) < minor_version(legacy.until):
            # Patches the cloud's own object in place (force: the annotation belongs to another field manager).
            Annotations(
                self,
                "legacy-default",
                api_version="storage.k8s.io/v1",
                kind="StorageClass",
                metadata=AnnotationsMetadata(name=legacy.name),
                annotations={DEFAULT_CLASS_ANNOTATION: "false"},
                force=True,
            )
