"""`<name>-cluster`: network, managed Kubernetes cluster, node pools and the apps' cloud grants; only the cloud's
provider."""

from __future__ import annotations

from datetime import date

from cdktf import Annotations, TerraformOutput, TerraformStack

from apps import APPS
from apps.installer import cloud_part
from capacity.cost import cost_plan
from capacity.plan import capacity_plan
from constructs import Construct
from constructs.composition import composition_for
from spec.environment import Environment
from stacks.backends import configure_backend
from validation.warnings import cluster_warnings


class ClusterStack(TerraformStack):
    def __init__(self, scope: Construct, *, environment: Environment, warnings: tuple[str, ...] = ()) -> None:
        super().__init__(scope, environment.cluster_stack_name)
        configure_backend(self, environment.backend, environment.cluster_stack_name)
        cluster = composition_for(environment.cloud).compose_cluster(self, environment)
        # What an app needs from the cluster stack on this cloud (a role, an identity) lives with the app.
        for app in APPS:
            cloud = cloud_part(app, environment.cloud) if app.enabled(environment) else None
            if cloud is not None:
                cloud.cluster_grants(self, environment, cluster)
        plan = capacity_plan(environment)
        for pool in plan:
            Annotations.of(self).add_info(f"capacity: {pool.line()}")
        TerraformOutput(self, "capacity_plan", value=[pool.output() for pool in plan])
        cost = cost_plan(environment)
        for line in cost.lines():
            Annotations.of(self).add_info(f"cost: {line}")
        TerraformOutput(self, "cost_plan", value=cost.output())
        for warning in [*warnings, *cluster_warnings(environment, today=date.today())]:
            Annotations.of(self).add_warning(warning)
