"""The vllm namespace's NetworkPolicies, built from the flows of apps/vllm/flows.py: one that denies everything both
ways, then per group of pods (every pod, the router or the gateway's pods, the engines) one that allows its flows in
and out.

Enforced by GKE Dataplane V2, AKS's Cilium, and on EKS by the vpc-cni add-on's network policy
(constructs/aws/vpc_cni.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_kubernetes.network_policy_v1 import (
    NetworkPolicyV1,
    NetworkPolicyV1Metadata,
    NetworkPolicyV1Spec,
    NetworkPolicyV1SpecEgress,
    NetworkPolicyV1SpecEgressPorts,
    NetworkPolicyV1SpecEgressTo,
    NetworkPolicyV1SpecIngress,
    NetworkPolicyV1SpecIngressFrom,
    NetworkPolicyV1SpecIngressPorts,
    NetworkPolicyV1SpecPodSelector,
)

from apps.vllm.flows import NAMESPACE, Addresses, Flow, Pods, flows
from constructs import Construct
from spec.environment import Environment

CONSTRUCT_ID = "vllm-network-policies"
DEFAULT_DENY = "default-deny"
# Set by the API server on every namespace (Kubernetes 1.21 and later): how a policy names another namespace.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
# What each policy lets through and why, for `kubectl describe`; unprefixed: the kubernetes provider treats keys
# under kubernetes.io as the cluster's own.
DESCRIPTION = "description"


def install_network_policies(
    scope: Construct, environment: Environment, *, after: Sequence[ITerraformDependable]
) -> None:
    """`after`: the vllm-stack release, whose install creates the namespace the policies live in."""
    policies = Construct(scope, CONSTRUCT_ID)
    needed = flows(environment)
    deny = "drops every connection of the namespace's pods that an allow- policy does not let through"
    _policy(policies, DEFAULT_DENY, NetworkPolicyV1SpecPodSelector(), deny, ingress=[], egress=[], after=after)
    ends = [end for flow in needed for end in (flow.source, flow.destination)]
    groups = {end.name: end for end in ends if isinstance(end, Pods) and end.namespace == NAMESPACE}
    for pods in groups.values():
        incoming = [flow for flow in needed if flow.destination == pods]
        outgoing = [flow for flow in needed if flow.source == pods]
        description = "; ".join(
            [
                *(f"in from {_name(flow.source)} on {flow.port}: {flow.why}" for flow in incoming),
                *(f"out to {_name(flow.destination)} on {flow.port}: {flow.why}" for flow in outgoing),
            ]
        )
        _policy(
            policies,
            f"allow-{pods.name}",
            NetworkPolicyV1SpecPodSelector(match_labels=dict(pods.labels) or None),
            description,
            ingress=[_ingress(flow) for flow in incoming],
            egress=[_egress(flow) for flow in outgoing],
            after=after,
        )


def _name(end: Pods | Addresses) -> str:
    if isinstance(end, Pods):
        return end.name
    return end.cidr or "any address"


def _ingress(flow: Flow) -> NetworkPolicyV1SpecIngress:
    peer = _peer(flow.source)
    return NetworkPolicyV1SpecIngress(
        from_=[NetworkPolicyV1SpecIngressFrom(**peer)] if peer else None,  # no `from`: any source on these ports
        ports=[NetworkPolicyV1SpecIngressPorts(port=str(flow.port), protocol=p) for p in flow.protocols],
    )


def _egress(flow: Flow) -> NetworkPolicyV1SpecEgress:
    peer = _peer(flow.destination)
    return NetworkPolicyV1SpecEgress(
        to=[NetworkPolicyV1SpecEgressTo(**peer)] if peer else None,  # no `to`: any destination on these ports
        ports=[NetworkPolicyV1SpecEgressPorts(port=str(flow.port), protocol=p) for p in flow.protocols],
    )


def _peer(end: Pods | Addresses) -> dict[str, Any]:
    """The fields of a `from` or `to` entry that select this end, seen from vllm; {} for any address (no `to`)."""
    if isinstance(end, Addresses):
        return {"ip_block": {"cidr": end.cidr}} if end.cidr else {}
    peer: dict[str, Any] = {}
    if end.namespace != NAMESPACE:
        # A namespaceSelector alone reaches into other namespaces; {} is every namespace.
        peer["namespace_selector"] = {"match_labels": {NAMESPACE_NAME_LABEL: end.namespace}} if end.namespace else {}
    if end.labels or end.namespace == NAMESPACE:
        peer["pod_selector"] = {"match_labels": dict(end.labels)} if end.labels else {}
    return peer


def _policy(
    scope: Construct,
    name: str,
    selector: NetworkPolicyV1SpecPodSelector,
    description: str,
    *,
    ingress: list[NetworkPolicyV1SpecIngress],
    egress: list[NetworkPolicyV1SpecEgress],
    after: Sequence[ITerraformDependable],
) -> None:
    # Both types on every policy: a direction it has no rules for is closed to its pods (all of default-deny).
    NetworkPolicyV1(
        scope,
        name,
        metadata=NetworkPolicyV1Metadata(name=name, namespace=NAMESPACE, annotations={DESCRIPTION: description}),
        spec=NetworkPolicyV1Spec(
            pod_selector=selector,
            policy_types=["Ingress", "Egress"],
            ingress=ingress or None,
            egress=egress or None,
        ),
        depends_on=list(after) or None,
    )
