"""AKS without the GPU Operator: the nvidia-device-plugin DaemonSet must land on exactly the GPU pool.

The chart's defaults are kept below as our own test data; our values are merged over them the way Helm
coalesces values (maps merge key by key, lists and scalars replace, null deletes the key), and the resulting
pod constraints are matched against the labels and taints of AKS's GPU and system nodes.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import SynthesizedEnvironment, resources_of, synth

# nvidia-device-plugin chart 0.18.2, deployments/helm/nvidia-device-plugin/values.yaml (NVIDIA/k8s-device-plugin
# tag v0.18.2): the scheduling keys only. The DaemonSet template renders each with `{{- with .Values.<key> }}`.
CHART_0_18_2_DEFAULTS: dict[str, Any] = {
    "nodeSelector": {},
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": "feature.node.kubernetes.io/pci-10de.present", "operator": "In", "values": ["true"]}
                        ]
                    },
                    {
                        "matchExpressions": [
                            {
                                "key": "feature.node.kubernetes.io/cpu-model.vendor_id",
                                "operator": "In",
                                "values": ["NVIDIA"],
                            }
                        ]
                    },
                    {"matchExpressions": [{"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]}]},
                ]
            }
        }
    },
    "tolerations": [
        {"key": "CriticalAddonsOnly", "operator": "Exists"},
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
    ],
}

# What AKS puts on the nodes of our pools (labels AKS adds itself, e.g. kubernetes.azure.com/agentpool, are
# left out: no NFD label is among them, which is the point), with our pool label and taint.
AKS_GPU_NODE = {
    "labels": {"gpu": "true", "kubernetes.io/os": "linux"},
    "taints": [("nvidia.com/gpu", "true", "NoSchedule")],
}
AKS_SYSTEM_NODE: dict[str, Any] = {"labels": {"kubernetes.io/os": "linux"}, "taints": []}


def coalesce(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of user values over chart values."""
    merged = dict(defaults)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = coalesce(merged[key], value)
        else:
            merged[key] = value
    return merged


def _term_matches(term: dict[str, Any], labels: dict[str, str]) -> bool:
    for expression in term["matchExpressions"]:
        if expression["operator"] != "In" or labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def schedules_on(values: dict[str, Any], node: dict[str, Any]) -> bool:
    """Whether a DaemonSet pod rendered from `values` may run on `node` (nodeSelector, required affinity, taints)."""
    labels: dict[str, str] = node["labels"]
    if any(labels.get(key) != value for key, value in (values.get("nodeSelector") or {}).items()):
        return False
    required = (
        (values.get("affinity") or {}).get("nodeAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution")
    )
    if required and not any(_term_matches(term, labels) for term in required["nodeSelectorTerms"]):
        return False
    tolerations = values.get("tolerations") or []
    return all(
        any(
            t.get("key") == key
            and t.get("effect", effect) == effect
            and (t.get("operator") == "Exists" or t.get("value") == value)
            for t in tolerations
        )
        for key, value, effect in node["taints"]
    )


@pytest.fixture(scope="module")
def aks_without_operator() -> SynthesizedEnvironment:
    return synth(cloud="azure", gpu={"enabled": True}, apps={"nvidia": {"enabled": False}})


@pytest.fixture(scope="module")
def our_values(aks_without_operator: SynthesizedEnvironment) -> dict[str, Any]:
    (release,) = [
        r for r in resources_of(aks_without_operator.apps_json, "helm_release") if r["name"] == "nvidia-device-plugin"
    ]
    assert release["version"] == "0.18.2"  # the defaults above belong to this chart version
    values: dict[str, Any] = yaml.safe_load(release["values"][0])
    return values


def test_our_values_delete_the_charts_default_affinity_with_null(our_values: dict[str, Any]) -> None:
    assert "affinity" in our_values
    assert our_values["affinity"] is None  # {} would be merged into the default and keep it


def test_rendered_plugin_schedules_on_the_gpu_nodes(our_values: dict[str, Any]) -> None:
    assert schedules_on(coalesce(CHART_0_18_2_DEFAULTS, our_values), AKS_GPU_NODE)


def test_rendered_plugin_does_not_schedule_on_the_system_nodes(our_values: dict[str, Any]) -> None:
    assert not schedules_on(coalesce(CHART_0_18_2_DEFAULTS, our_values), AKS_SYSTEM_NODE)


def test_chart_defaults_alone_schedule_on_no_aks_node() -> None:
    # The defect this guards against: without NFD labels the default affinity matches nothing.
    assert not schedules_on(CHART_0_18_2_DEFAULTS, AKS_GPU_NODE)
    assert not schedules_on(CHART_0_18_2_DEFAULTS, AKS_SYSTEM_NODE)


def test_an_empty_affinity_map_would_keep_the_default_and_schedule_nowhere(our_values: dict[str, Any]) -> None:
    with_empty_map = {**our_values, "affinity": {}}
    assert not schedules_on(coalesce(CHART_0_18_2_DEFAULTS, with_empty_map), AKS_GPU_NODE)
