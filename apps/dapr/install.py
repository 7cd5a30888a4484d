"""Dapr into dapr-system; the scheduler's volumes name the cluster's default StorageClass explicitly."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack
from pydantic import Field

from apps.dapr import DECLARATION
from apps.installer import InstallContext, Installed, next_step
from catalogue.charts import DAPR
from catalogue.storage import DEFAULT_STORAGE_CLASSES
from constructs import Construct
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues


class SchedulerCluster(HelmValues):
    # "" (the chart's default) leaves the claims to whatever class is default; naming it fails loudly instead.
    storage_class_name: str


class SchedulerValues(HelmValues):
    cluster: SchedulerCluster


class DaprGlobal(HelmValues):
    # Every control-plane pod gets the container runtime's default seccomp profile: the one thing the restricted
    # Pod Security level asks of them that the chart leaves unset (its default is "", no profile).
    seccomp_profile: str = "RuntimeDefault"


class DaprValues(HelmValues):
    global_: DaprGlobal = Field(default=DaprGlobal(), alias="global")
    scheduler: SchedulerValues = Field(alias="dapr_scheduler")  # the subchart's key is snake_case


class DaprRelease(PinnedHelmRelease):
    def __init__(
        self, scope: Construct, construct_id: str, *, storage_class: str, after: Sequence[ITerraformDependable]
    ) -> None:
        values = DaprValues(scheduler=SchedulerValues(cluster=SchedulerCluster(storage_class_name=storage_class)))
        super().__init__(scope, construct_id, pin=DAPR, values=values, after=after)

    @property
    def next_command(self) -> str:
        return f"kubectl -n {self.pin.namespace} get pods"


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    storage_class = DEFAULT_STORAGE_CLASSES[context.environment.cloud].name
    dapr = DaprRelease(stack, DECLARATION.construct_id, storage_class=storage_class, after=context.after)
    return Installed(outputs=next_step("dapr", dapr.pin.namespace, dapr.next_command))
