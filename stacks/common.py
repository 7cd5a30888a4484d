"""What every cloud's cluster stack shares: resource tags and the outputs a user needs next."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack

from config.model import Environment

MANAGED_BY = "gpu-clusters-as-code"


def resource_tags(environment: Environment, *, separator: str = "-") -> dict[str, str]:
    # GCP label keys allow no hyphen after CDKTF's snake-casing of map keys, hence the separator.
    return {"environment": environment.name, f"managed{separator}by": MANAGED_BY}


def add_cluster_outputs(
    stack: TerraformStack, *, cluster_name: str, endpoint: str, region: str, kubeconfig_command: str
) -> None:
    TerraformOutput(stack, "cluster_name", value=cluster_name)
    TerraformOutput(stack, "cluster_endpoint", value=endpoint)
    TerraformOutput(stack, "region", value=region)
    TerraformOutput(stack, "kubeconfig_command", value=kubeconfig_command)
