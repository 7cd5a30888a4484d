"""The StorageClass a PersistentVolumeClaim without a class gets, per cloud, and who provides it.

Exactly one class per cluster carries the default annotation; with none, such claims stay Pending forever
(Dapr's scheduler, model caches); with two, Kubernetes silently picks the newest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalogue.node_sizes import Cloud

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


@dataclass(frozen=True)
class OwnStorageClass:
    """A class the apps stack creates (where the cloud marks none default)."""

    provisioner: str
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LegacyDefault:
    """A class the cloud itself marks default on clusters created before `until` ("1.NN")."""

    name: str
    until: str


@dataclass(frozen=True)
class DefaultStorageClass:
    name: str
    ours: OwnStorageClass | None = None  # None: the cloud ships this class and marks it default
    legacy_default: LegacyDefault | None = None  # un-marked by the apps stack so ours stays the only default


DEFAULT_STORAGE_CLASSES: dict[Cloud, DefaultStorageClass] = {
    # EKS >= 1.30 marks no class default on new clusters; before, its in-tree gp2 class (docs.aws.amazon.com/
    # eks/latest/userguide/kubernetes-versions-extended.html, "Kubernetes 1.30"). gp3 through the EBS CSI
    # add-on; `encrypted` without kmsKeyId uses the account's AWS-managed EBS key, which the driver's role may
    # use without key-policy grants (the cluster's own key would need both, and its ARN in the apps stack).
    Cloud.AWS: DefaultStorageClass(
        "gp3",
        ours=OwnStorageClass("ebs.csi.aws.com", {"type": "gp3", "encrypted": "true"}),
        legacy_default=LegacyDefault("gp2", until="1.30"),
    ),
    # GKE's persistent disk CSI driver ships `standard-rwo` (balanced PD) as the default class
    # (cloud.google.com/kubernetes-engine/docs/how-to/persistent-volumes/gce-pd-csi-driver).
    Cloud.GOOGLE: DefaultStorageClass("standard-rwo"),
    # AKS ships `managed-csi` (Azure Disk CSI, StandardSSD_LRS) as the default class
    # (learn.microsoft.com/azure/aks/azure-disk-csi).
    Cloud.AZURE: DefaultStorageClass("managed-csi"),
}


def minor_version(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)
