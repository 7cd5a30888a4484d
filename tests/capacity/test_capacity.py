"""The capacity plan: what each pool must hold, what one node holds, and how many nodes that takes at rest."""

from __future__ import annotations

import tarfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from apps import APPS, enabled_apps
from apps.cluster_autoscaler import DECLARATION as CLUSTER_AUTOSCALER_APP
from apps.declaration import AppDeclaration
from capacity.plan import capacity_plan, capacity_warnings
from capacity.reservations import Allocatable, allocatable
from catalogue import charts
from catalogue.machines import MACHINES
from catalogue.node_sizes import GPU_TIERS, SYSTEM_MACHINE_TYPES, Cloud
from constructs.azure.node_pools import MAX_PODS as AKS_POOL_MAX_PODS
from spec.environment import Environment
from tests.conftest import EXAMPLES, SHIPPED_ENVIRONMENTS, environment, synth
from validation.loader import ConfigError, load_environment_file

CHART_ARCHIVES = Path("/work/shared/charts")


def plan(**fields: Any) -> dict[str, Any]:
    return {pool.pool: pool for pool in capacity_plan(environment(**fields))}


def load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "env.yaml"
    path.write_text(textwrap.dedent(text))
    load_environment_file(path)


# --- the data


@pytest.mark.parametrize("app", APPS, ids=lambda app: app.construct_id)
def test_every_footprint_was_measured_at_the_pinned_chart_version(app: AppDeclaration) -> None:
    if app.pin is None:  # no chart: nothing runs
        assert (app.footprint.chart_version, app.footprint.workloads) == ("", ())
    else:
        assert app.footprint.chart_version == app.pin.version


def test_every_release_the_apps_stack_can_install_has_a_footprint() -> None:
    pins = {p.release for p in vars(charts).values() if isinstance(p, charts.ChartPin)}
    assert pins == {pin.release for app in APPS for pin in app.pins}


@pytest.mark.parametrize("cloud", list(Cloud))
def test_every_catalogue_machine_type_has_a_node_shape(cloud: Cloud) -> None:
    types = {*SYSTEM_MACHINE_TYPES[cloud].values(), *(tier.machine_type for tier in GPU_TIERS[cloud].values())}
    assert types <= set(MACHINES[cloud])


def test_aks_pods_per_node_is_the_max_pods_our_pools_set() -> None:
    assert {m.max_pods for m in MACHINES[Cloud.AZURE].values()} == {AKS_POOL_MAX_PODS}


@pytest.mark.parametrize(
    ("cloud", "machine_type", "pods"),
    [(Cloud.AWS, "t3.small", 11), (Cloud.AWS, "t3.medium", 17), (Cloud.AWS, "g5.xlarge", 58)],
)
def test_eks_pods_per_node_follow_the_vpc_cni_limit(cloud: Cloud, machine_type: str, pods: int) -> None:
    assert MACHINES[cloud][machine_type].max_pods == pods


def test_a_t3_small_leaves_about_1_4_gib_allocatable_as_measured() -> None:
    node = allocatable(Cloud.AWS, MACHINES[Cloud.AWS]["t3.small"])
    assert node == Allocatable(cpu_m=1930, memory_mi=node.memory_mi, pods=11)
    assert 1400 <= node.memory_mi <= 1536


@pytest.mark.skipif(not CHART_ARCHIVES.is_dir(), reason="the pinned chart archives are not on this machine")
def test_the_autoscaler_footprint_is_the_deployment_the_chart_has() -> None:
    with tarfile.open(CHART_ARCHIVES / f"cluster-autoscaler-{charts.CLUSTER_AUTOSCALER.version}.tgz") as archive:
        names = [member.name for member in archive.getmembers() if member.name.endswith(".yaml")]
    workloads = {name.rsplit("/", 1)[-1] for name in names if "/templates/" in name} & {
        "deployment.yaml",
        "daemonset.yaml",
        "statefulset.yaml",
    }
    assert workloads == {"deployment.yaml"}
    assert [w.kind for w in CLUSTER_AUTOSCALER_APP.footprint.workloads] == ["Deployment"]


# --- the plan, as a table of cases


@dataclass(frozen=True)
class Rest:
    name: str
    fields: dict[str, Any]
    pool: str
    nodes: int


REST_CASES = [
    Rest(
        "default-eks-system-fits-one-node",
        {"gpu": {"enabled": True}, "apps": {"nvidia": {"enabled": True}}},
        "system",
        1,
    ),
    Rest(
        "gpu-operator-daemonsets-alone-need-no-gpu-node",
        {"gpu": {"enabled": True}, "apps": {"nvidia": {"enabled": True}}},
        "gpu",
        0,
    ),
    Rest(
        "five-gpus-of-engines-on-four-gpu-nodes-take-two",
        {
            "gpu": {"enabled": True, "nodeSize": "medium", "maxNodeCount": 4},
            "apps": {
                "vllm": {
                    "enabled": True,
                    "models": [{"name": "a", "model": "m/a", "gpus": 4}, {"name": "b", "model": "m/b", "gpus": 1}],
                }
            },
        },
        "gpu",
        2,
    ),
    Rest("gke-small-system-pool-one-node", {"cloud": "google", "apps": {"vllm": {"enabled": True}}}, "system", 1),
    Rest("aks-small-system-pool-one-node", {"cloud": "azure", "apps": {"vllm": {"enabled": True}}}, "system", 1),
]


@pytest.mark.parametrize("case", REST_CASES, ids=lambda c: c.name)
def test_nodes_at_rest(case: Rest) -> None:
    assert plan(**case.fields)[case.pool].nodes_at_rest == case.nodes


def test_the_plan_counts_daemonset_pods_on_every_node_and_the_clouds_own_pods() -> None:
    system = plan(gpu={"enabled": True}, apps={"nvidia": {"enabled": True}, "vllm": {"enabled": True}})["system"]
    # EKS: aws-node, kube-proxy, ebs-csi-node, NFD worker; coredns x2, ebs-csi-controller x2; operator, NFD
    # master and gc, the router, the autoscaler
    assert system.pods == 4 + 4 + 5


def installed_releases(environment: Environment) -> list[str]:
    return [pin.release for app in enabled_apps(environment) for pin in app.pins]


def test_installed_releases_follow_the_switches() -> None:
    assert installed_releases(environment()) == [charts.CLUSTER_AUTOSCALER.release]
    assert installed_releases(environment(cloud="google")) == []
    assert charts.GPU_OPERATOR.release in installed_releases(environment(apps={"nvidia": {"enabled": True}}))


@dataclass(frozen=True)
class Warned:
    name: str
    fields: dict[str, Any]
    field: str  # what the warning names; "" for no warning


WARN_CASES = [
    Warned("fits-at-min", {"gpu": {"enabled": True}, "apps": {"nvidia": {"enabled": True}}}, ""),
    Warned(
        "gpu-pool-starting-empty-under-an-engine",
        {
            "gpu": {"enabled": True, "minNodeCount": 0},
            "apps": {"vllm": {"enabled": True, "models": [{"name": "a", "model": "m/a"}]}},
        },
        "gpu.minNodeCount",
    ),
    Warned(
        "seed-t3-small-system-pool",
        {
            "nodeSize": "small",
            "apps": {
                "nvidia": {"enabled": True},
                "vllm": {"enabled": True},
                "crossplane": {"enabled": True},
                "argocd": {"enabled": True},
                "dapr": {"enabled": True},
                "externalSecrets": {"enabled": True},
                "traefik": {"enabled": True},
            },
        },
        "minNodeCount",
    ),
    Warned("empty-gpu-pool-without-work-is-fine", {"gpu": {"enabled": True, "minNodeCount": 0}}, ""),
]


@pytest.mark.parametrize("case", WARN_CASES, ids=lambda c: c.name)
def test_a_pool_below_its_need_at_rest_warns_naming_its_min_field(case: Warned) -> None:
    warnings = capacity_warnings(environment(**case.fields))
    if not case.field:
        assert warnings == []
    else:
        (warning,) = warnings
        assert warning.startswith(f"{case.field}: ")
        assert "the autoscaler adds" in warning


REFUSED = [
    (
        "system-pool-max-too-small",
        "name: r\ncloud: aws\nmaxNodeCount: 1\napps: {nvidia: {enabled: true}, vllm: {enabled: true},"
        " crossplane: {enabled: true}, argocd: {enabled: true}, dapr: {enabled: true}, traefik: {enabled: true},"
        " externalSecrets: {enabled: true}}\n",
        r"env\.yaml: maxNodeCount: the system pool needs 3 nodes at rest and may grow to 1",
    ),
    (
        "engine-larger-than-a-gpu-node",
        "name: r\ncloud: aws\ngpu: {enabled: true}\napps: {vllm: {enabled: true, models: [{name: a, model: m/a,"
        " memory: 64Gi}]}}\n",
        r"env\.yaml: gpu\.nodeSize: a-engine does not fit one g5\.xlarge node",
    ),
    (
        "manifest-names-its-own-field",
        "apiVersion: devopstoolkit.ai/v2\nkind: Cluster\nmetadata: {name: r}\nspec:\n  crossplane:\n"
        "    compositionSelector: {matchLabels: {provider: aws, cluster: eks}}\n  parameters:\n    maxNodeCount: 1\n"
        "    apps: {nvidia: {enabled: true}, vllm: {enabled: true}, crossplane: {enabled: true},"
        " argocd: {enabled: true}, dapr: {enabled: true}, traefik: {enabled: true},"
        " externalSecrets: {enabled: true}}\n",
        r"env\.yaml: spec\.parameters\.maxNodeCount: the system pool needs",
    ),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_an_environment_that_cannot_fit_its_max_is_refused_naming_file_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, text)


@pytest.mark.parametrize("path", [*SHIPPED_ENVIRONMENTS, *EXAMPLES], ids=lambda p: p.name)
def test_every_shipped_environment_fits_its_pools_at_min_size(path: Path) -> None:
    environment_file = load_environment_file(path)
    assert capacity_warnings(environment_file.environment) == []
    assert all(p.nodes_at_rest is not None for p in capacity_plan(environment_file.environment)), path


# --- what synth shows


def test_the_cluster_stack_shows_one_info_line_per_pool_and_outputs_the_plan() -> None:
    stacks = synth(gpu={"enabled": True}, apps={"nvidia": {"enabled": True}})
    infos = [str(e.data) for e in stacks.cluster_stack.node.metadata if e.type == "@cdktf/info"]
    assert [line.split(" pool ")[0] for line in infos if line.startswith("capacity: ")] == [
        "capacity: system",
        "capacity: gpu",
    ]
    output = stacks.cluster_json["output"]["capacity_plan"]["value"]
    assert [(pool["pool"], pool["nodes_at_rest"]) for pool in output] == [("system", 1), ("gpu", 0)]
