"""Which module builds each cloud's cluster; imported only when an environment uses that cloud.

A run that builds only AWS environments never imports the Google or Azure provider packages (~19 s each).
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

from cdktf import TerraformStack

from catalogue.node_sizes import Cloud
from constructs.connection import ClusterConnection
from spec.environment import Environment


class CloudComposition(Protocol):
    # Returns what the apps' per-cloud parts build on (e.g. the OIDC provider and node groups on AWS).
    def compose_cluster(self, stack: TerraformStack, environment: Environment) -> Any: ...

    def cluster_access(self, stack: TerraformStack, environment: Environment) -> ClusterConnection: ...


COMPOSITION_MODULES: dict[Cloud, str] = {
    Cloud.AWS: "constructs.aws.composition",
    Cloud.GOOGLE: "constructs.google.composition",
    Cloud.AZURE: "constructs.azure.composition",
}


def composition_for(cloud: Cloud) -> CloudComposition:
    module: CloudComposition = importlib.import_module(COMPOSITION_MODULES[cloud])
    return module
