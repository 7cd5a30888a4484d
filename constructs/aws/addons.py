"""An EKS-managed add-on at the newest build for the cluster's minor: the one way the cluster stack installs them."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.data_aws_eks_addon_version import DataAwsEksAddonVersion
from cdktf_cdktf_provider_aws.eks_addon import EksAddon

from constructs import Construct


def managed_addon(
    scope: Construct,
    *,
    addon_name: str,
    cluster_name: str,
    kubernetes_version: str,
    after: Sequence[ITerraformDependable],
    role_arn: str | None = None,
    configuration_values: str | None = None,
    take_over: bool = False,
) -> EksAddon:
    """`after`: the add-on's pods need nodes (before them it stays DEGRADED until timeout), and on an upgrade it moves
    after the control plane and the system nodes. `take_over`: a self-managed copy EKS installed with the cluster is
    overwritten rather than refused, and removing the add-on from the stack leaves it running."""
    # Read at plan time from the file's version: through the cluster resource, every plan with any cluster change
    # would show the add-on as changing.
    build = DataAwsEksAddonVersion(
        scope, "version", addon_name=addon_name, kubernetes_version=kubernetes_version, most_recent=True
    )
    return EksAddon(
        scope,
        "addon",
        cluster_name=cluster_name,
        addon_name=addon_name,
        addon_version=build.version,
        service_account_role_arn=role_arn,
        configuration_values=configuration_values,
        resolve_conflicts_on_create="OVERWRITE" if take_over else None,
        preserve=True if take_over else None,
        depends_on=list(after),
    )
