"""Day 2 of issue 33: a namespace Helm created before the apps stack created its own is imported, not created twice.

The plans are plan JSON as `terraform show -json` writes it: a namespace's `metadata` block is a list of one object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from operations import review
from operations.adopt import RECOVERY_IMPORTS
from operations.change_review import Action, Change
from operations.helm_namespaces import namespaces_helm_created

NAMESPACE_ADDRESS = "kubernetes_namespace_v1.app-namespaces_vllm_0F1E2D3C"


def namespace(actions: list[str], name: str = "vllm", address: str = NAMESPACE_ADDRESS) -> dict[str, Any]:
    body = {"metadata": [{"name": name, "labels": {"pod-security.kubernetes.io/enforce": "baseline"}}]}
    return {
        "address": address,
        "type": "kubernetes_namespace_v1",
        "change": {
            "actions": actions,
            "before": None if actions == ["create"] else body,
            "after": body,
        },
    }


def release(actions: list[str], namespace_name: str = "vllm") -> dict[str, Any]:
    body = {"name": "vllm-stack", "namespace": namespace_name}
    return {
        "address": "helm_release.vllm-stack_release_0A1B2C3D",
        "type": "helm_release",
        "change": {"actions": actions, "before": None if actions == ["create"] else body, "after": body},
    }


def plan(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"resource_changes": list(changes)}


def test_a_namespace_created_where_a_deployed_release_installs_is_imported() -> None:
    assert namespaces_helm_created(plan(namespace(["create"]), release(["no-op"]))) == {NAMESPACE_ADDRESS: "vllm"}


def test_a_namespace_created_where_an_upgraded_release_installs_is_imported() -> None:
    assert namespaces_helm_created(plan(namespace(["create"]), release(["update"]))) == {NAMESPACE_ADDRESS: "vllm"}


def test_a_new_environment_creates_its_namespaces() -> None:
    assert namespaces_helm_created(plan(namespace(["create"]), release(["create"]))) == {}


def test_a_namespace_the_state_holds_already_is_left_alone() -> None:
    assert namespaces_helm_created(plan(namespace(["update"]), release(["no-op"]))) == {}


def test_a_namespace_no_deployed_release_installs_into_is_created() -> None:
    # the node exporter's, new with the change: nothing of the release was there before
    new = namespace(["create"], name="monitoring-node", address="kubernetes_namespace_v1.app-namespaces_node")
    assert namespaces_helm_created(plan(new, release(["no-op"], namespace_name="vllm"))) == {}


def reviewed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, plans: list[dict[str, Any]]
) -> tuple[list[Change], list[Path]]:
    """review_stack over these plans in turn, in a stack folder under tmp_path; the plans it asked for."""
    (tmp_path / "test-apps").mkdir()
    asked: list[Path] = []

    def planned(stack_dir: Path) -> dict[str, Any]:
        asked.append(stack_dir)
        return plans[len(asked) - 1]

    monkeypatch.setattr(review, "STACKS_DIR", tmp_path)
    monkeypatch.setattr(review, "plan_json", planned)
    return review.review_stack("test-apps"), asked


def imported(plan_change: dict[str, Any]) -> dict[str, Any]:
    return {**plan_change, "change": {**plan_change["change"], "actions": ["update"], "importing": {"id": "vllm"}}}


def test_review_writes_the_import_and_shows_the_plan_with_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = plan(namespace(["create"]), release(["no-op"]))
    second = plan(imported(namespace(["create"])), release(["no-op"]))
    changes, asked = reviewed(monkeypatch, tmp_path, [first, second])
    assert len(asked) == 2
    written = json.loads((tmp_path / "test-apps" / RECOVERY_IMPORTS).read_text())
    assert written == {"import": [{"to": NAMESPACE_ADDRESS, "id": "vllm"}]}
    assert [(change.address, change.action) for change in changes] == [(NAMESPACE_ADDRESS, Action.IN_PLACE)]
    assert "namespace vllm" in capsys.readouterr().out


def test_review_keeps_the_imports_an_earlier_review_wrote(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "test-apps").mkdir()
    earlier = {"import": [{"to": "kubernetes_namespace_v1.keda", "id": "keda"}]}
    (tmp_path / "test-apps" / RECOVERY_IMPORTS).write_text(json.dumps(earlier))
    first = plan(namespace(["create"]), release(["no-op"]))
    monkeypatch.setattr(review, "STACKS_DIR", tmp_path)
    monkeypatch.setattr(review, "plan_json", lambda stack_dir: first)
    review.review_stack("test-apps")
    written = json.loads((tmp_path / "test-apps" / RECOVERY_IMPORTS).read_text())
    assert {block["id"] for block in written["import"]} == {"keda", "vllm"}


def test_review_of_a_stack_with_nothing_to_import_plans_once_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _, asked = reviewed(monkeypatch, tmp_path, [plan(namespace(["create"]), release(["create"]))])
    assert len(asked) == 1
    assert not (tmp_path / "test-apps" / RECOVERY_IMPORTS).exists()
