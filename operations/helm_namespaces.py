"""The app namespaces Helm created, which the apps stack now creates itself: imported, never created twice.

Until the apps stack created every app namespace with its Pod Security labels, each release created its own (Helm's
`create_namespace`). On an environment deployed before that, the plan creates a `kubernetes_namespace_v1` for a
namespace that exists, and the apply would fail with `namespaces "<name>" already exists`. Such a namespace is one
the plan creates while a release already in the stack's state installs into it: `make review` (and so `make
deploy`) imports it instead, with the import blocks `make adopt` writes (operations/adopt.py `write_imports`).
A pure function over `terraform show -json` of a saved plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NAMESPACE = "kubernetes_namespace_v1"
RELEASE = "helm_release"


def namespaces_helm_created(plan: Mapping[str, Any]) -> dict[str, str]:
    """Address -> namespace name (its import ID) of every namespace the plan creates that a release in the state
    already installs into."""
    changes = plan.get("resource_changes", [])
    in_use = {
        str(change["change"]["before"]["namespace"])
        for change in changes
        if change["type"] == RELEASE and change["change"].get("before")
    }
    created = {
        change["address"]: str(change["change"]["after"]["metadata"][0]["name"])
        for change in changes
        if change["type"] == NAMESPACE and change["change"]["actions"] == ["create"]
    }
    return {address: name for address, name in created.items() if name in in_use}
