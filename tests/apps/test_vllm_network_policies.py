"""The vllm namespace's NetworkPolicies as synthesised (apps/vllm/install/network_policies.py, from the flows of
apps/vllm/flows.py), and what enforces them on each cloud: the EKS vpc-cni add-on with network policy on, GKE
Dataplane V2, AKS Cilium. Whether they let through what the rendered stacks need: tests/rendered/test_vllm_flows.py.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.eks_addon import EksAddon
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata
from cdktf_cdktf_provider_kubernetes.network_policy_v1 import NetworkPolicyV1

from apps.vllm.flows import Pods, flows
from apps.vllm.install.network_policies import install_network_policies
from tests.conftest import environment, resources_of, synth

GKE = {"cloud": "google", "project": "example-project"}
STREAMED = {"name": "small", "model": "Qwen/Qwen2.5-1.5B-Instruct", "weights": "gs://team-models/qwen"}
ENVIRONMENTS: dict[str, dict[str, Any]] = {
    "plain": {"apps": {"vllm": {"enabled": True}}},
    "monitored": {"apps": {"monitoring": {"enabled": True}, "vllm": {"enabled": True}}},
    "gke-streamed": {**GKE, "apps": {"vllm": {"enabled": True, "models": [STREAMED]}}},
    "cached": {"apps": {"vllm": {"enabled": True, "modelCache": {"enabled": True}}}},
    "gke-cached": {**GKE, "apps": {"vllm": {"enabled": True, "modelCache": {"enabled": True}}}},
}
RELEASE = "kubernetes_namespace_v1.release"  # stands in for the vllm-stack release the policies wait for
ROUTER_LABELS = {"app.kubernetes.io/component": "router", "app.kubernetes.io/instance": "vllm-stack"}
ENGINE_LABELS = {"app.kubernetes.io/component": "serving-engine", "app.kubernetes.io/instance": "vllm-stack"}
PROMETHEUS = {
    "namespace_selector": {"match_labels": {"kubernetes.io/metadata.name": "monitoring"}},
    "pod_selector": {"match_labels": {"app.kubernetes.io/name": "prometheus"}},
}
HTTPS_ANYWHERE = {"ports": [{"port": "443", "protocol": "TCP"}]}  # no `to`: any address, the API server's too
GKE_METADATA = {"to": [{"ip_block": {"cidr": "169.254.169.254/32"}}], "ports": [{"port": "80", "protocol": "TCP"}]}


@functools.cache
def synthesised(name: str) -> str:
    """A stack holding only the policies of one environment, after a stand-in for the release."""
    stack = TerraformStack(CdktfTesting.app(), "test")
    release = NamespaceV1(stack, "release", metadata=NamespaceV1Metadata(name="vllm"))
    install_network_policies(stack, environment(**ENVIRONMENTS[name]), after=[release])
    return str(CdktfTesting.synth(stack))


def policies(name: str) -> dict[str, dict[str, Any]]:
    found = resources_of(json.loads(synthesised(name)), NetworkPolicyV1.TF_RESOURCE_TYPE)
    return {policy["metadata"]["name"]: policy for policy in found}


def test_default_deny_closes_both_directions_for_every_pod() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        synthesised("plain"),
        NetworkPolicyV1.TF_RESOURCE_TYPE,
        {
            "metadata": {"name": "default-deny", "namespace": "vllm"},
            "spec": {"pod_selector": {}, "policy_types": ["Ingress", "Egress"]},
        },
    )
    assert policies("plain")["default-deny"]["spec"].keys() == {"pod_selector", "policy_types"}  # no rule at all


def test_one_policy_per_group_of_pods_after_the_deny() -> None:
    assert set(policies("plain")) == {"default-deny", "allow-every-pod", "allow-router", "allow-engines"}
    assert set(policies("cached")) == {*policies("plain"), "allow-cache-downloads"}
    for policy in policies("plain").values():
        assert policy["metadata"]["namespace"] == "vllm"
        assert policy["spec"]["policy_types"] == ["Ingress", "Egress"]


def test_every_pod_may_ask_kube_dns_and_nothing_else() -> None:
    assert policies("plain")["allow-every-pod"]["spec"] == {
        "pod_selector": {},
        "policy_types": ["Ingress", "Egress"],
        "egress": [
            {
                "to": [
                    {
                        "namespace_selector": {"match_labels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "pod_selector": {"match_labels": {"k8s-app": "kube-dns"}},
                    }
                ],
                "ports": [{"port": "53", "protocol": "UDP"}, {"port": "53", "protocol": "TCP"}],
            }
        ],
    }


def test_the_router_takes_clients_of_every_namespace_and_reaches_the_engines_and_the_api() -> None:
    assert CdktfTesting.to_have_resource_with_properties(
        synthesised("plain"),
        NetworkPolicyV1.TF_RESOURCE_TYPE,
        {
            "metadata": {"name": "allow-router"},
            "spec": {
                "pod_selector": {"match_labels": ROUTER_LABELS},
                "ingress": [{"from": [{"namespace_selector": {}}], "ports": [{"port": "8000", "protocol": "TCP"}]}],
                "egress": [
                    {
                        "to": [{"pod_selector": {"match_labels": ENGINE_LABELS}}],
                        "ports": [{"port": "8000", "protocol": "TCP"}],
                    },
                    HTTPS_ANYWHERE,
                ],
            },
        },
    )


def test_the_engines_take_the_router_only_and_reach_https_only() -> None:
    assert policies("plain")["allow-engines"]["spec"] == {
        "pod_selector": {"match_labels": ENGINE_LABELS},
        "policy_types": ["Ingress", "Egress"],
        "ingress": [
            {
                "from": [{"pod_selector": {"match_labels": ROUTER_LABELS}}],
                "ports": [{"port": "8000", "protocol": "TCP"}],
            }
        ],
        "egress": [HTTPS_ANYWHERE],
    }


def test_prometheus_may_scrape_the_engines_and_the_router_only_with_monitoring_on() -> None:
    monitored = policies("monitored")
    for name in ("allow-engines", "allow-router"):
        scrape = {"from": [PROMETHEUS], "ports": [{"port": "8000", "protocol": "TCP"}]}
        assert scrape in monitored[name]["spec"]["ingress"]
    assert "monitoring" not in synthesised("plain")


def test_engines_reach_the_gke_metadata_server_only_where_a_bucket_needs_their_identity() -> None:
    assert GKE_METADATA in policies("gke-streamed")["allow-engines"]["spec"]["egress"]
    assert GKE_METADATA in policies("gke-cached")["allow-engines"]["spec"]["egress"]
    assert GKE_METADATA in policies("gke-cached")["allow-cache-downloads"]["spec"]["egress"]
    assert "169.254.169.254" not in synthesised("plain") + synthesised("cached")  # the node's identity on EKS


def test_the_cache_downloads_reach_hugging_face_and_take_nothing() -> None:
    downloads = policies("cached")["allow-cache-downloads"]["spec"]
    assert downloads["pod_selector"] == {"match_labels": {"app.kubernetes.io/name": "vllm-model-cache"}}
    assert downloads["egress"] == [HTTPS_ANYWHERE]
    assert "ingress" not in downloads


def test_each_policy_says_what_it_lets_through_and_why() -> None:
    described = {
        name: policy["metadata"]["annotations"]["description"] for name, policy in policies("monitored").items()
    }
    for flow in flows(environment(**ENVIRONMENTS["monitored"])):
        for end in (flow.source, flow.destination):
            if isinstance(end, Pods) and end.namespace == "vllm":
                assert f"on {flow.port}: {flow.why}" in described[f"allow-{end.name}"]
    assert described["allow-router"].startswith("in from any-pod on 8000: clients")
    assert "out to any address on 443: the Kubernetes API" in described["allow-router"]


def test_every_policy_waits_for_the_release_that_creates_the_namespace() -> None:
    for policy in policies("monitored").values():
        assert policy["depends_on"] == [RELEASE]


# --- enforcement: what makes the policies do anything, per cloud -------------------------------------------------


def test_eks_turns_network_policy_on_in_a_managed_vpc_cni_add_on() -> None:
    stacks = synth(cloud="aws")
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        EksAddon.TF_RESOURCE_TYPE,
        {
            "addon_name": "vpc-cni",
            "configuration_values": '{"enableNetworkPolicy":"true"}',
            "resolve_conflicts_on_create": "OVERWRITE",  # takes over the self-managed vpc-cni of a running cluster
            "preserve": True,
        },
    )
    assert CdktfTesting.to_have_data_source_with_properties(
        stacks.cluster,
        "aws_eks_addon_version",
        {"addon_name": "vpc-cni", "most_recent": True, "kubernetes_version": environment(cloud="aws").version},
    )
    (addon,) = [a for a in resources_of(stacks.cluster_json, EksAddon.TF_RESOURCE_TYPE) if a["addon_name"] == "vpc-cni"]
    assert addon["addon_version"].startswith("${data.aws_eks_addon_version.vpc-cni_version_")
    # after the control plane and the system nodes, as the EBS CSI add-on
    (group,) = [d for d in addon["depends_on"] if d.startswith("aws_eks_node_group.")]
    assert group.startswith("aws_eks_node_group.system-pool")


@pytest.mark.parametrize(
    ("cloud", "resource_type", "properties"),
    [
        ("google", "google_container_cluster", {"datapath_provider": "ADVANCED_DATAPATH"}),
        ("azure", "azurerm_kubernetes_cluster", {"network_profile": {"network_policy": "cilium"}}),
    ],
)
def test_gke_and_aks_enforce_network_policy_in_their_dataplane(
    cloud: str, resource_type: str, properties: dict[str, Any]
) -> None:
    fields = GKE if cloud == "google" else {"cloud": cloud}
    assert CdktfTesting.to_have_resource_with_properties(synth(**fields).cluster, resource_type, properties)
