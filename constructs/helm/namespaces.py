"""Namespaces this stack owns: the platform team's (`namespaces:`), and every namespace an app installs into.

Each carries a Pod Security level (kubernetes.io/docs/concepts/security/pod-security-admission): `enforce` refuses
a pod below it, `warn` and `audit` report pods below `restricted` to whoever creates them and to the audit log.
No `-version` label: the level then means the rules of the cluster's own Kubernetes minor, which the environment
file already pins and upgrades one minor at a time; a pinned rule version would need a bump with every upgrade.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata

from apps.declaration import PodSecurityLevel
from constructs import Construct

POD_SECURITY_LABEL = "pod-security.kubernetes.io/"


def pod_security_labels(enforce: PodSecurityLevel) -> dict[str, str]:
    """`enforce` as given; `warn` and `audit` always `restricted`, so what a stricter level would refuse shows."""
    return {
        f"{POD_SECURITY_LABEL}enforce": enforce.value,
        f"{POD_SECURITY_LABEL}warn": PodSecurityLevel.RESTRICTED.value,
        f"{POD_SECURITY_LABEL}audit": PodSecurityLevel.RESTRICTED.value,
    }


# Enforce `baseline`: it blocks the known privilege escalations (host namespaces, privileged containers,
# hostPath) yet runs ordinary images unchanged. Warn and audit `restricted`: users see what a stricter
# level would refuse before anyone tightens it. (kubernetes.io/docs/concepts/security/pod-security-standards)
POD_SECURITY_LABELS = pod_security_labels(PodSecurityLevel.BASELINE)


class PlatformNamespaces(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, names: Sequence[str]) -> None:
        super().__init__(scope, construct_id)
        self.namespaces = [
            NamespaceV1(self, name, metadata=NamespaceV1Metadata(name=name, labels=POD_SECURITY_LABELS))
            for name in names
        ]


class AppNamespaces(Construct):
    """Every enabled app's namespace, created before its releases (which no longer create it) with the Pod
    Security level the app declares, so no pod of the release ever runs in an unlabelled namespace."""

    def __init__(self, scope: Construct, construct_id: str, *, levels: Mapping[str, PodSecurityLevel]) -> None:
        super().__init__(scope, construct_id)
        self.by_name = {
            name: NamespaceV1(self, name, metadata=NamespaceV1Metadata(name=name, labels=pod_security_labels(level)))
            for name, level in levels.items()
        }


def logical_id(*path: str) -> str:
    """The logical id cdktf gives a resource at `path` below its stack, a path of two or more parts (makeUniqueId in
    cdktf lib/private/unique.ts): the parts joined by `_`, a part left out where the one kept before it ends with
    it, then the first 8 hex digits of the MD5 of the whole path joined by `/`. For a `moved` block from an
    address whose construct no longer exists; tests/constructs/test_namespaces.py holds it to cdktf's own."""
    kept: list[str] = []
    for part in path:
        if not kept or not kept[-1].endswith(part):
            kept.append(part)
    human = "_".join(re.sub(r"[^A-Za-z0-9_-]", "", part) for part in kept)
    digest = hashlib.md5("/".join(path).encode(), usedforsecurity=False).hexdigest()
    return f"{human}_{digest[:8].upper()}"
