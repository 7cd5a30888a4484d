"""Kubernetes version upgrades for the moto emulator: moto 5.2.5 has neither UpdateClusterVersion nor
UpdateNodegroupVersion, so changing `version` on a cluster or node group would fail with a 404.

Both finish at once (real EKS takes minutes: the control plane first, then a rolling replacement of the nodes);
DescribeUpdate answers for them through tests/support/aws_emulator.py, as for the other updates.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import moto.eks.urls
import pytest
from moto.core.responses import ActionResult
from moto.eks.responses import EKSResponse

VERSION_PATHS = (
    "{0}/clusters/(?P<name>[^/]+)/updates$",
    "{0}/clusters/(?P<name>[^/]+)/node-groups/(?P<nodegroupName>[^/]+)/update-version$",
)
updates: dict[str, dict[str, Any]] = {}


def _finished(kind: str, version: str) -> dict[str, Any]:
    update: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "status": "Successful",
        "type": kind,
        "params": [{"type": "Version", "value": version}],
        "createdAt": datetime.now(UTC),
        "errors": [],
    }
    updates[update["id"]] = update
    return update


def update_cluster_version(self: EKSResponse) -> ActionResult:
    cluster = self.eks_backend.describe_cluster(name=self._get_param("name"))
    cluster.version = self._get_param("version")
    return ActionResult({"update": _finished("VersionUpdate", cluster.version)})


def update_nodegroup_version(self: EKSResponse) -> ActionResult:
    group = self.eks_backend.describe_nodegroup(
        cluster_name=self._get_param("name"), nodegroup_name=self._get_param("nodegroupName")
    )
    cluster = self.eks_backend.describe_cluster(name=self._get_param("name"))
    group.version = self._get_param("version") or cluster.version  # no version given: the cluster's, as on EKS
    if self._get_param("launchTemplate") and group.launch_template is not None:
        group.launch_template.update(self._get_param("launchTemplate"))
    return ActionResult({"update": _finished("VersionUpdate", group.version)})


def install(patch: pytest.MonkeyPatch) -> None:
    """Routes the two paths; before the server starts, which reads moto's URL table then."""
    for path in VERSION_PATHS:
        patch.setitem(moto.eks.urls.url_paths, path, moto.eks.urls.response.dispatch)
    for call in (update_cluster_version, update_nodegroup_version):
        patch.setattr(EKSResponse, call.__name__, call, raising=False)
