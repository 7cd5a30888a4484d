"""The Google APIs the cluster stack calls, enabled by the stack itself and never disabled by a destroy."""

from __future__ import annotations

from cdktf import TerraformResource
from cdktf_cdktf_provider_google.project_service import ProjectService
from cdktf_cdktf_provider_time.sleep import Sleep

from constructs import Construct

# Each API one of the stack's resources calls: networks, GKE, the secrets key, the node account, project IAM.
REQUIRED_APIS = (
    "compute.googleapis.com",
    "container.googleapis.com",
    "cloudkms.googleapis.com",
    "iam.googleapis.com",
    "cloudresourcemanager.googleapis.com",
)
# An API answers "has not been used in project" for a short while after it is enabled, and GKE's service
# agent (which the KMS grant names) appears only then; Google documents propagation of a few minutes at most.
ENABLEMENT_PROPAGATION = "90s"


class GoogleApis(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, project: str) -> None:
        super().__init__(scope, construct_id)
        self.services = [
            ProjectService(
                self,
                api.split(".")[0],
                project=project,
                service=api,
                # Other workloads in the project may use these APIs; destroying one cluster must not cut them off.
                disable_on_destroy=False,
            )
            for api in REQUIRED_APIS
        ]
        self.ready = Sleep(self, "propagation", create_duration=ENABLEMENT_PROPAGATION, depends_on=self.services)

    def required_by(self, scope: Construct) -> None:
        """Makes every other Google resource under `scope` wait until the APIs are enabled and usable."""
        own = set(self.node.find_all())
        # depends_on takes bare `type.name` references (the form CDKTF writes for constructor dependencies).
        ready = f"{self.ready.terraform_resource_type}.{self.ready.friendly_unique_id}"
        for child in scope.node.find_all():
            if (
                isinstance(child, TerraformResource)
                and child.terraform_resource_type.startswith("google_")
                and child not in own
            ):
                child.depends_on = [*(child.depends_on or []), ready]
