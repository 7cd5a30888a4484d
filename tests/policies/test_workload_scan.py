"""checkov's kubernetes checks on the rendered manifests of every shipped stack: no finding beyond the baseline.

Every release of every shipped apps stack, rendered as the Helm provider installs it (tests/support/rendering.py), is
scanned by checkov's kubernetes framework, one stack at a time, in one checkov process (tests/support/workload_scan.py
says how and why). What is accepted is tests/data/workload_scan_baseline.yaml, each finding with its reason: a finding
missing from it fails, and so does an entry checkov no longer reports, so that every fix shows as a shorter baseline.
The same run scans two made-up Pods, one privileged and root, one restricted, to show that the scan can fail.

Needs `make install-dev` (helm) and `make charts` (the archives), like the render tests; without them it fails.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_ROOT
from tests.support.rendering import RenderedStack
from tests.support.workload_scan import (
    WORKLOAD_KINDS,
    Finding,
    ScanResult,
    checkov_cli_failures,
    scan,
    stack_manifests,
)

pytestmark = pytest.mark.slow(seconds=45)  # the start order: tests/conftest.py (render ~30 s unless shared, scan ~20 s)

BASELINE = PROJECT_ROOT / "tests" / "data" / "workload_scan_baseline.yaml"
CLASSES = ("inherent", "no-chart-setting", "fixed-later", "declined", "open")
CHECK_ID = re.compile(r"^CKV2?_K8S_\d+$")
OBJECT = re.compile(r"^[A-Za-z]+/(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[^/\s]+$")  # Kind/namespace/name or Kind/name
RBAC_KINDS = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ServiceAccount"})

Key = tuple[str, str, str]  # (check id, release, object), as the baseline lists it

# --- the self-test: two Pods in a stack of their own, scanned in the same checkov run -----------------------------

SELF_TEST_STACK = "workload-scan-self-test"  # no shipped stack is named so (they end in -apps)
SELF_TEST_RELEASE = "pods"
ROOT_PRIVILEGED_POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "root-privileged", "namespace": "self-test"},
    "spec": {
        "hostNetwork": True,
        "hostPID": True,
        "containers": [
            {
                "name": "shell",
                "image": "busybox:1.37",
                "securityContext": {"privileged": True, "allowPrivilegeEscalation": True, "runAsUser": 0},
            }
        ],
    },
}
RESTRICTED_POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "restricted", "namespace": "self-test"},
    "spec": {
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [
            {
                "name": "shell",
                "image": "busybox:1.37@sha256:" + "0" * 64,
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
            }
        ],
    },
}
# What checkov must say of the first Pod, and must not say of the second.
EXPECTED_ON_ROOT_PRIVILEGED = {
    "CKV_K8S_16": "privileged container",
    "CKV_K8S_17": "host PID namespace",
    "CKV_K8S_19": "host network namespace",
    "CKV_K8S_20": "allowPrivilegeEscalation",
    "CKV_K8S_23": "runs as root",
}


@pytest.fixture(scope="module")
def workload_scan(rendered: list[RenderedStack], tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    """One checkov run over every shipped stack and the self-test stack (a module stays on one xdist worker)."""
    manifests = stack_manifests(rendered)
    assert SELF_TEST_STACK not in manifests
    manifests[SELF_TEST_STACK] = {SELF_TEST_RELEASE: [ROOT_PRIVILEGED_POD, RESTRICTED_POD]}
    return scan(tmp_path_factory.mktemp("workload-scan"), manifests)


def shipped(result: ScanResult) -> list[Finding]:
    return [finding for finding in result.findings if finding.stack != SELF_TEST_STACK]


def self_test(result: ScanResult) -> list[Finding]:
    return [finding for finding in result.findings if finding.stack == SELF_TEST_STACK]


# --- the baseline ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Acceptance:
    kind: str  # the block's class, one of CLASSES
    reason: str


def read_baseline(path: Path = BASELINE) -> Any:
    return yaml.safe_load(path.read_text())


def accepted_findings(document: Any) -> dict[Key, Acceptance]:
    """Every (check id, release, object) the baseline accepts, with its block's class and reason."""
    accepted: dict[Key, Acceptance] = {}
    for block in (document or {}).get("accepted") or []:
        acceptance = Acceptance(str(block.get("class")), str(block.get("reason") or ""))
        for group in block.get("findings") or []:
            for check in group.get("checks") or []:
                for release, objects in (group.get("objects") or {}).items():
                    for item in objects or []:
                        accepted[(str(check), str(release), str(item))] = acceptance
    return accepted


def baseline_problems(document: Any) -> list[str]:
    """What makes the baseline unreadable or an entry unreasoned; also a finding listed twice."""
    if not isinstance(document, dict) or set(document) != {"accepted"} or not isinstance(document["accepted"], list):
        return ["the baseline is a mapping with one key, `accepted`, holding a list of blocks"]
    problems, seen = [], Counter[Key]()
    for number, block in enumerate(document["accepted"], start=1):
        where = f"block {number}"
        if not isinstance(block, dict) or set(block) != {"class", "reason", "findings"}:
            problems.append(f"{where}: needs exactly `class`, `reason` and `findings`")
            continue
        reason = block["reason"]
        if not isinstance(reason, str) or not reason.strip() or "\n" in reason.strip():
            problems.append(f"{where}: the reason must be one non-empty line, not {reason!r}")
        if block["class"] not in CLASSES:
            problems.append(f"{where}: class {block['class']!r} is none of {', '.join(CLASSES)}")
        groups = block["findings"]
        if not isinstance(groups, list) or not groups:
            problems.append(f"{where}: `findings` must list at least one group")
            continue
        for group in groups:
            if not isinstance(group, dict) or set(group) != {"checks", "objects"}:
                problems.append(f"{where}: each group needs exactly `checks` and `objects`")
                continue
            checks, objects = group["checks"], group["objects"]
            if not isinstance(checks, list) or not checks or not all(CHECK_ID.match(str(c)) for c in checks):
                problems.append(f"{where}: `checks` must list checkov kubernetes check ids, not {checks!r}")
                continue
            if not isinstance(objects, dict) or not objects:
                problems.append(f"{where}: `objects` must map releases to their objects")
                continue
            for release, items in objects.items():
                if not isinstance(items, list) or not items or not all(OBJECT.match(str(i)) for i in items):
                    problems.append(f"{where}: {release} must list objects as Kind/namespace/name or Kind/name")
                    continue
                seen.update((str(check), str(release), str(item)) for check in checks for item in items)
    problems += [f"{' '.join(key)} is listed {count} times" for key, count in seen.items() if count > 1]
    return problems


def unaccepted(findings: Iterable[Finding], accepted: Mapping[Key, Acceptance]) -> list[Finding]:
    return [finding for finding in findings if (finding.check_id, finding.release, finding.object) not in accepted]


def stale(findings: Iterable[Finding], accepted: Mapping[Key, Acceptance]) -> list[Key]:
    found = {(finding.check_id, finding.release, finding.object) for finding in findings}
    return sorted(key for key in accepted if key not in found)


def listed(findings: Sequence[Finding], check_names: Mapping[str, str]) -> str:
    """One line per (check, release, object), with the stacks it is found in."""
    stacks: dict[Key, list[str]] = defaultdict(list)
    for finding in findings:
        stacks[(finding.check_id, finding.release, finding.object)].append(finding.stack)
    return "\n".join(
        f"  {check} {release} {item} ({check_names.get(check, '?')}) in {', '.join(sorted(found))}"
        for (check, release, item), found in sorted(stacks.items())
    )


def check_order(check: str) -> tuple[bool, int]:
    return check.startswith("CKV2"), int(check.rsplit("_", 1)[1])


def _key(finding: Finding) -> Key:
    return finding.check_id, finding.release, finding.object


def summary(result: ScanResult, accepted: Mapping[Key, Acceptance]) -> str:
    """The counts for the issue's note: findings (one per stack that has it) and distinct (check, release, object)."""
    findings = shipped(result)
    distinct = {_key(f) for f in findings}
    stacks = [stack for stack in result.per_stack if stack != SELF_TEST_STACK]
    passed = sum(result.per_stack[stack]["passed"] for stack in stacks)
    objects = sum(1 for stack, _ in result.written if stack != SELF_TEST_STACK)
    lines = [
        f"checkov kubernetes on {len(stacks)} stacks, {objects} objects (CRDs left out), in {result.seconds:.1f} s: "
        f"{passed} checks passed, {len(findings)} failed = {len(distinct)} distinct (check, release, object)",
        "by check (distinct, findings):",
    ]
    by_check, distinct_by_check = Counter(f.check_id for f in findings), Counter(key[0] for key in distinct)
    for check in sorted(by_check, key=check_order):
        name = result.check_names.get(check, "?")
        lines.append(f"  {check:12} {distinct_by_check[check]:4} {by_check[check]:5}  {name}")
    lines.append("by release (distinct, findings):")
    by_release, distinct_by_release = Counter(f.release for f in findings), Counter(key[1] for key in distinct)
    for release in sorted(by_release):
        lines.append(f"  {release:24} {distinct_by_release[release]:4} {by_release[release]:5}")
    lines.append("by class (distinct, findings):")
    by_class = Counter(accepted[_key(f)].kind if _key(f) in accepted else "not in the baseline" for f in findings)
    distinct_by_class = Counter(accepted[key].kind if key in accepted else "not in the baseline" for key in distinct)
    for kind in (*CLASSES, "not in the baseline"):
        lines.append(f"  {kind:24} {distinct_by_class[kind]:4} {by_class[kind]:5}")
    return "\n".join(lines)


# --- the tests ---------------------------------------------------------------------------------------------------


def test_every_baseline_entry_has_a_reason() -> None:
    problems = baseline_problems(read_baseline())
    assert problems == [], f"{BASELINE.relative_to(PROJECT_ROOT)}:\n" + "\n".join(problems)


def test_checkov_checked_every_workload_and_role(workload_scan: ScanResult) -> None:
    """A manifest checkov could not parse, or a workload it skipped, would pass every check unseen."""
    assert workload_scan.parsing_errors == [], "checkov could not parse these, so it checked nothing in them"
    assert workload_scan.unmapped == [], "checkov results on lines that hold no written object"
    kinds = WORKLOAD_KINDS | RBAC_KINDS
    written = {(stack, item.release, item.label) for stack, item in workload_scan.written if item.kind in kinds}
    assert written, "no workload was rendered"
    unchecked = sorted(written - workload_scan.checked)
    assert unchecked == [], "checkov ran no check on these objects"


def test_no_finding_outside_the_baseline(workload_scan: ScanResult) -> None:
    accepted = accepted_findings(read_baseline())
    print(summary(workload_scan, accepted))
    new = unaccepted(shipped(workload_scan), accepted)
    assert not new, (
        f"checkov findings that {BASELINE.relative_to(PROJECT_ROOT)} does not accept: fix them, or add them there "
        f"with their reason\n{listed(new, workload_scan.check_names)}"
    )


def test_no_stale_baseline_entry(workload_scan: ScanResult) -> None:
    gone = stale(shipped(workload_scan), accepted_findings(read_baseline()))
    assert not gone, (
        f"accepted in {BASELINE.relative_to(PROJECT_ROOT)} but no longer reported by checkov in any stack: remove "
        "them\n" + "\n".join(f"  {check} {release} {item}" for check, release, item in gone)
    )


def test_the_scan_fails_a_privileged_root_pod(workload_scan: ScanResult) -> None:
    """The scan that passes the shipped stacks reports what it should on a Pod made to fail, and not on its
    restricted twin, and the baseline comparison calls those findings new."""
    found: dict[str, set[str]] = defaultdict(set)
    for finding in self_test(workload_scan):
        found[finding.object].add(finding.check_id)
    privileged = found["Pod/self-test/root-privileged"]
    missing = {check: what for check, what in EXPECTED_ON_ROOT_PRIVILEGED.items() if check not in privileged}
    assert not missing, f"checkov did not report these on the privileged root Pod: {missing}"
    assert not set(EXPECTED_ON_ROOT_PRIVILEGED) & found["Pod/self-test/restricted"]
    new = {finding.check_id for finding in unaccepted(self_test(workload_scan), accepted_findings(read_baseline()))}
    assert set(EXPECTED_ON_ROOT_PRIVILEGED) <= new


def test_the_scan_reports_what_the_checkov_cli_reports(workload_scan: ScanResult) -> None:
    """The scan calls checkov's kubernetes runner itself, once per stack: on the smallest stack with a graph check
    (CKV2_K8S_*) among its findings, `checkov -d` must report the same failed checks on the same lines."""
    candidates = [
        stack
        for stack, raw in workload_scan.raw.items()
        if stack != SELF_TEST_STACK and any(check.startswith("CKV2_") for check, *_ in raw)
    ]
    assert candidates, "no stack with a graph check among its findings"
    sizes = Counter(stack for stack, _ in workload_scan.written)
    stack = min(candidates, key=lambda name: (sizes[name], name))
    cli = Counter(checkov_cli_failures(workload_scan.root / stack))
    ours = Counter(workload_scan.raw[stack])
    assert ours, f"no finding in {stack}"
    assert cli == ours, f"{stack}: only the CLI: {sorted(cli - ours)[:20]}; only the scan: {sorted(ours - cli)[:20]}"
