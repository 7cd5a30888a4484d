"""Each GPU software part has exactly one installer, and it is the one catalogue/gpu_drivers.py names.

The installers are read back from the synthesised JSON, with what each node pool setting is known to
install written down here independently of the code that chose the setting.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from catalogue.gpu_drivers import DRIVER_OWNERSHIP, Owner, gpu_software_owners
from catalogue.node_sizes import Cloud
from tests.conftest import SynthesizedEnvironment, pool_role, resources_of, synth

COMPONENTS = ("driver", "toolkit", "devicePlugin")
ALL = frozenset(COMPONENTS)
DRIVER_AND_TOOLKIT = frozenset({"driver", "toolkit"})
# What the node image brings, per EKS AMI type.
EKS_AMI_INSTALLS = {"AL2023_x86_64_NVIDIA": DRIVER_AND_TOOLKIT, "BOTTLEROCKET_x86_64_NVIDIA": ALL}
# What GKE installs per gpu_driver_version; its device plugin runs unless the node label switches it off.
GKE_DRIVER_INSTALLS = {
    "LATEST": DRIVER_AND_TOOLKIT,
    "DEFAULT": DRIVER_AND_TOOLKIT,
    "INSTALLATION_DISABLED": frozenset(),
}
GKE_NO_DEVICE_PLUGIN_LABEL = "gke-no-default-nvidia-gpu-device-plugin"
# What AKS installs per gpu_driver; AKS never deploys a device plugin itself.
AKS_DRIVER_INSTALLS = {"Install": DRIVER_AND_TOOLKIT, "None": frozenset()}

CASES = sorted(DRIVER_OWNERSHIP, key=lambda case: (case[0].value, case[1]))


def node_pool_installs(cloud: Cloud, stacks: SynthesizedEnvironment) -> tuple[Owner, frozenset[str]]:
    """Who the GPU node pool setting makes an installer, and of what."""
    cluster = stacks.cluster_json
    if cloud is Cloud.AWS:
        (group,) = [g for g in resources_of(cluster, "aws_eks_node_group") if pool_role(g["node_group_name"]) == "gpu"]
        return Owner.NODE_IMAGE, EKS_AMI_INSTALLS[group["ami_type"]]
    if cloud is Cloud.GOOGLE:
        (pool,) = [p for p in resources_of(cluster, "google_container_node_pool") if pool_role(p["name"]) == "gpu"]
        node_config = pool["node_config"]
        (accelerator,) = node_config["guest_accelerator"]
        installs = GKE_DRIVER_INSTALLS[accelerator["gpu_driver_installation_config"]["gpu_driver_version"]]
        if node_config.get("labels", {}).get(GKE_NO_DEVICE_PLUGIN_LABEL) != "true":
            installs |= {"devicePlugin"}
        return Owner.CLOUD, installs
    (pool,) = resources_of(cluster, "azurerm_kubernetes_cluster_node_pool")
    return Owner.CLOUD, AKS_DRIVER_INSTALLS[pool["gpu_driver"]]


def release_values(stacks: SynthesizedEnvironment, name: str) -> dict[str, Any] | None:
    releases = [r for r in resources_of(stacks.apps_json, "helm_release") if r["name"] == name]
    if not releases:
        return None
    values: dict[str, Any] = yaml.safe_load(releases[0]["values"][0])
    return values


def installers(cloud: Cloud, stacks: SynthesizedEnvironment) -> dict[str, list[Owner]]:
    found: dict[str, list[Owner]] = {component: [] for component in COMPONENTS}
    pool_owner, pool_installs = node_pool_installs(cloud, stacks)
    for component in pool_installs:
        found[component].append(pool_owner)
    operator = release_values(stacks, "gpu-operator")
    for component in COMPONENTS:
        if operator is not None and operator[component]["enabled"]:
            found[component].append(Owner.GPU_OPERATOR)
    if release_values(stacks, "nvidia-device-plugin") is not None:
        found["devicePlugin"].append(Owner.DEVICE_PLUGIN_RELEASE)
    return found


@pytest.fixture(scope="module", params=CASES, ids=lambda case: f"{case[0].value}-nvidia-{'on' if case[1] else 'off'}")
def case(request: pytest.FixtureRequest) -> tuple[Cloud, bool, SynthesizedEnvironment]:
    cloud, operator = request.param
    stacks = synth(cloud=cloud.value, gpu={"enabled": True}, apps={"nvidia": {"enabled": operator}})
    return cloud, operator, stacks


def test_every_part_has_exactly_one_installer(case: tuple[Cloud, bool, SynthesizedEnvironment]) -> None:
    cloud, _, stacks = case
    for component, owners in installers(cloud, stacks).items():
        assert len(owners) == 1, f"{cloud} {component}: installed by {owners}"


def test_the_installer_is_the_owner_in_the_table(case: tuple[Cloud, bool, SynthesizedEnvironment]) -> None:
    cloud, operator, stacks = case
    table = gpu_software_owners(cloud, gpu_operator=operator).components()
    found = installers(cloud, stacks)
    assert {component: owners[0] for component, owners in found.items() if owners} == table


def test_operator_values_agree_with_the_table(case: tuple[Cloud, bool, SynthesizedEnvironment]) -> None:
    cloud, operator, stacks = case
    values = release_values(stacks, "gpu-operator")
    if not operator:
        assert values is None
        return
    assert values is not None
    table = gpu_software_owners(cloud, gpu_operator=True).components()
    assert {c: values[c]["enabled"] for c in COMPONENTS} == {c: o is Owner.GPU_OPERATOR for c, o in table.items()}


@pytest.mark.parametrize(
    ("operator", "ami_type"), [(True, "AL2023_x86_64_NVIDIA"), (False, "BOTTLEROCKET_x86_64_NVIDIA")]
)
def test_eks_gpu_node_image_follows_the_operator_choice(operator: bool, ami_type: str) -> None:
    stacks = synth(cloud="aws", gpu={"enabled": True}, apps={"nvidia": {"enabled": operator}})
    (group,) = [
        g for g in resources_of(stacks.cluster_json, "aws_eks_node_group") if pool_role(g["node_group_name"]) == "gpu"
    ]
    assert group["ami_type"] == ami_type


def test_the_table_covers_every_cloud_with_and_without_the_operator() -> None:
    assert set(DRIVER_OWNERSHIP) == {(cloud, operator) for cloud in Cloud for operator in (True, False)}
