"""What a plan does to running work, in plain words: a pure function over `terraform show -json` of a saved plan.

`make review` and `make deploy` print it (operations.review). Each planned change gets one line; the ones that take
capacity away from running work (a replaced or deleted cluster or node pool) come first and in bold, GPU pools and
clusters before the rest. A node pool is a GPU pool when its planned values carry the GPU label or taint, whatever
its name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from apps.vllm.cache import CLAIM_NAME, DOWNLOAD_LABEL, cache_folder
from catalogue.charts import VLLM_STACK
from catalogue.node_sizes import GPU_NODE_LABEL, GPU_TAINT_KEY


class Kind(Enum):
    CLUSTER = "cluster"
    GPU_POOL = "GPU node pool"
    NODE_POOL = "node pool"
    RELEASE = "Helm release"
    OTHER = "resource"


class Action(Enum):
    IN_PLACE = "in place"
    CREATE_FIRST = "replaced, new one first"
    DESTROY_FIRST = "replaced, old one deleted first"
    DELETE = "deleted"
    CREATE = "created"


# Resource types that hold running work, per cloud.
KINDS: dict[str, Kind] = {
    "aws_eks_cluster": Kind.CLUSTER,
    "google_container_cluster": Kind.CLUSTER,
    "azurerm_kubernetes_cluster": Kind.CLUSTER,
    "aws_eks_node_group": Kind.NODE_POOL,
    "google_container_node_pool": Kind.NODE_POOL,
    "azurerm_kubernetes_cluster_node_pool": Kind.NODE_POOL,
    "helm_release": Kind.RELEASE,
}
# The attribute that names a node pool, per type.
POOL_NAME_ATTRIBUTES = {"aws_eks_node_group": "node_group_name"}
# A GPU pool is told by its planned values, not its name: spec/pools.py gives every GPU pool the label
# `gpu: "true"` and the taint `nvidia.com/gpu`; each type keeps them in its own attributes (below).
GPU_LABEL_KEY, GPU_LABEL_VALUE = GPU_NODE_LABEL

# Terraform's action lists (https://developer.hashicorp.com/terraform/internals/json-format, "change representation").
ACTIONS: dict[tuple[str, ...], Action] = {
    ("update",): Action.IN_PLACE,
    ("create", "delete"): Action.CREATE_FIRST,
    ("delete", "create"): Action.DESTROY_FIRST,
    ("delete",): Action.DELETE,
    ("create",): Action.CREATE,
}

# What each action does to the work running on each kind of resource: the sources are the clouds' own documents on
# node pool updates (EKS managed node group update behaviour, GKE surge upgrades, AKS node image upgrades).
EFFECTS: dict[tuple[Kind, Action], str] = {
    (Kind.CLUSTER, Action.IN_PLACE): "changed in place; a version upgrade restarts only the control plane",
    (Kind.CLUSTER, Action.CREATE_FIRST): "a new, empty cluster is created; everything on the old one is lost",
    (Kind.CLUSTER, Action.DESTROY_FIRST): "deleted with everything on it, then created again empty",
    (Kind.CLUSTER, Action.DELETE): "deleted with everything running on it",
    (Kind.CLUSTER, Action.CREATE): "created",
    (Kind.NODE_POOL, Action.IN_PLACE): "changed in place; a version or image change rolls its nodes, capacity stays",
    (Kind.NODE_POOL, Action.CREATE_FIRST): "the new pool comes up first, then the old one drains: pods move",
    (Kind.NODE_POOL, Action.DESTROY_FIRST): "every node goes before the new pool exists: its pods stop until then",
    (Kind.NODE_POOL, Action.DELETE): "deleted: its pods stop unless another pool can take them",
    (Kind.NODE_POOL, Action.CREATE): "created",
    (Kind.RELEASE, Action.IN_PLACE): "upgraded in place; its pods restart where their spec changed",
    (Kind.RELEASE, Action.CREATE_FIRST): "installed again beside the old one, then the old one is removed",
    (Kind.RELEASE, Action.DESTROY_FIRST): "uninstalled, then installed again: its pods stop in between",
    (Kind.RELEASE, Action.DELETE): "uninstalled: its pods stop",
    (Kind.RELEASE, Action.CREATE): "installed",
}
GENERIC_EFFECTS = {
    Action.IN_PLACE: "changed in place",
    Action.CREATE_FIRST: "replaced, the new one first",
    Action.DESTROY_FIRST: "replaced, the old one deleted first",
    Action.DELETE: "deleted",
    Action.CREATE: "created",
}
TAKES_CAPACITY = {Action.CREATE_FIRST, Action.DESTROY_FIRST, Action.DELETE}
# The EKS add-on that is the pod network (constructs/aws/vpc_cni.py): turning its network policy on changes what
# every pod may reach, which "created" would not say.
NETWORK_POLICY_ADD_ON = "vpc-cni"
NETWORK_POLICY_EFFECTS = {
    Action.CREATE: (
        "vpc-cni becomes an EKS-managed add-on with network policy enforcement: "
        "NetworkPolicies already in the cluster start to be enforced"
    ),
    Action.IN_PLACE: "network policy enforcement turns on: NetworkPolicies already in the cluster start to be enforced",
}


@dataclass(frozen=True)
class Change:
    stack: str
    address: str
    kind: Kind
    action: Action
    name: str | None = None
    detail: str | None = None  # what this change does, where its kind and action alone would not say

    @property
    def effect(self) -> str:
        if self.detail:
            return self.detail
        kind = Kind.NODE_POOL if self.kind is Kind.GPU_POOL else self.kind
        return EFFECTS.get((kind, self.action), GENERIC_EFFECTS[self.action])

    @property
    def holds_capacity(self) -> bool:
        return self.kind in {Kind.CLUSTER, Kind.GPU_POOL, Kind.NODE_POOL}

    @property
    def stops_unattended(self) -> bool:
        """A replaced or deleted cluster or node pool: `make review` exits 2 so that no pipeline applies it blindly."""
        return self.holds_capacity and self.action in TAKES_CAPACITY

    @property
    def rank(self) -> int:
        """Lower first: GPU pools and clusters losing capacity, other pools losing capacity, then the rest."""
        if self.stops_unattended:
            return 0 if self.kind in {Kind.GPU_POOL, Kind.CLUSTER} else 1
        return 2

    def line(self, *, emphasis: tuple[str, str]) -> str:
        """`stack: kind name (address): action: effect`, between the emphasis marks when it takes capacity."""
        subject = f"{self.kind.value} {self.name}" if self.name else self.kind.value
        text = f"{self.stack}: {subject} ({self.address}): {self.action.value}: {self.effect}"
        return f"{emphasis[0]}{text}{emphasis[1]}" if self.rank < 2 else text


def _pool_name(resource_type: str, values: dict[str, Any] | None) -> str | None:
    if not values:
        return None
    name = values.get(POOL_NAME_ATTRIBUTES.get(resource_type, "name"))
    return name if isinstance(name, str) else None


def _labels_and_taint_keys(resource_type: str, values: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """A planned node pool's Kubernetes labels and the keys of its taints, wherever its type keeps them."""
    if resource_type == "azurerm_kubernetes_cluster_node_pool":
        # node_taints are strings, "nvidia.com/gpu=true:NoSchedule"
        taints = {str(taint).split("=")[0].split(":")[0] for taint in values.get("node_taints") or []}
        return dict(values.get("node_labels") or {}), taints
    if resource_type == "google_container_node_pool":
        # node_config is a block: a list of one object in plan JSON (an object in cdk.tf.json)
        config = values.get("node_config") or [{}]
        values = config[0] if isinstance(config, list) else config
    taint_entries = values.get("taint") or []
    return dict(values.get("labels") or {}), {str(taint.get("key")) for taint in taint_entries}


def _is_gpu_pool(resource_type: str, values: dict[str, Any] | None) -> bool:
    if not values:
        return False
    labels, taint_keys = _labels_and_taint_keys(resource_type, values)
    return labels.get(GPU_LABEL_KEY) == GPU_LABEL_VALUE or GPU_TAINT_KEY in taint_keys


def _network_policy_enforced(resource_type: str, values: dict[str, Any] | None) -> bool:
    if resource_type != "aws_eks_addon" or not values or values.get("addon_name") != NETWORK_POLICY_ADD_ON:
        return False
    configuration = json.loads(values.get("configuration_values") or "{}")
    return bool(configuration.get("enableNetworkPolicy") == "true")


def _cache_left_behind(resource_type: str, action: Action, before: dict[str, Any] | None) -> str | None:
    """A model's download Job that goes (apps/vllm/install/cache.py): its files stay in the model cache."""
    if resource_type != "kubernetes_job_v1" or action is not Action.DELETE or not before:
        return None
    metadata = (before.get("metadata") or [{}])[0]
    if (metadata.get("labels") or {}).get("app.kubernetes.io/name") != DOWNLOAD_LABEL:
        return None
    containers = before["spec"][0]["template"][0]["spec"][0]["container"]
    model = containers[0]["args"][1]  # `hf download <model> ...`
    return (
        f"deleted: the weights of {model} stay in the model cache ({cache_folder(model)} on the claim "
        f"{VLLM_STACK.namespace}/{CLAIM_NAME}) "
        "until the cache is turned off or the environment destroyed"
    )


def classify(stack: str, plan: dict[str, Any]) -> list[Change]:
    """Every planned change of one stack's plan JSON that does something, most harmful first."""
    changes = []
    for entry in plan.get("resource_changes", []):
        action = ACTIONS.get(tuple(entry["change"]["actions"]))
        if action is None:  # no-op, read
            continue
        kind = KINDS.get(entry["type"], Kind.OTHER)
        name = None
        if kind in {Kind.CLUSTER, Kind.NODE_POOL, Kind.RELEASE}:
            name = _pool_name(entry["type"], entry["change"].get("before")) or _pool_name(
                entry["type"], entry["change"].get("after")
            )
        if kind is Kind.NODE_POOL and any(
            _is_gpu_pool(entry["type"], entry["change"].get(side)) for side in ("before", "after")
        ):
            kind = Kind.GPU_POOL
        before, after = entry["change"].get("before"), entry["change"].get("after")
        turned_on = _network_policy_enforced(entry["type"], after) and not _network_policy_enforced(
            entry["type"], before
        )
        detail = NETWORK_POLICY_EFFECTS.get(action) if turned_on else _cache_left_behind(entry["type"], action, before)
        changes.append(
            Change(stack=stack, address=entry["address"], kind=kind, action=action, name=name, detail=detail)
        )
    return sorted(changes, key=lambda change: change.rank)


def render(changes: list[Change], *, bold: bool) -> str:
    """One line per change; the harmful ones in ANSI bold on a terminal, else between ** (Markdown)."""
    emphasis = ("\033[1m", "\033[0m") if bold else ("**", "**")
    if not changes:
        return "no changes"
    return "\n".join(change.line(emphasis=emphasis) for change in sorted(changes, key=lambda change: change.rank))
