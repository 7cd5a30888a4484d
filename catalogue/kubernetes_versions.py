"""Kubernetes support calendar per cloud, as data: which minor versions are in standard support until when.

The defaults and the cluster stack's version warning derive from it. tests/catalogue/test_kubernetes_versions.py fails
once a default's standard support has ended (or is about to), so the calendar cannot be forgotten.

Dates as published on 2026-08-22 (the newest copy we could read; today is 2026-11-27): endoflife.date's
records, which mirror each cloud's own calendar page named in `source`. A version a cloud released after
that (1.37) is not listed yet and gets the "not in the calendar" warning until someone adds it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from catalogue.node_sizes import Cloud

# Warn this long before standard support ends: enough to plan and test an upgrade.
WARNING_WINDOW = timedelta(days=60)

EKS_CALENDAR = "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html (release calendar)"
AKS_CALENDAR = "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions (AKS release calendar)"
GKE_CALENDAR = "https://cloud.google.com/kubernetes-engine/docs/release-schedule (end of standard support)"


@dataclass(frozen=True)
class StandardSupport:
    """One minor version on one cloud: the last day of standard (non-extended, non-LTS, free) support."""

    ends: date
    source: str


# The last versions we know of per cloud, including ones whose standard support has just ended, so the
# warning can say when it ended. Extended support (EKS, paid; GKE Extended channel) and AKS LTS (Premium tier)
# are deliberately not modelled: this project creates clusters on standard support only.
STANDARD_SUPPORT: dict[Cloud, dict[str, StandardSupport]] = {
    Cloud.AWS: {
        "1.33": StandardSupport(date(2026, 7, 29), EKS_CALENDAR),
        "1.34": StandardSupport(date(2026, 12, 2), EKS_CALENDAR),
        "1.35": StandardSupport(date(2027, 3, 27), EKS_CALENDAR),
        "1.36": StandardSupport(date(2027, 8, 2), EKS_CALENDAR),
    },
    Cloud.AZURE: {
        "1.33": StandardSupport(date(2026, 7, 31), AKS_CALENDAR),
        "1.34": StandardSupport(date(2026, 11, 30), AKS_CALENDAR),
        "1.35": StandardSupport(date(2027, 3, 31), AKS_CALENDAR),
        "1.36": StandardSupport(date(2027, 6, 30), AKS_CALENDAR),
    },
    Cloud.GOOGLE: {
        "1.33": StandardSupport(date(2026, 8, 3), GKE_CALENDAR),
        "1.34": StandardSupport(date(2026, 10, 1), GKE_CALENDAR),
        "1.35": StandardSupport(date(2027, 4, 11), GKE_CALENDAR),
        "1.36": StandardSupport(date(2027, 8, 9), GKE_CALENDAR),
    },
}

# The newest minor on every cloud. Also supported by the charts we install:
# - gpu-operator v26.7.0: validated on Kubernetes 1.33-1.36, EKS and GKE 1.33-1.36 (NVIDIA cloud-native-docs,
#   gpu-operator/platform-support.rst, "Supported Operating Systems and Kubernetes Platforms", 2026-08-21);
# - vllm-stack 0.1.12: Chart.yaml sets no kubeVersion and its templates use only GA APIs (apps/v1,
#   autoscaling/v2, policy/v1, networking.k8s.io/v1, rbac/v1), all served by 1.36 (production-stack tag
#   vllm-stack-0.1.12, helm/).
DEFAULT_VERSIONS: dict[Cloud, str] = {Cloud.AWS: "1.36", Cloud.AZURE: "1.36", Cloud.GOOGLE: "1.36"}


def support_warning(cloud: Cloud, version: str, *, today: date) -> str | None:
    """A one-line warning when `version` is unknown, or within WARNING_WINDOW of or past standard support."""
    known = STANDARD_SUPPORT[cloud]
    support = known.get(version)
    if support is None:
        # A warning, not an error: an older minor may still be creatable in extended support or LTS, and a
        # newer one may have shipped after this calendar was written; the cloud's API has the final word.
        return (
            f"version: {version} is not in the {cloud.value} support calendar (known: {', '.join(known)}); "
            f"check that the cloud offers it in standard support ({known[DEFAULT_VERSIONS[cloud]].source})"
        )
    if today > support.ends:
        return (
            f"version: standard support for {version} on {cloud.value} ended on {support.ends.isoformat()}; "
            f"new clusters may be refused or billed as extended support: use {_newer_than(version, known)}"
        )
    if today + WARNING_WINDOW >= support.ends:
        return (
            f"version: standard support for {version} on {cloud.value} ends on {support.ends.isoformat()} "
            f"(in {(support.ends - today).days} days): plan the upgrade to {_newer_than(version, known)}"
        )
    return None


def _newer_than(version: str, known: dict[str, StandardSupport]) -> str:
    newest = max(known, key=lambda minor: int(minor.split(".")[1]))
    return newest if newest != version else "the next minor version"
