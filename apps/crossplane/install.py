"""Crossplane into crossplane-system, with the chart's defaults (as dot-kubernetes installs it) but for the security
contexts that make its own two pods meet the restricted Pod Security level."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack
from pydantic import Field

from apps.crossplane import DECLARATION
from apps.installer import InstallContext, Installed, next_step
from catalogue.charts import CROSSPLANE
from constructs import Construct
from constructs.helm.kubernetes_objects import ContainerSecurityContext, PodSecurityContext
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues


class CrossplaneValues(HelmValues):
    """The chart's defaults, which the reference installs, made restricted: a pod security context with a seccomp
    profile for each pod, and no capabilities for its containers (the init containers share their context). The
    container maps merge into the chart's own (runAsUser 65532, allowPrivilegeEscalation false, read-only root)."""

    pod_security_context_crossplane: PodSecurityContext = PodSecurityContext()
    pod_security_context_rbac_manager: PodSecurityContext = Field(
        default=PodSecurityContext(), alias="podSecurityContextRBACManager"
    )
    security_context_crossplane: ContainerSecurityContext = ContainerSecurityContext()
    security_context_rbac_manager: ContainerSecurityContext = Field(
        default=ContainerSecurityContext(), alias="securityContextRBACManager"
    )


class CrossplaneRelease(PinnedHelmRelease):
    def __init__(self, scope: Construct, construct_id: str, *, after: Sequence[ITerraformDependable]) -> None:
        super().__init__(scope, construct_id, pin=CROSSPLANE, values=CrossplaneValues(), after=after)

    @property
    def next_command(self) -> str:
        return f"kubectl -n {self.pin.namespace} rollout status deployment/{self.pin.release}"


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    crossplane = CrossplaneRelease(stack, DECLARATION.construct_id, after=context.after)
    return Installed(outputs=next_step("crossplane", crossplane.pin.namespace, crossplane.next_command))
