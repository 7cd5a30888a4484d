"""The Google project a stack works in, when the environment may leave it to the provider's default."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_google.data_google_project import DataGoogleProject

from spec.environment import Environment


def project_ids(stack: TerraformStack, environment: Environment) -> tuple[str, str]:
    """(project ID, project number): IAM bindings and the Workload Identity pool need them even when unset."""
    project = DataGoogleProject(stack, "project", project_id=environment.project)
    return environment.project or project.project_id, project.number
