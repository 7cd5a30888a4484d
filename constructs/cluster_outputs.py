"""What every cloud's cluster stack shares: resource tags and the outputs a user needs next."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack

from spec.deployed import Identity
from spec.environment import Environment

MANAGED_BY = "gpu-clusters-as-code"


def resource_tags(environment: Environment, *, separator: str = "-") -> dict[str, str]:
    # GCP label keys allow no hyphen after CDKTF's snake-casing of map keys, hence the separator.
    return {"environment": environment.name, f"managed{separator}by": MANAGED_BY}


def add_cluster_outputs(
    stack: TerraformStack,
    *,
    environment: Environment,
    cluster_name: str,
    endpoint: str,
    kubernetes_version: str,
    kubeconfig_command: str,
) -> None:
    # What the deploy check compares the next file with (operations/upgrade_checks.py): region, cloud and minor.
    TerraformOutput(stack, "identity", value=Identity.of(environment).as_output())
    TerraformOutput(stack, "kubernetes_version", value=kubernetes_version)
    TerraformOutput(stack, "cluster_name", value=cluster_name)
    TerraformOutput(stack, "cluster_endpoint", value=endpoint)
    TerraformOutput(stack, "region", value=environment.resolved_region)
    TerraformOutput(stack, "kubeconfig_command", value=kubeconfig_command)
