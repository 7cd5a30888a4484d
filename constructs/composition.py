"""Which module composes each cloud; imported only when an environment uses that cloud.

A run that builds only AWS environments never imports the Google or Azure provider packages (~19 s each).
"""

from __future__ import annotations

import importlib
from typing import Protocol

from cdktf import TerraformStack

from apps.external_secrets.install import SecretStoreAccess
from catalogue.node_sizes import Cloud
from constructs.connection import ClusterConnection
from constructs.helm.kubernetes_objects import ResourceQuota
from constructs.helm.release import PinnedHelmRelease
from spec.environment import Environment


class CloudComposition(Protocol):
    def compose_cluster(self, stack: TerraformStack, environment: Environment) -> None: ...

    def cluster_access(self, stack: TerraformStack, environment: Environment) -> ClusterConnection: ...

    def gpu_operator_extra_objects(self) -> list[ResourceQuota] | None: ...

    # The release that resizes node pools, where the cloud does not (EKS); installed before every other release.
    def node_autoscaler(self, stack: TerraformStack, environment: Environment) -> PinnedHelmRelease | None: ...

    # Finds the identity the cluster stack granted (by name) and says how the store reaches the secret manager.
    def external_secrets_store(self, stack: TerraformStack, environment: Environment) -> SecretStoreAccess: ...


COMPOSITION_MODULES: dict[Cloud, str] = {
    Cloud.AWS: "constructs.aws.composition",
    Cloud.GOOGLE: "constructs.google.composition",
    Cloud.AZURE: "constructs.azure.composition",
}


def composition_for(cloud: Cloud) -> CloudComposition:
    module: CloudComposition = importlib.import_module(COMPOSITION_MODULES[cloud])
    return module
