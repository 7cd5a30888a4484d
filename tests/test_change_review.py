"""`make review`'s classifier over plan JSON: what each planned change does to running work, the harmful first
(tests/test_e2e_day2.py feeds it real plans from the emulator)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from operations import review
from operations.change_review import Action, Change, Kind, classify, render
from tests.conftest import PROJECT_ROOT


def entry(resource_type: str, actions: list[str], name: str | None = None, address: str = "") -> dict[str, Any]:
    attribute = "node_group_name" if resource_type == "aws_eks_node_group" else "name"
    values = {attribute: name} if name else {}
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
        (entry("aws_eks_node_group", ["create", "delete"], "gpu-1a2b3c"), Kind.GPU_POOL, Action.CREATE_FIRST, True),
        (entry("aws_eks_node_group", ["delete", "create"], "system"), Kind.NODE_POOL, Action.DESTROY_FIRST, True),
        (entry("aws_eks_node_group", ["update"], "gpu-1a2b3c"), Kind.GPU_POOL, Action.IN_PLACE, False),
        (entry("google_container_node_pool", ["delete"], "gpu-1a2b3c"), Kind.GPU_POOL, Action.DELETE, True),
        (entry("azurerm_kubernetes_cluster_node_pool", ["create"], "gpu1a2b3c"), Kind.GPU_POOL, Action.CREATE, False),
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


@pytest.mark.parametrize("actions", [["no-op"], ["read"]])
def test_nothing_to_do_is_left_out(actions: list[str]) -> None:
    assert classify("s", plan(entry("aws_eks_node_group", actions, "gpu"))) == []


def test_gpu_pool_and_cluster_losses_come_first_then_other_pools_then_the_rest() -> None:
    changes = classify(
        "s",
        plan(
            entry("aws_eks_cluster", ["update"], "dev", "aws_eks_cluster.c"),
            entry("aws_eks_node_group", ["delete", "create"], "system-1", "aws_eks_node_group.system"),
            entry("aws_eks_node_group", ["create", "delete"], "gpu-1", "aws_eks_node_group.gpu"),
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
            entry("aws_eks_node_group", ["create", "delete"], "gpu-1"),
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
