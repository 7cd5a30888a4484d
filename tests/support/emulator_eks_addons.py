"""EKS add-ons for the moto emulator: moto 5.2.5 has no add-on API, so applying `aws_eks_addon` would fail.

A minimal in-memory version of the calls the aws provider (5.100.0) makes for `aws_eks_addon`: CreateAddon,
DescribeAddon (its create/delete waiters poll it), UpdateAddon + DescribeUpdate (its update waiter; routed with
node-group updates by tests/support/aws_emulator.py),
DeleteAddon, ListAddons, and DescribeAddonVersions (`data.aws_eks_addon_version`). An add-on is ACTIVE at once,
as real EKS reports it once its pods run.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import moto.eks.urls
import pytest
from moto.core.responses import ActionResult
from moto.eks.exceptions import ResourceNotFoundException
from moto.eks.responses import EKSResponse

# What real EKS fills in when CreateAddon names no version: its default build for the cluster version.
EMULATED_DEFAULT_VERSION = "v0.0.0-eksbuild.1"
ADDON_PATHS = (
    "{0}/addons/supported-versions$",
    "{0}/clusters/(?P<name>[^/]+)/addons$",
    "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)$",
    "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)/update$",
)


def _addons(response: EKSResponse) -> dict[tuple[str, str], dict[str, Any]]:
    """The add-ons of this account and region, kept on moto's own backend so they live and die with it."""
    backend = response.eks_backend
    if not hasattr(backend, "emulated_addons"):
        backend.emulated_addons = {}  # type: ignore[attr-defined]
    addons: dict[tuple[str, str], dict[str, Any]] = backend.emulated_addons  # type: ignore[attr-defined]
    return addons


def _not_found(cluster: str, addon: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(
        clusterName=cluster,
        nodegroupName=None,
        fargateProfileName=None,
        addonName=addon,
        message=f"No addon: {addon} found in cluster: {cluster}",
    )


def _find(response: EKSResponse) -> dict[str, Any]:
    cluster, name = response._get_param("name"), response._get_param("addonName")
    response.eks_backend.describe_cluster(name=cluster)  # raises moto's own error for an unknown cluster
    addon = _addons(response).get((cluster, name))
    if addon is None:
        raise _not_found(cluster, name)
    return addon


def create_addon(self: EKSResponse) -> ActionResult:
    cluster, name = self._get_param("name"), self._get_param("addonName")
    self.eks_backend.describe_cluster(name=cluster)
    now = datetime.now(UTC)
    addon = {
        "addonName": name,
        "clusterName": cluster,
        "status": "ACTIVE",
        "addonVersion": self._get_param("addonVersion") or EMULATED_DEFAULT_VERSION,
        "health": {"issues": []},
        "addonArn": f"arn:aws:eks:{self.region}:{self.current_account}:addon/{cluster}/{name}/{uuid.uuid4()}",
        "createdAt": now,
        "modifiedAt": now,
        "serviceAccountRoleArn": self._get_param("serviceAccountRoleArn"),
        "tags": self._get_param("tags") or {},
        "configurationValues": self._get_param("configurationValues"),
    }
    _addons(self)[(cluster, name)] = {key: value for key, value in addon.items() if value is not None}
    return ActionResult({"addon": _addons(self)[(cluster, name)]})


def describe_addon(self: EKSResponse) -> ActionResult:
    return ActionResult({"addon": _find(self)})


def update_addon(self: EKSResponse) -> ActionResult:
    addon = _find(self)
    for parameter in ("addonVersion", "serviceAccountRoleArn", "configurationValues"):
        if self._get_param(parameter) is not None:
            addon[parameter] = self._get_param(parameter)
    addon["modifiedAt"] = datetime.now(UTC)
    update = {"id": str(uuid.uuid4()), "status": "Successful", "type": "AddonUpdate", "createdAt": addon["modifiedAt"]}
    addon.setdefault("updates", {})[update["id"]] = update
    return ActionResult({"update": update})


def describe_update(self: EKSResponse) -> ActionResult:
    update = _find(self).get("updates", {}).get(self._get_param("updateId"))
    if update is None:
        raise _not_found(self._get_param("name"), self._get_param("addonName"))
    return ActionResult({"update": update})


def delete_addon(self: EKSResponse) -> ActionResult:
    addon = _find(self)
    del _addons(self)[(addon["clusterName"], addon["addonName"])]
    return ActionResult({"addon": {**addon, "status": "DELETING"}})


def list_addons(self: EKSResponse) -> ActionResult:
    cluster = self._get_param("name")
    self.eks_backend.describe_cluster(name=cluster)
    return ActionResult({"addons": sorted(name for owner, name in _addons(self) if owner == cluster)})


def emulated_builds(kubernetes_version: str) -> tuple[str, str]:
    """(default, most recent) build of every add-on for one Kubernetes minor: distinct per minor, as on EKS."""
    minor = kubernetes_version.split(".")[1]
    return f"v1.{minor}.0-eksbuild.1", f"v1.{minor}.1-eksbuild.2"


def describe_addon_versions(self: EKSResponse) -> ActionResult:
    name, kubernetes_version = self._get_param("addonName"), self._get_param("kubernetesVersion")
    default, newest = emulated_builds(kubernetes_version)
    versions = [
        {
            "addonVersion": build,
            "compatibilities": [{"clusterVersion": kubernetes_version, "defaultVersion": is_default}],
        }
        for build, is_default in ((newest, False), (default, True))  # newest first, as EKS lists them
    ]
    return ActionResult({"addons": [{"addonName": name, "type": "storage", "addonVersions": versions}]})


def install(patch: pytest.MonkeyPatch) -> None:
    """Routes the add-on paths to the calls above; before the server starts, which reads moto's URL table then."""
    for path in ADDON_PATHS:
        patch.setitem(moto.eks.urls.url_paths, path, moto.eks.urls.response.dispatch)
    for call in (create_addon, describe_addon, update_addon, delete_addon, list_addons, describe_addon_versions):
        patch.setattr(EKSResponse, call.__name__, call, raising=False)
