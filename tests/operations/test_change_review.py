"""`make review`'s classifier over plan JSON: what each planned change does to running work, the harmful first
(tests/e2e/test_e2e_day2.py feeds it real plans from the emulator)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from constructs.aws.vpc_cni import NETWORK_POLICY_CONFIGURATION
from operations import review
from operations.change_review import Action, Change, Kind, classify, render
from tests.conftest import PROJECT_ROOT, pool_role, synth

# A GPU pool's label and taint as each type's plan JSON holds them: the shapes of the synthesised stacks, except that
# plan JSON writes a block such as GKE's node_config as a list of one object.
GPU_TAINT = {"effect": "NO_SCHEDULE", "key": "nvidia.com/gpu", "value": "true"}
GPU_POOL: dict[str, dict[str, Any]] = {
    "aws_eks_node_group": {"labels": {"gpu": "true"}, "taint": [GPU_TAINT]},
    "google_container_node_pool": {"node_config": [{"labels": {"gpu": "true"}, "taint": [GPU_TAINT]}]},
    "azurerm_kubernetes_cluster_node_pool": {
        "node_labels": {"gpu": "true"},
        "node_taints": ["nvidia.com/gpu=true:NoSchedule"],
    },
}
GPU_LABEL_ONLY: dict[str, dict[str, Any]] = {
    "aws_eks_node_group": {"labels": {"gpu": "true"}, "taint": []},
    "google_container_node_pool": {"node_config": [{"labels": {"gpu": "true"}, "taint": None}]},
    "azurerm_kubernetes_cluster_node_pool": {"node_labels": {"gpu": "true"}, "node_taints": None},
}
GPU_TAINT_ONLY: dict[str, dict[str, Any]] = {
    "aws_eks_node_group": {"labels": {"team": "ml"}, "taint": [GPU_TAINT]},
    "google_container_node_pool": {"node_config": [{"labels": None, "taint": [{**GPU_TAINT, "value": "present"}]}]},
    "azurerm_kubernetes_cluster_node_pool": {"node_labels": {}, "node_taints": ["nvidia.com/gpu=true:NoSchedule"]},
}


def entry(
    resource_type: str,
    actions: list[str],
    name: str | None = None,
    address: str = "",
    *,
    gpu: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One resource change; `gpu` (one of the tables above) gives a node pool its GPU label or taint."""
    attribute = "node_group_name" if resource_type == "aws_eks_node_group" else "name"
    values = {attribute: name} if name else {}
    if gpu:
        values |= gpu[resource_type]
    return {
        "address": address or f"{resource_type}.x",
        "type": resource_type,
        "change": {
            "actions": actions,
            "before": values if "delete" in actions or actions == ["update"] else None,
            "after": values if "create" in actions or actions == ["update"] else None,
        },
    }


def plan(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resource_changes": list(entries)}


@pytest.mark.parametrize(
    ("snippet", "kind", "action", "stops"),
    [
        (
            entry("aws_eks_node_group", ["create", "delete"], "gpu-1a2b3c", gpu=GPU_POOL),
            Kind.GPU_POOL,
            Action.CREATE_FIRST,
            True,
        ),
        (entry("aws_eks_node_group", ["delete", "create"], "system"), Kind.NODE_POOL, Action.DESTROY_FIRST, True),
        (entry("aws_eks_node_group", ["update"], "gpu-1a2b3c", gpu=GPU_POOL), Kind.GPU_POOL, Action.IN_PLACE, False),
        (
            entry("google_container_node_pool", ["delete"], "gpu-1a2b3c", gpu=GPU_POOL),
            Kind.GPU_POOL,
            Action.DELETE,
            True,
        ),
        (
            entry("azurerm_kubernetes_cluster_node_pool", ["create"], "gpu1a2b3c", gpu=GPU_POOL),
            Kind.GPU_POOL,
            Action.CREATE,
            False,
        ),
        (entry("aws_eks_cluster", ["update"], "dev"), Kind.CLUSTER, Action.IN_PLACE, False),
        (entry("google_container_cluster", ["delete", "create"], "dev"), Kind.CLUSTER, Action.DESTROY_FIRST, True),
        (entry("azurerm_kubernetes_cluster", ["delete"], "dev"), Kind.CLUSTER, Action.DELETE, True),
        (entry("helm_release", ["delete"], "gpu-operator"), Kind.RELEASE, Action.DELETE, False),
        (entry("aws_launch_template", ["create", "delete"]), Kind.OTHER, Action.CREATE_FIRST, False),
    ],
    ids=[
        "eks-gpu-create-first",
        "eks-system-destroy-first",
        "eks-gpu-in-place",
        "gke-gpu-deleted",
        "aks-gpu-created",
        "eks-cluster-upgrade",
        "gke-cluster-replaced",
        "aks-cluster-deleted",
        "release-uninstalled",
        "launch-template-replaced",
    ],
)
def test_each_change_is_classified(snippet: dict[str, Any], kind: Kind, action: Action, stops: bool) -> None:
    (change,) = classify("s", plan(snippet))
    assert (change.kind, change.action, change.stops_unattended) == (kind, action, stops)


POOL_TYPES = list(GPU_POOL)


@pytest.mark.parametrize("resource_type", POOL_TYPES)
@pytest.mark.parametrize("marks", [GPU_LABEL_ONLY, GPU_TAINT_ONLY], ids=["label", "taint"])
def test_a_gpu_pool_is_told_by_its_label_or_taint_whatever_its_name(
    resource_type: str, marks: dict[str, dict[str, Any]]
) -> None:
    (change,) = classify("s", plan(entry(resource_type, ["delete"], "inference-a100", gpu=marks)))
    assert change.kind is Kind.GPU_POOL
    assert change.rank == 0  # listed with the clusters, before other pools


@pytest.mark.parametrize("resource_type", POOL_TYPES)
def test_a_pool_named_gpu_without_the_gpu_label_or_taint_is_a_node_pool(resource_type: str) -> None:
    (change,) = classify("s", plan(entry(resource_type, ["delete", "create"], "gpu-system-1a2b3c")))
    assert change.kind is Kind.NODE_POOL


def test_a_pool_that_becomes_a_gpu_pool_is_a_gpu_pool_change() -> None:
    change_entry = entry("aws_eks_node_group", ["update"], "workers")
    change_entry["change"]["after"] |= GPU_POOL["aws_eks_node_group"]
    (change,) = classify("s", plan(change_entry))
    assert change.kind is Kind.GPU_POOL


def _as_planned(resource_type: str, body: dict[str, Any]) -> dict[str, Any]:
    """A node pool block of cdk.tf.json as plan JSON writes its values: GKE's node_config block as a list of one."""
    if resource_type == "google_container_node_pool" and isinstance(body.get("node_config"), dict):
        return {**body, "node_config": [body["node_config"]]}
    return body


@pytest.mark.parametrize(
    ("cloud", "resource_type"),
    [
        ("aws", "aws_eks_node_group"),
        ("google", "google_container_node_pool"),
        ("azure", "azurerm_kubernetes_cluster_node_pool"),
    ],
)
def test_the_synthesised_pools_are_told_apart_by_what_the_stack_gives_them(cloud: str, resource_type: str) -> None:
    # The GPU pool of spec/pools.py is the one named gpu-<hash> (gpu<hash> on AKS); its label and taint mark it.
    stack = synth(cloud=cloud, gpu={"enabled": True}).cluster_json
    pools = stack["resource"][resource_type]
    planned = [
        {
            "address": f"{resource_type}.{key}",
            "type": resource_type,
            "change": {"actions": ["create"], "before": None, "after": _as_planned(resource_type, body)},
        }
        for key, body in pools.items()
    ]
    is_gpu = {str(change.name): change.kind is Kind.GPU_POOL for change in classify("s", plan(*planned))}
    assert is_gpu == {name: pool_role(name) == "gpu" for name in is_gpu}
    assert sorted(is_gpu.values()) == ([True] if cloud == "azure" else [False, True])  # AKS: system pool in the cluster


@pytest.mark.parametrize("actions", [["no-op"], ["read"]])
def test_nothing_to_do_is_left_out(actions: list[str]) -> None:
    assert classify("s", plan(entry("aws_eks_node_group", actions, "gpu"))) == []


def test_gpu_pool_and_cluster_losses_come_first_then_other_pools_then_the_rest() -> None:
    changes = classify(
        "s",
        plan(
            entry("aws_eks_cluster", ["update"], "dev", "aws_eks_cluster.c"),
            entry("aws_eks_node_group", ["delete", "create"], "system-1", "aws_eks_node_group.system"),
            entry("aws_eks_node_group", ["create", "delete"], "gpu-1", "aws_eks_node_group.gpu", gpu=GPU_POOL),
        ),
    )
    assert [change.address for change in changes] == [
        "aws_eks_node_group.gpu",
        "aws_eks_node_group.system",
        "aws_eks_cluster.c",
    ]


def test_harmful_lines_are_bold_on_a_terminal_and_starred_elsewhere() -> None:
    changes = classify(
        "s",
        plan(
            entry("aws_eks_node_group", ["create", "delete"], "gpu-1", gpu=GPU_POOL),
            entry("aws_eks_cluster", ["update"], "dev"),
        ),
    )
    terminal, text = render(changes, bold=True).splitlines(), render(changes, bold=False).splitlines()
    assert terminal[0].startswith("\033[1m")
    assert terminal[0].endswith("\033[0m")
    assert text[0].startswith("**")
    assert text[0].endswith("**")
    assert "pods move" in text[0]
    assert not text[1].startswith("**")


def test_an_empty_plan_says_so() -> None:
    assert render(classify("s", plan()), bold=False) == "no changes"


def test_make_deploy_shows_the_review_before_cdktf_deploy_asks() -> None:
    result = subprocess.run(
        ["make", "-n", "deploy", "ENV=dev"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()
    check = next(i for i, line in enumerate(lines) if "operations.deploy_check 'dev'" in line)
    review = next(i for i, line in enumerate(lines) if "operations.review 'dev'" in line)
    deploy = next(i for i, line in enumerate(lines) if line.startswith("cdktf deploy"))
    assert check < review < deploy
    assert "|| test $? -eq 2" in lines[review]  # a flagged change is shown, then cdktf deploy asks for approval


def _review_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, plans: dict[str, list[Change] | Exception]) -> int:
    path = tmp_path / "env.yaml"
    path.write_text("name: test\ncloud: aws\n")
    monkeypatch.setenv("ENVIRONMENTS", str(path))

    def planned(stack: str) -> list[Change]:
        result = plans[stack]
        if isinstance(result, Exception):
            raise result
        return list(result)

    monkeypatch.setattr(review, "review_stack", planned)
    return review.main(["operations/review.py", "test"])


GPU_REPLACED = Change("test-cluster", "aws_eks_node_group.g", Kind.GPU_POOL, Action.CREATE_FIRST, "gpu-1")
CLUSTER_CREATED = Change("test-cluster", "aws_eks_cluster.c", Kind.CLUSTER, Action.CREATE, "test")


@pytest.mark.parametrize(
    ("plans", "exit_code"),
    [
        ({"test-cluster": [GPU_REPLACED], "test-apps": []}, 2),
        ({"test-cluster": [], "test-apps": []}, 0),
        ({"test-cluster": [CLUSTER_CREATED], "test-apps": review.PlanFailed("no cluster")}, 0),
        ({"test-cluster": [], "test-apps": review.PlanFailed("apps broke")}, 1),
        ({"test-cluster": review.PlanFailed("no credentials"), "test-apps": []}, 1),
    ],
    ids=["pool-replaced", "nothing", "new-environment", "apps-fails", "cluster-fails"],
)
def test_review_exit_codes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, plans: dict[str, Any], exit_code: int
) -> None:
    assert _review_with(monkeypatch, tmp_path, plans) == exit_code


def _download_job(model: str, labels: dict[str, str]) -> dict[str, Any]:
    """A download Job as plan JSON holds it: every block a list of one object."""
    return {
        "metadata": [{"name": "vllm-cache-qwen-1a2b3c4d", "labels": labels}],
        "spec": [{"template": [{"spec": [{"container": [{"args": ["download", model, "--cache-dir", "/c/hub"]}]}]}]}],
    }


def test_a_removed_model_s_download_job_says_what_stays_in_the_cache() -> None:
    removed = entry("kubernetes_job_v1", ["delete"])
    removed["change"]["before"] = _download_job(
        "Qwen/Qwen2.5-1.5B-Instruct", {"app.kubernetes.io/name": "vllm-model-cache"}
    )
    (change,) = classify("dev-apps", plan(removed))
    assert "Qwen/Qwen2.5-1.5B-Instruct stay in the model cache (models--Qwen--Qwen2.5-1.5B-Instruct" in change.effect


def test_another_job_that_goes_is_only_deleted() -> None:
    removed = entry("kubernetes_job_v1", ["delete"])
    removed["change"]["before"] = _download_job("x/y", {"app.kubernetes.io/name": "something-else"})
    (change,) = classify("dev-apps", plan(removed))
    assert change.effect == "deleted"


def _vpc_cni(actions: list[str], before: str | None, after: str | None) -> dict[str, Any]:
    """The vpc-cni add-on's change, each side's configuration_values (None: that side does not exist)."""
    change = entry("aws_eks_addon", actions, address="aws_eks_addon.vpc-cni_addon_1A2B3C4D")
    for side, configuration in (("before", before), ("after", after)):
        values = {"addon_name": "vpc-cni", "configuration_values": configuration}
        change["change"][side] = values if configuration is not None else None
    return change


def test_the_vpc_cni_add_on_says_that_network_policies_start_to_be_enforced() -> None:
    (created,) = classify("dev-cluster", plan(_vpc_cni(["create"], None, NETWORK_POLICY_CONFIGURATION)))
    assert created.line(emphasis=("", "")) == (
        "dev-cluster: resource (aws_eks_addon.vpc-cni_addon_1A2B3C4D): created: vpc-cni becomes an EKS-managed add-on "
        "with network policy enforcement: NetworkPolicies already in the cluster start to be enforced"
    )
    (turned_on,) = classify("dev-cluster", plan(_vpc_cni(["update"], "", NETWORK_POLICY_CONFIGURATION)))
    assert turned_on.effect.startswith("network policy enforcement turns on")


def test_a_vpc_cni_change_that_leaves_network_policy_as_it_was_is_only_changed() -> None:
    (updated,) = classify("s", plan(_vpc_cni(["update"], NETWORK_POLICY_CONFIGURATION, NETWORK_POLICY_CONFIGURATION)))
    assert updated.effect == "changed in place"
    (plain,) = classify("s", plan(_vpc_cni(["create"], None, "")))
    assert plain.effect == "created"
