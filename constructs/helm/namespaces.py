"""Namespaces this stack owns: the platform team's (`namespaces:`), and app namespaces needed before their app."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata

from constructs import Construct

# Enforce `baseline`: it blocks the known privilege escalations (host namespaces, privileged containers,
# hostPath) yet runs ordinary images unchanged. Warn and audit `restricted`: users see what a stricter
# level would refuse before anyone tightens it. (kubernetes.io/docs/concepts/security/pod-security-standards)
POD_SECURITY_LABELS = {
    "pod-security.kubernetes.io/enforce": "baseline",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
}


class PlatformNamespaces(Construct):
    labels: dict[str, str] | None = POD_SECURITY_LABELS

    def __init__(self, scope: Construct, construct_id: str, *, names: Sequence[str]) -> None:
        super().__init__(scope, construct_id)
        self.namespaces = [
            NamespaceV1(self, name, metadata=NamespaceV1Metadata(name=name, labels=self.labels)) for name in names
        ]


class AppNamespaces(PlatformNamespaces):
    """An app's namespace created ahead of its release (whose create_namespace then finds it); the app's chart
    sets its own Pod Security labels where it needs them (the GPU Operator's privileged ones)."""

    labels = None
