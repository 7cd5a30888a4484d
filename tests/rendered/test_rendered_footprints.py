"""The footprint rows (each app's declaration) against what Helm renders for every release of every shipped stack:
each Deployment, StatefulSet and DaemonSet by name, replicas, requests and where it lands, so a chart bump that
adds a pod or changes a request fails until the table follows. Workloads an operator creates from a rendered custom
resource are derived from that resource; what is not compared one-to-one is data with a reason
(tests/data/rendered_footprint_exceptions.yaml). The harness is tests/support/rendering.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import yaml

from apps import APPS, enabled_apps
from apps.declaration import AppDeclaration, Footprint, Lands, Workload
from apps.gpu_operator import operator_operands
from catalogue import charts
from catalogue.charts import ChartPin
from catalogue.gpu_drivers import gpu_software_owners
from spec.environment import Environment
from spec.pools import node_pools as environment_pools
from tests.conftest import PROJECT_ROOT
from tests.support.rendering import (
    NodePool,
    PodTemplate,
    RenderedRelease,
    RenderedStack,
    Requests,
    node_pools,
    pod_requests,
    pod_templates,
    unschedulable_reason,
)
from tests.support.terraform_tools import shipped_environment_files
from validation.loader import load_environment_file

pytestmark = pytest.mark.slow(seconds=30)  # the start order: tests/conftest.py

EXCEPTIONS: dict[str, Any] = yaml.safe_load(
    (PROJECT_ROOT / "tests" / "data" / "rendered_footprint_exceptions.yaml").read_text()
)
COUNTED_KINDS = ("Deployment", "StatefulSet", "DaemonSet")  # Jobs are hooks that finish: no pod at rest
MEBIBYTE = 2**20
# Each app's footprint row by its release (a dict, so a test can change one row).
RELEASE_FOOTPRINTS: dict[str, Footprint] = {app.pin.release: app.footprint for app in APPS if app.pin is not None}
PINS = {pin.release: pin for pin in vars(charts).values() if isinstance(pin, ChartPin)}
# Each shipped apps stack's environment: what its apps leave out of their rows, and the releases it decides.
ENVIRONMENTS: dict[str, Environment] = {
    environment.apps_stack_name: environment
    for environment in (load_environment_file(path).environment for path in shipped_environment_files())
}


# --- what the render says ----------------------------------------------------------------------------------


def short_name(release: str, name: str) -> str:
    """The table's name: the rendered name without `<release>-`; "" is exactly the release's name."""
    return "" if name == release else name.removeprefix(f"{release}-")


def lands(kind: str, pod: PodTemplate, pools: Sequence[NodePool]) -> Lands | None:
    """Where the pods go: a DaemonSet on every pool it reaches, a Deployment on the system pool if it can."""
    reached = [pool for pool in pools if unschedulable_reason(pod, pool) is None]
    gpu, system = any(p.gpus_per_node for p in reached), any(not p.gpus_per_node for p in reached)
    if not reached:
        return None
    if kind == "DaemonSet" and gpu and system:
        return Lands.EVERY_NODE
    return Lands.SYSTEM if system else Lands.GPU


def as_workload(kind: str, name: str, replicas: int, requests: Requests, where: Lands) -> Workload:
    if requests.memory_bytes % MEBIBYTE:
        raise AssertionError(f"{kind} {name}: memory request {requests.memory_bytes} B is not whole MiB")
    return Workload(kind, name, replicas, requests.cpu_millicores, requests.memory_bytes // MEBIBYTE, where)


def entries_of(release: RenderedRelease, dotted_path: str) -> list[Mapping[str, Any]]:
    """The list at a dotted path of the release's values documents (the last document that sets it wins)."""
    found: list[Mapping[str, Any]] = []
    for document in release.input.values:
        value: Any = yaml.safe_load(document) or {}
        for key in dotted_path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, list):
            found = value
    return found


def per_entry_names(release: RenderedRelease) -> set[str]:
    return {
        rule["name"].format(name=entry["name"])
        for rule in EXCEPTIONS["per_entry_workloads"]
        if (rule["chart"], rule["version"]) == (release.input.chart, release.input.version)
        for entry in entries_of(release, rule["entries"])
    }


def rendered_workloads(stack: RenderedStack, release: RenderedRelease) -> list[Workload]:
    """The chart's own Deployments, StatefulSets and DaemonSets (DaemonSets that reach no node run no pod)."""
    pools, skipped = node_pools(stack), per_entry_names(release)
    workloads = []
    for pod in pod_templates(dataclasses.replace(stack, releases=[release])):
        name = short_name(release.input.name, pod.name)
        if pod.kind not in COUNTED_KINDS or name in skipped:
            continue
        where = lands(pod.kind, pod, pools)
        if where is None and pod.kind == "DaemonSet":
            continue  # 0 pods; test_rendered_releases allows exactly one such DaemonSet, with its reason
        assert where is not None, f"{pod.label} fits no pool"
        workloads.append(as_workload(pod.kind, name, pod.replicas or 1, pod.requests, where))
    return workloads


def config_reloader_requests(release: RenderedRelease) -> Requests:
    """What prometheus-operator gives the config-reloader sidecar of every pod it makes (its flags)."""
    flags: dict[str, str] = {}
    for deployment in release.of_kind("Deployment"):
        for container in deployment["spec"]["template"]["spec"].get("containers", []):
            for argument in container.get("args") or []:
                if argument.startswith("--config-reloader-") and "=" in argument:
                    key, value = argument.removeprefix("--config-reloader-").split("=", 1)
                    flags[key] = value
    resources = {
        "requests": {
            resource: flags[f"{resource}-request"]
            for resource in ("cpu", "memory")
            if flags.get(f"{resource}-request", "0") != "0"  # "0": the operator sets no request
        }
    }
    requests, problems = pod_requests({"containers": [{"name": "config-reloader", "resources": resources}]})
    assert problems == [], problems
    return requests


def operator_workloads(stack: RenderedStack, release: RenderedRelease) -> list[Workload]:
    """The StatefulSets prometheus-operator makes from the rendered Prometheus and Alertmanager resources."""
    rules = [
        rule
        for rule in EXCEPTIONS["operator_workloads"]
        if (rule["chart"], rule["version"]) == (release.input.chart, release.input.version)
    ]
    pools, sidecar = node_pools(stack), config_reloader_requests(release)
    workloads = []
    for rule in rules:
        for resource in release.of_kind(rule["resource"]):
            spec = resource["spec"]
            main, _ = pod_requests({"containers": [{"name": "main", "resources": spec.get("resources") or {}}]})
            requests = Requests(
                main.cpu_millicores + sidecar.cpu_millicores, main.memory_bytes + sidecar.memory_bytes, main.gpus
            )
            pod_spec = {key: spec[key] for key in ("nodeSelector", "affinity", "tolerations") if key in spec}
            name = short_name(release.input.name, resource["metadata"]["name"])
            pod = PodTemplate(
                stack.name, release.input.name, release.input.chart, release.input.version, rule["creates"],
                name, "", 1, pod_spec, requests,
            )  # fmt: skip
            where = lands(rule["creates"], pod, pools)
            assert where is not None, f"{stack.name}: the {rule['resource']} {name} fits no pool"
            replicas = int(spec.get("replicas", 1)) * int(spec.get("shards", 1) or 1)
            workloads.append(as_workload(rule["creates"], name, replicas, requests, where))
    return workloads


def rendered_objects(stack: RenderedStack, kind: str) -> list[Mapping[str, Any]]:
    return [item for release in stack.releases for item in release.of_kind(kind)]


def controller_workloads(stack: RenderedStack, release: RenderedRelease) -> list[Workload]:
    """What the release's controller makes for the resources other releases of the stack render (agentgateway: a
    proxy per Gateway of its class), with the requests of the parameters the resource names, else its own."""
    rules = [
        rule
        for rule in EXCEPTIONS["controller_workloads"]
        if (rule["chart"], rule["version"]) == (release.input.chart, release.input.version)
    ]
    pools, workloads = node_pools(stack), []
    for rule in rules:
        parameters = {
            (item["metadata"].get("namespace"), item["metadata"]["name"]): item["spec"]
            for item in rendered_objects(stack, rule["parameters"])
        }
        for resource in rendered_objects(stack, rule["resource"]):
            if resource["spec"].get("gatewayClassName") != rule["class"]:
                continue
            namespace, name = resource["metadata"].get("namespace"), resource["metadata"]["name"]
            reference = (resource["spec"].get("infrastructure") or {}).get("parametersRef") or {}
            own = parameters.get((namespace, reference.get("name")), {}).get("resources") or {}
            requests, problems = pod_requests(
                {"containers": [{"name": "proxy", "resources": own or {"requests": rule["requests"]}}]}
            )
            assert problems == [], problems
            pod = PodTemplate(
                stack.name, release.input.name, release.input.chart, release.input.version, rule["creates"],
                name, str(namespace), 1, {}, requests,
            )  # fmt: skip
            where = lands(rule["creates"], pod, pools)
            assert where is not None, f"{stack.name}: the {rule['resource']} {name}'s {rule['creates']} fits no pool"
            workloads.append(as_workload(rule["creates"], name, 1, requests, where))
    return workloads


def owner(stack: RenderedStack, release: RenderedRelease) -> AppDeclaration | None:
    """The enabled app whose declaration names this release for the stack's environment."""
    environment = ENVIRONMENTS[stack.name]
    return next(
        (
            app
            for app in enabled_apps(environment)
            if release.input.name in app.releases(environment) and release.input.chart in {p.chart for p in app.pins}
        ),
        None,
    )


def row_key(stack: RenderedStack, release: RenderedRelease) -> str | None:
    """The footprint row of a release: its own, or for a release the environment names (one per model), its app's."""
    name = release.input.name
    if name in RELEASE_FOOTPRINTS and release.input.chart == PINS[name].chart:
        return name
    app = owner(stack, release) if name not in PINS else None
    return app.pin.release if app is not None and app.pin is not None else None


def footprint_releases(rendered: list[RenderedStack]) -> list[tuple[RenderedStack, RenderedRelease, Footprint]]:
    return [
        (stack, release, RELEASE_FOOTPRINTS[key])
        for stack in rendered
        for release in stack.releases
        if (key := row_key(stack, release)) is not None
    ]


def table(stack: RenderedStack, release: RenderedRelease, footprint: Footprint) -> list[Workload]:
    """The row less what the environment leaves out (vLLM's router with the gateway), plus the system-pool pods the
    environment adds that this release renders (each model's endpoint picker)."""
    app, environment = owner(stack, release), ENVIRONMENTS[stack.name]
    if app is None:
        return ordered(footprint.workloads)
    left_out = [workload for workload in app.footprint.workloads if workload not in app.workloads(environment)]
    rows = [workload for workload in footprint.workloads if workload not in left_out]
    if release.input.name not in PINS:
        names = {pod.name for pod in pod_templates(dataclasses.replace(stack, releases=[release]))}
        added = [
            workload
            for pool in environment_pools(environment)
            if pool.gpu is None
            for workload in app.pool_workloads(environment, pool)
            if workload.name in names
        ]
        rows += [dataclasses.replace(w, name=short_name(release.input.name, w.name)) for w in added]
    return ordered(rows)


def ordered(workloads: Sequence[Workload]) -> list[Workload]:
    return sorted(workloads, key=lambda w: (w.kind, w.name))


def footprint_mismatches(rendered: list[RenderedStack]) -> dict[str, dict[str, list[Workload]]]:
    mismatches = {}
    for stack, release, footprint in footprint_releases(rendered):
        actual = ordered(
            rendered_workloads(stack, release)
            + operator_workloads(stack, release)
            + controller_workloads(stack, release)
        )
        expected = table(stack, release, footprint)
        if actual != expected:
            mismatches[release.input.label] = {"rendered": actual, "table": expected}
    return mismatches


# --- the table against the render --------------------------------------------------------------------------


def test_every_footprint_row_is_compared_with_a_rendered_release(rendered: list[RenderedStack]) -> None:
    compared = {row_key(stack, release) for stack, release, _ in footprint_releases(rendered)}
    assert compared == set(RELEASE_FOOTPRINTS)


def test_every_rendered_release_with_pods_has_a_footprint_row(rendered: list[RenderedStack]) -> None:
    """The product's own releases (custom-objects) render no workload; every chart that does is in the table."""
    without_row = {
        release.input.label
        for stack in rendered
        for release in stack.releases
        if release.of_kind(*COUNTED_KINDS) and row_key(stack, release) is None
    }
    assert without_row == set()


def test_each_footprint_row_was_measured_at_the_pinned_chart_version() -> None:
    assert {release: row.chart_version for release, row in RELEASE_FOOTPRINTS.items()} == {
        release: PINS[release].version for release in RELEASE_FOOTPRINTS
    }


def test_rendered_releases_use_the_chart_version_of_their_footprint_row(rendered: list[RenderedStack]) -> None:
    assert [
        release.input.label
        for _, release, footprint in footprint_releases(rendered)
        if release.input.version != footprint.chart_version
    ] == []


def test_every_release_renders_the_workloads_of_its_footprint_row(rendered: list[RenderedStack]) -> None:
    assert footprint_mismatches(rendered) == {}


def test_a_footprint_row_that_disagrees_with_the_render_is_reported(
    rendered: list[RenderedStack], monkeypatch: pytest.MonkeyPatch
) -> None:
    row = RELEASE_FOOTPRINTS[charts.KEDA.release]
    first, *rest = row.workloads
    changed = dataclasses.replace(row, workloads=(dataclasses.replace(first, cpu_m=first.cpu_m + 1), *rest))
    monkeypatch.setitem(RELEASE_FOOTPRINTS, charts.KEDA.release, changed)
    mismatches = footprint_mismatches(rendered)
    assert mismatches
    assert all(label.endswith("/keda") for label in mismatches)


def test_the_per_model_exception_takes_each_model_s_engine_and_nothing_else(rendered: list[RenderedStack]) -> None:
    for stack, release, _ in footprint_releases(rendered):
        if release.input.chart != charts.VLLM_STACK.chart:
            assert per_entry_names(release) == set(), release.input.label
            continue
        engines = {
            short_name(release.input.name, pod.name)
            for pod in pod_templates(stack)
            if pod.release == release.input.name and pod.requests.gpus
        }
        assert per_entry_names(release) == engines, release.input.label


def test_the_prometheus_statefulset_is_derived_from_the_rendered_prometheus(rendered: list[RenderedStack]) -> None:
    monitored = [(s, r) for s, r, _ in footprint_releases(rendered) if r.input.chart == "kube-prometheus-stack"]
    assert monitored
    for stack, release in monitored:
        (prometheus,) = operator_workloads(stack, release)
        (resource,) = release.of_kind("Prometheus")
        assert prometheus.kind == "StatefulSet"
        assert prometheus.name == "prometheus"
        assert prometheus.replicas == resource["spec"]["replicas"]
        assert f"{prometheus.cpu_m}m" == resource["spec"]["resources"]["requests"]["cpu"]


def test_the_exceptions_name_pinned_chart_versions_and_give_a_reason() -> None:
    pins = {(pin.chart, pin.version) for pin in PINS.values()}
    entries = [
        *EXCEPTIONS["per_entry_workloads"],
        *EXCEPTIONS["operator_workloads"],
        *EXCEPTIONS["controller_workloads"],
        *EXCEPTIONS["cluster_policy"]["not_counted"],
    ]
    for entry in entries:
        assert len(entry["reason"]) > 40, entry
    charted = [
        *EXCEPTIONS["per_entry_workloads"],
        *EXCEPTIONS["operator_workloads"],
        *EXCEPTIONS["controller_workloads"],
        EXCEPTIONS["cluster_policy"],
    ]
    for entry in charted:
        assert (entry["chart"], entry["version"]) in pins, entry


# --- GPU Operator operands ---------------------------------------------------------------------------------


def cluster_policy_operands(policy: Mapping[str, Any]) -> tuple[list[Workload], list[str]]:
    """The operand DaemonSets an enabled component makes, and enabled components neither modelled nor excepted."""
    rules = EXCEPTIONS["cluster_policy"]
    not_counted = {entry["component"] for entry in rules["not_counted"]}
    operands, unknown = [], []
    for component, settings in policy["spec"].items():
        if not isinstance(settings, dict) or not settings.get("enabled", component == "validator"):
            continue
        if component in rules["operands"]:
            requests, problems = pod_requests(
                {"containers": [{"name": component, "resources": settings.get("resources") or {}}]}
            )
            assert problems == [], problems
            operands.append(as_workload("DaemonSet", rules["operands"][component], 1, requests, Lands.GPU))
        elif component not in not_counted:
            unknown.append(component)
    return operands, unknown


def gpu_operator_releases(rendered: list[RenderedStack]) -> list[tuple[RenderedStack, RenderedRelease]]:
    return [(s, r) for s in rendered for r in s.releases if r.input.chart == charts.GPU_OPERATOR.chart]


def test_the_gpu_operator_s_operands_are_what_the_rendered_cluster_policy_enables(
    rendered: list[RenderedStack],
) -> None:
    releases = gpu_operator_releases(rendered)
    assert releases
    for stack, release in releases:
        (policy,) = release.of_kind("ClusterPolicy")
        operands, unknown = cluster_policy_operands(policy)
        assert unknown == [], f"{release.input.label}: ClusterPolicy components neither operands nor excepted"
        modelled = operator_operands(gpu_software_owners(stack.cloud, gpu_operator=True))
        assert ordered(operands) == ordered(modelled), release.input.label


def test_a_cluster_policy_component_nobody_modelled_is_reported(rendered: list[RenderedStack]) -> None:
    _, release = gpu_operator_releases(rendered)[0]
    (policy,) = release.of_kind("ClusterPolicy")
    extended = {**policy, "spec": {**policy["spec"], "newOperand": {"enabled": True}}}
    assert cluster_policy_operands(extended)[1] == ["newOperand"]
