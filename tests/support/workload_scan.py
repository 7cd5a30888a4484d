"""checkov's kubernetes framework on the rendered releases of every shipped stack (for test_workload_scan.py).

Each stack's releases are written as one YAML file per release, `<root>/<stack>/<release>.yaml`, the objects as the
API server would store them: a namespaced object the chart leaves without `metadata.namespace` gets the release's
namespace (Helm installs it there; checkov would take it for `default`, which CKV_K8S_21 fails).
CustomResourceDefinitions are left out: no checkov kubernetes check reads them (the findings were the same with
them), and their schemas are most of the bytes checkov would parse (a 4x longer scan).

One process scans every stack with checkov's own kubernetes runner (`checkov.kubernetes.runner.Runner`, what
`checkov --framework kubernetes` runs), one run per stack folder, so that each stack is one graph. Not
`checkov -d <root>`: the graph checks (CKV2_K8S_*) join objects by names and labels (a NetworkPolicy's podSelector
ignores the namespace), so one graph over all stacks would let one stack's policy or binding answer for another's pods.
Not several `-d` in one command: checkov 3.3.30 keeps the first folder's objects for every later one (each report
repeats the first). One CLI process per stack gives the same findings (tests/policies/test_workload_scan.py compares
one stack with the CLI) at about nine times the CPU, most of it twenty start-ups: measured 110 s against 12 s.

Annotations in the manifests (`checkov.io/skip*`) are not honoured: a chart cannot skip a check for us; what we accept
is in tests/data/workload_scan_baseline.yaml, with its reason.
"""

from __future__ import annotations

import bisect
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from tests.support.rendering import RenderedStack

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCAN_TIMEOUT_SECONDS = 600

# Built-in kinds that are not namespaced (`kubectl api-resources --namespaced=false`); a custom kind's scope comes
# from its CRD in the same stack.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterRole",
        "ClusterRoleBinding",
        "ComponentStatus",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "DeviceClass",
        "FlowSchema",
        "IngressClass",
        "IPAddress",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "ServiceCIDR",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)
NOT_SCANNED_KINDS = frozenset({"CustomResourceDefinition"})
WORKLOAD_KINDS = frozenset({"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"})


@dataclass(frozen=True, order=True)
class Finding:
    """One failed check on one object of one release of one stack."""

    check_id: str
    stack: str
    release: str
    object: str  # Kind/namespace/name, or Kind/name for a cluster-scoped object


@dataclass(frozen=True)
class ScannedObject:
    release: str
    label: str  # as Finding.object
    kind: str
    start_line: int  # first line of its document in the release's file


@dataclass
class ScanResult:
    root: Path  # <root>/<stack>/<release>.yaml, as scanned
    findings: list[Finding]
    check_names: dict[str, str]
    checked: set[tuple[str, str, str]]  # (stack, release, object) that checkov ran at least one check on
    written: list[tuple[str, ScannedObject]]  # (stack, object) for every object written
    parsing_errors: list[str]
    unmapped: list[str]  # checkov results on lines of no written object (should never happen)
    seconds: float = 0.0
    per_stack: dict[str, dict[str, int]] = field(default_factory=dict)  # checkov's passed/failed/skipped counts
    # per stack, checkov's own failed results: (check id, file name, resource id, first line)
    raw: dict[str, list[tuple[str, str, str, int]]] = field(default_factory=dict)


def object_label(item: Mapping[str, Any]) -> str:
    metadata = item.get("metadata") or {}
    name = metadata.get("name") or metadata.get("generateName") or "?"
    namespace = metadata.get("namespace")
    return f"{item.get('kind')}/{namespace}/{name}" if namespace else f"{item.get('kind')}/{name}"


def cluster_scoped_kinds(crds: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """(group, kind) of each cluster-scoped custom kind these CRDs define (built-in ones: CLUSTER_SCOPED_KINDS)."""
    return {
        (str(crd["spec"]["group"]), str(crd["spec"]["names"]["kind"]))
        for crd in crds
        if crd.get("spec", {}).get("scope") == "Cluster"
    }


def as_installed(item: Mapping[str, Any], namespace: str, custom_cluster_kinds: set[tuple[str, str]]) -> dict[str, Any]:
    """The object with the namespace Helm installs it in: the release's, unless it names one or is cluster-scoped."""
    kind = str(item.get("kind"))
    group = str(item.get("apiVersion", "")).rpartition("/")[0]
    metadata = dict(item.get("metadata") or {})
    if kind in CLUSTER_SCOPED_KINDS or (group, kind) in custom_cluster_kinds or metadata.get("namespace"):
        return dict(item)
    return {**item, "metadata": {**metadata, "namespace": namespace}}


def stack_manifests(rendered: Sequence[RenderedStack]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per stack, per release: the objects checkov is given. A release that did not render fails here (the render
    tests say why); a scan without it would pass for the wrong reason."""
    manifests: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for stack in rendered:
        custom_cluster_kinds = cluster_scoped_kinds(stack.crds)
        releases = manifests.setdefault(stack.name, {})
        for release in stack.releases:
            if release.error is not None:
                raise AssertionError(f"{release.input.label} did not render: {release.error[:500]}")
            assert release.input.name not in releases, f"{stack.name} installs two releases named {release.input.name}"
            releases[release.input.name] = [
                as_installed(item, release.input.namespace, custom_cluster_kinds)
                for item in release.objects
                if item.get("kind") not in NOT_SCANNED_KINDS
            ]
    return manifests


def write_manifests(
    root: Path, manifests: Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]]
) -> dict[Path, list[ScannedObject]]:
    """`<root>/<stack>/<release>.yaml`; per file, its objects with the line each starts on."""
    index: dict[Path, list[ScannedObject]] = {}
    for stack, releases in manifests.items():
        (root / stack).mkdir(parents=True, exist_ok=True)
        for release, objects in releases.items():
            lines: list[str] = []
            scanned = []
            for item in objects:
                lines.append("---")
                scanned.append(ScannedObject(release, object_label(item), str(item.get("kind")), len(lines) + 1))
                lines += yaml.dump(dict(item), Dumper=yaml.CSafeDumper, sort_keys=False).splitlines()
            path = (root / stack / f"{release}.yaml").resolve()
            path.write_text("\n".join(lines) + "\n")
            index[path] = scanned
    return index


def run_checkov(root: Path) -> dict[str, Any]:
    """This module's `main` in its own process (checkov imports take seconds and configure logging globally)."""
    environment = {key: value for key, value in os.environ.items() if key != "HELM_NAMESPACE"}  # CKV_K8S_21 reads it
    output = root / "checkov-report.json"
    completed = subprocess.run(
        [sys.executable, "-m", "tests.support.workload_scan", str(root), str(output)],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=SCAN_TIMEOUT_SECONDS,
    )
    if completed.returncode != 0 or not output.is_file():
        raise AssertionError(f"checkov did not report (exit {completed.returncode}): {completed.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(output.read_text())
    return report


def checkov_cli_failures(folder: Path) -> list[tuple[str, str, str, int]]:
    """`checkov -d <folder> --framework kubernetes` itself, as the CLI reports it: (check id, file name, resource id,
    first line) per failed check. Run with the folder as working and home directory, so that no `.checkov.yaml` of the
    project or the user applies."""
    checkov = Path(sys.executable).with_name("checkov")
    environment = {key: value for key, value in os.environ.items() if key != "HELM_NAMESPACE"}
    completed = subprocess.run(
        [str(checkov), "-d", str(folder), "--framework", "kubernetes", "-o", "json", "--skip-download", "--quiet"],
        cwd=folder,
        env={**environment, "HOME": str(folder)},
        capture_output=True,
        text=True,
        check=False,
        timeout=SCAN_TIMEOUT_SECONDS,
    )
    if not completed.stdout.strip().startswith(("{", "[")):
        raise AssertionError(f"checkov did not report (exit {completed.returncode}): {completed.stderr[-3000:]}")
    parsed = json.loads(completed.stdout)
    reports = parsed if isinstance(parsed, list) else [parsed]
    return [
        (check["check_id"], Path(check["file_path"]).name, check["resource"], int(check["file_line_range"][0]))
        for report in reports
        if report.get("check_type") == "kubernetes"
        for check in report.get("results", {}).get("failed_checks", [])
    ]


def scan(root: Path, manifests: Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]]) -> ScanResult:
    """Write the manifests under `root` (a fresh folder), scan every stack folder, map results to objects."""
    started = time.monotonic()
    index = write_manifests(root, manifests)
    report = run_checkov(root)
    starts = {path: [item.start_line for item in objects] for path, objects in index.items()}

    def located(file_path: str, line: int) -> ScannedObject | None:
        path = Path(file_path).resolve()
        if path not in index:
            return None
        position = bisect.bisect_right(starts[path], line) - 1
        return index[path][position] if position >= 0 else None

    findings, unmapped, checked = set(), [], set()
    check_names: dict[str, str] = {}
    per_stack: dict[str, dict[str, int]] = {}
    raw: dict[str, list[tuple[str, str, str, int]]] = {}
    parsing_errors: list[str] = []
    for stack, result in report.items():
        per_stack[stack] = result["summary"]
        parsing_errors += result["parsing_errors"]
        for file_path, line in result["checked"]:
            found = located(file_path, line)
            if found is not None:
                checked.add((stack, found.release, found.label))
        raw[stack] = [
            (check["check_id"], Path(check["file_path"]).name, check["resource"], check["line"])
            for check in result["failed"]
        ]
        for check in result["failed"]:
            check_names[check["check_id"]] = check["check_name"]
            found = located(check["file_path"], check["line"])
            if found is None:
                unmapped.append(f"{check['check_id']} {check['file_path']}:{check['line']} {check['resource']}")
            else:
                findings.add(Finding(check["check_id"], stack, found.release, found.label))
    return ScanResult(
        root=root,
        findings=sorted(findings),
        check_names=check_names,
        checked=checked,
        written=[(path.parent.name, item) for path, objects in index.items() for item in objects],
        parsing_errors=parsing_errors,
        unmapped=unmapped,
        seconds=time.monotonic() - started,
        per_stack=per_stack,
        raw=raw,
    )


# --- the checkov process ---------------------------------------------------------------------------------------


def _checkov_report(root: Path) -> dict[str, Any]:
    """checkov's kubernetes runner once per stack folder under `root`, in this process."""
    from checkov.kubernetes.runner import Runner
    from checkov.runner_filter import RunnerFilter

    report: dict[str, Any] = {}
    for folder in sorted(path for path in root.iterdir() if path.is_dir()):
        runner_filter = RunnerFilter(framework=["kubernetes"], show_progress_bar=False)
        results = Runner().run(root_folder=str(folder), runner_filter=runner_filter, collect_skip_comments=False)
        reports = results if isinstance(results, list) else [results]
        failed = [
            {
                "check_id": record.check_id,
                "check_name": record.check_name,
                "file_path": record.file_abs_path,
                "line": record.file_line_range[0],
                "resource": record.resource,
            }
            for part in reports
            for record in part.failed_checks
        ]
        checked = {
            (record.file_abs_path, record.file_line_range[0])
            for part in reports
            for record in [*part.passed_checks, *part.failed_checks]
        }
        summaries = [part.get_summary() for part in reports]
        report[folder.name] = {
            "failed": failed,
            "checked": sorted(checked),
            "parsing_errors": [str(path) for part in reports for path in part.parsing_errors],
            "summary": {key: sum(int(s[key]) for s in summaries) for key in ("passed", "failed", "skipped")},
        }
    return report


def main(argv: Sequence[str]) -> int:
    root, output = argv  # the report goes to a file: checkov may print to stdout
    Path(output).write_text(json.dumps(_checkov_report(Path(root))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
