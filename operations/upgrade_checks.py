"""Changes to a running environment that Terraform would plan without complaint but that break it: refused before
anything changes, each with what to do instead. Pure functions over the environment file and what the cluster
stack's state says was deployed (its `identity` and `kubernetes_version` outputs); operations/deploy_check.py reads
those and runs them.
"""

from __future__ import annotations

from catalogue.node_sizes import Cloud
from catalogue.storage import minor_version
from spec.deployed import Identity
from spec.environment import Environment

# Every cloud upgrades a control plane one minor version at a time and never downgrades one:
# EKS https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html ("one minor version at a time"),
# GKE https://cloud.google.com/kubernetes-engine/docs/concepts/cluster-upgrades (control plane: one minor per
# upgrade, no minor downgrade), AKS https://learn.microsoft.com/azure/aks/upgrade-cluster (no skipping minors,
# except from an unsupported version; no downgrade).
MAX_MINOR_STEP = 1


# Field of the environment file, as the user writes it, for each part of the identity.
IDENTITY_FIELDS = {"cloud": "cloud", "region": "region", "project": "project", "subscription": "subscriptionId"}


def identity_problem(deployed: Identity, environment: Environment) -> str | None:
    """One line when the file would leave the deployed cluster running unmanaged beside a new one."""
    wanted = Identity.of(environment)
    # A stack deployed before the identity output existed recorded only its name and region.
    parts = IDENTITY_FIELDS if deployed.cloud else {"region": "region"}
    for part, field in parts.items():
        before, after = getattr(deployed, part), getattr(wanted, part)
        if before != after:
            return (
                f"{field}: {before or '(default)'} -> {after or '(default)'} would create a second cluster and leave "
                f"{deployed.name!r} running, unmanaged and billed, in {deployed.cloud or 'the cloud'} {deployed.region}"
                f" (Terraform cannot move a cluster); instead create a new environment (a new name) with "
                f"{field}: {after or '(default)'}, move the work, then destroy {deployed.name!r} with its old file"
            )
    if deployed.zones and wanted.zones and deployed.zones != wanted.zones and deployed.region == wanted.region:
        return (
            f"availabilityZones: {', '.join(deployed.zones)} -> {', '.join(wanted.zones)} replaces the subnets under "
            f"every node group, and new subnets come up before the old ones go (the node groups create first), "
            f"with the same address ranges, which EC2 refuses; instead create a new environment in those zones, "
            f"move the work, then destroy {deployed.name!r} with its old file"
        )
    return None


def upgrade_problem(cloud: Cloud, deployed: str, wanted: str) -> str | None:
    """One line when `wanted` skips a minor above the deployed version, or goes below it."""
    # GKE records the running version with its patch (1.35.4-gke.100); the comparison is by minor.
    (major, running), (wanted_major, target) = (minor_version(".".join(v.split(".")[:2])) for v in (deployed, wanted))
    if wanted_major != major:
        return f"version: {wanted} is another major version than the running {deployed}; upgrades stay within 1.x"
    if target < running:
        return (
            f"version: {wanted} is below the running {major}.{running}; {cloud.value} cannot downgrade a cluster: "
            f"keep version: {major}.{running}, or create a new environment at {wanted}"
        )
    if target - running > MAX_MINOR_STEP:
        steps = " -> ".join(f"{major}.{minor}" for minor in range(running + 1, target + 1))
        return (
            f"version: {wanted} is {target - running} minor versions above the running {major}.{running}; "
            f"{cloud.value} upgrades one minor at a time: deploy each in turn, {steps}"
        )
    return None
