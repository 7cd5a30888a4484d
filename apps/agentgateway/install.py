"""agentgateway's two releases: its CRDs, then its control plane (apps/agentgateway/__init__.py)."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack

from apps.agentgateway import DECLARATION
from apps.declaration import GATEWAY_CONTROLLER
from apps.installer import InstallContext, Installed
from catalogue.charts import AGENTGATEWAY, AGENTGATEWAY_CRDS
from constructs import Construct
from constructs.helm.kubernetes_objects import PodSecurityContext
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues, Toggle


class AgentgatewayValues(HelmValues):
    # Off by default; InferencePool backends need it: AGW_ENABLE_INFER_EXT and the RBAC on inferencepools
    # (templates/deployment.yaml, templates/role.yaml).
    inference_extension: Toggle = Toggle(enabled=True)
    # The chart's container context already drops every capability and runs as non-root with a read-only root; a
    # seccomp profile is what the restricted level still asks of the pod.
    pod_security_context: PodSecurityContext = PodSecurityContext()


class Agentgateway(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, after: Sequence[ITerraformDependable]) -> None:
        super().__init__(scope, construct_id)
        # The chart has no values: its CRDs are templates, so Helm installs and upgrades them with the release.
        self.crds = PinnedHelmRelease(self, "crds", pin=AGENTGATEWAY_CRDS, values=HelmValues(), after=after)
        self.controller = PinnedHelmRelease(
            self, "controller", pin=AGENTGATEWAY, values=AgentgatewayValues(), after=[self.crds.release]
        )


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    agentgateway = Agentgateway(stack, DECLARATION.construct_id, after=context.after)
    return Installed(provides={GATEWAY_CONTROLLER: [agentgateway.controller.release]})
