"""The NetworkPolicy evaluator (tests/support/network_policy.py) on hand-made policies: each rule of the semantics it
claims, and a needed connection that no policy allows is reported, which is what makes tests/rendered/test_vllm_flows.py
able to fail."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.network_policy import Connection, External, Pod, allows, from_terraform, let_through, refused

ROUTER = Pod("router", "vllm", {"app": "router"})
ENGINE = Pod("engine", "vllm", {"app": "engine"})
CLIENT = Pod("client", "default", {"app": "client"})
PROMETHEUS = Pod("prometheus", "monitoring", {"app.kubernetes.io/name": "prometheus"})
GRAFANA = Pod("grafana", "monitoring", {"app.kubernetes.io/name": "grafana"})
API_SERVER = External("api server", "10.0.0.10")
TO_ENGINE = Connection(ROUTER, ENGINE, 8000)


def policy(
    name: str,
    selector: dict[str, Any],
    *,
    ingress: list[dict[str, Any]] | None = None,
    egress: list[dict[str, Any]] | None = None,
    types: list[str] | None = None,
    namespace: str = "vllm",
) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": selector}
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    if types is not None:
        spec["policyTypes"] = types
    return {"kind": "NetworkPolicy", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


DENY_ALL = policy("default-deny", {}, types=["Ingress", "Egress"])
ROUTER_OUT = policy(
    "router",
    {"matchLabels": {"app": "router"}},
    egress=[{"to": [{"podSelector": {"matchLabels": {"app": "engine"}}}], "ports": [{"port": 8000}]}],
    types=["Egress"],
)
ENGINE_IN = policy(
    "engine",
    {"matchLabels": {"app": "engine"}},
    ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "router"}}}], "ports": [{"port": 8000}]}],
)


def test_pods_no_policy_selects_accept_and_send_everything() -> None:
    assert allows([], Connection(CLIENT, ENGINE, 55555))
    assert allows([ENGINE_IN], Connection(CLIENT, ROUTER, 1234))  # the router is not selected by ENGINE_IN


def test_a_needed_connection_no_policy_allows_is_reported() -> None:
    assert refused([DENY_ALL], [TO_ENGINE]) == ["dropped: vllm/router -> vllm/engine TCP/8000"]
    assert refused([DENY_ALL, ROUTER_OUT, ENGINE_IN], [TO_ENGINE]) == []


def test_both_ends_must_allow() -> None:
    assert not allows([DENY_ALL, ROUTER_OUT], TO_ENGINE)  # the engine's ingress is still closed
    assert not allows([DENY_ALL, ENGINE_IN], TO_ENGINE)  # the router's egress is still closed


def test_an_unneeded_connection_the_policies_allow_is_reported() -> None:
    open_engine = policy("open", {"matchLabels": {"app": "engine"}}, ingress=[{}])  # a rule with no from, no ports
    assert let_through([DENY_ALL, open_engine], [Connection(CLIENT, ENGINE, 8000)]) == [
        "allowed: default/client -> vllm/engine TCP/8000"
    ]
    assert let_through([DENY_ALL, ENGINE_IN], [Connection(CLIENT, ENGINE, 8000)]) == []


def test_a_pod_selector_alone_means_the_policys_namespace() -> None:
    assert not allows([ENGINE_IN], Connection(Pod("router", "default", {"app": "router"}), ENGINE, 8000))


def test_namespace_and_pod_selector_in_one_peer_must_both_hold() -> None:
    scrape = policy(
        "scrape",
        {"matchLabels": {"app": "engine"}},
        ingress=[
            {
                "from": [
                    {
                        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
                    }
                ]
            }
        ],
    )
    assert allows([scrape], Connection(PROMETHEUS, ENGINE, 8000))
    assert not allows([scrape], Connection(GRAFANA, ENGINE, 8000))
    assert not allows([scrape], Connection(Pod("p", "default", PROMETHEUS.labels), ENGINE, 8000))


def test_an_empty_namespace_selector_is_every_namespace() -> None:
    anyone = policy("anyone", {"matchLabels": {"app": "router"}}, ingress=[{"from": [{"namespaceSelector": {}}]}])
    assert allows([anyone], Connection(CLIENT, ROUTER, 8000))
    assert allows([anyone], Connection(PROMETHEUS, ROUTER, 8000))


def test_ports_match_by_protocol_number_and_range() -> None:
    dns = policy(
        "dns",
        {},
        egress=[{"ports": [{"port": 53, "protocol": "UDP"}, {"port": 8000, "endPort": 8010}]}],
        types=["Egress"],
    )
    assert allows([dns], Connection(ROUTER, CLIENT, 53, "UDP"))
    assert not allows([dns], Connection(ROUTER, CLIENT, 53))  # TCP by default
    assert allows([dns], Connection(ROUTER, CLIENT, 8010))
    assert not allows([dns], Connection(ROUTER, CLIENT, 8011))


def test_an_ip_block_matches_addresses_outside_the_pod_network_only() -> None:
    block = {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}
    out = policy("out", {}, egress=[{"to": [block]}], types=["Egress"])
    assert allows([out], Connection(ROUTER, API_SERVER, 443))
    assert not allows([out], Connection(ROUTER, External("excepted", "10.1.2.3"), 443))
    assert not allows([out], Connection(ROUTER, External("outside", "192.0.2.1"), 443))
    assert not allows([out], Connection(ROUTER, ENGINE, 443))


def test_a_rule_without_to_reaches_every_address_and_pod() -> None:
    https = policy("https", {}, egress=[{"ports": [{"port": 443}]}], types=["Egress"])
    assert allows([https], Connection(ROUTER, API_SERVER, 443))
    assert allows([https], Connection(ROUTER, CLIENT, 443))
    assert not allows([https], Connection(ROUTER, API_SERVER, 80))


def test_policy_types_default_from_the_rules() -> None:
    ingress_only = policy("in", {}, ingress=[])
    assert not allows([ingress_only], Connection(CLIENT, ENGINE, 8000))
    assert allows([ingress_only], Connection(ENGINE, CLIENT, 8000))  # egress not isolated
    with_egress = policy("out", {}, egress=[{"ports": [{"port": 443}]}])
    assert not allows([with_egress], Connection(ENGINE, CLIENT, 8000))


def test_a_named_port_is_refused_rather_than_guessed() -> None:
    named = policy("named", {}, ingress=[{"ports": [{"port": "http"}]}])
    with pytest.raises(ValueError, match="named port 'http'"):
        allows([named], TO_ENGINE)


def test_a_synthesised_policy_reads_as_the_api_object() -> None:
    resource = {
        "metadata": {"name": "allow-router", "namespace": "vllm"},
        "spec": {
            "pod_selector": {"match_labels": {"app.kubernetes.io/component": "router"}},
            "policy_types": ["Ingress"],
            "ingress": [{"from": [{"namespace_selector": {}}], "ports": [{"port": "8000", "protocol": "TCP"}]}],
        },
    }
    assert from_terraform(resource) == {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-router", "namespace": "vllm"},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/component": "router"}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"namespaceSelector": {}}], "ports": [{"port": 8000, "protocol": "TCP"}]}],
        },
    }
