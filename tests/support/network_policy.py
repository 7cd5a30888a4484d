"""Whether NetworkPolicies (networking.k8s.io/v1, as the API server holds them) allow one connection, by the rules of
kubernetes.io/docs/concepts/services-networking/network-policies:

- a pod is isolated for ingress (egress) once any policy of its namespace selects it with that policy type; policies
  only add what they allow, in any order;
- a connection needs the source's egress and the destination's ingress to allow it (a side no policy isolates allows
  everything);
- a rule with no `from`/`to` matches every peer, with no `ports` every port; a peer's podSelector alone means pods of
  the policy's namespace, a namespaceSelector (with or without a podSelector) pods of the namespaces it selects;
  an ipBlock matches addresses outside the pod network only (its meaning for pod IPs is left to the implementation);
- `policyTypes` absent: Ingress, plus Egress when the policy has egress rules.

Named ports are refused rather than guessed at; the vllm policies use numbers. `from_terraform` turns a synthesised
`kubernetes_network_policy_v1` into that form.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.support.monitoring_checks import selects

Object = Mapping[str, Any]
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # on every namespace, set by the API server


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: Mapping[str, str]
    ports: Mapping[str, int] = field(default_factory=dict)  # container port names, for a Service's named targetPort

    @property
    def namespace_labels(self) -> Mapping[str, str]:
        return {NAMESPACE_NAME_LABEL: self.namespace}


@dataclass(frozen=True)
class External:
    """An address outside the pod network: the API server's, Hugging Face's, the instance metadata service's."""

    name: str
    address: str


@dataclass(frozen=True)
class Connection:
    source: Pod | External  # an address outside the cluster: a load balancer's client, a health check
    destination: Pod | External
    port: int
    protocol: str = "TCP"

    def __str__(self) -> str:
        return f"{_where(self.source)} -> {_where(self.destination)} {self.protocol}/{self.port}"


def _where(end: Pod | External) -> str:
    return f"{end.namespace}/{end.name}" if isinstance(end, Pod) else f"{end.name} ({end.address})"


# --- the policies, as the API server holds them -------------------------------------------------------------------


def _camel(key: str) -> str:
    return re.sub(r"_([a-z])", lambda match: match.group(1).upper(), key)


def _converted(value: Any, key: str = "") -> Any:
    if isinstance(value, Mapping):
        # label keys are data, not field names
        if key in {"match_labels", "matchLabels"}:
            return dict(value)
        return {_camel(name): _converted(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_converted(item, key) for item in value]
    if key == "port" and isinstance(value, str) and value.isdigit():
        return int(value)  # the provider's string port is an IntOrString on the API server
    return value


def from_terraform(resource: Object) -> dict[str, Any]:
    """A synthesised `kubernetes_network_policy_v1` (snake_case blocks) as the NetworkPolicy the provider creates."""
    converted: dict[str, Any] = _converted({"metadata": resource["metadata"], "spec": resource["spec"]})
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", **converted}


# --- evaluation --------------------------------------------------------------------------------------------------


def _types(policy: Object) -> set[str]:
    spec = policy.get("spec", {})
    declared = spec.get("policyTypes")
    if declared is not None:
        return set(declared)
    return {"Ingress", *(["Egress"] if spec.get("egress") else [])}


def _applying(policies: Iterable[Object], pod: Pod, policy_type: str) -> list[Object]:
    return [
        policy
        for policy in policies
        if policy["metadata"]["namespace"] == pod.namespace
        and policy_type in _types(policy)
        and selects(policy["spec"]["podSelector"], pod.labels)
    ]


def _peer_matches(peer: Object, policy_namespace: str, end: Pod | External) -> bool:
    if "ipBlock" in peer:
        if not isinstance(end, External):
            return False
        address = ipaddress.ip_address(end.address)
        block = peer["ipBlock"]
        excluded = any(address in ipaddress.ip_network(cidr) for cidr in block.get("except") or [])
        return address in ipaddress.ip_network(block["cidr"]) and not excluded
    if not isinstance(end, Pod):
        return False
    namespace_selector = peer.get("namespaceSelector")
    if namespace_selector is None:
        in_namespace = end.namespace == policy_namespace
    else:
        in_namespace = selects(namespace_selector, end.namespace_labels)
    pod_selector = peer.get("podSelector")
    return in_namespace and (pod_selector is None or selects(pod_selector, end.labels))


def _port_matches(ports: Sequence[Object] | None, connection: Connection) -> bool:
    if not ports:
        return True
    for entry in ports:
        if entry.get("protocol", "TCP") != connection.protocol:
            continue
        port = entry.get("port")
        if port is None:
            return True
        if not isinstance(port, int):
            raise ValueError(f"named port {port!r}: not evaluated here")
        if port <= connection.port <= entry.get("endPort", port):
            return True
    return False


def _side_allows(policies: Sequence[Object], connection: Connection, *, egress: bool) -> bool:
    pod, peer_end = (
        (connection.source, connection.destination) if egress else (connection.destination, connection.source)
    )
    if not isinstance(pod, Pod):
        return True  # an address outside the cluster: nothing here isolates it
    policy_type, rules_key, peers_key = ("Egress", "egress", "to") if egress else ("Ingress", "ingress", "from")
    applying = _applying(policies, pod, policy_type)
    if not applying:
        return True
    return any(
        _port_matches(rule.get("ports"), connection)
        and (not rule.get(peers_key) or any(_peer_matches(p, pod.namespace, peer_end) for p in rule[peers_key]))
        for policy in applying
        for rule in policy["spec"].get(rules_key) or []
    )


def allows(policies: Sequence[Object], connection: Connection) -> bool:
    return _side_allows(policies, connection, egress=True) and _side_allows(policies, connection, egress=False)


def refused(policies: Sequence[Object], needed: Iterable[Connection]) -> list[str]:
    """The needed connections the policies drop, one line each."""
    return [f"dropped: {connection}" for connection in needed if not allows(policies, connection)]


def let_through(policies: Sequence[Object], unneeded: Iterable[Connection]) -> list[str]:
    """The connections nothing needs that the policies still allow, one line each."""
    return [f"allowed: {connection}" for connection in unneeded if allows(policies, connection)]
