"""Every helm_release of every shipped stack, rendered by Helm from the pinned chart archive and checked: against
the Kubernetes schemas of the cluster's version and the CRDs of the stack, placed on the cluster's node pools,
and every value we set shown to change what Helm renders. The harness is tests/support/rendering.py.

Needs `make install-dev` (helm) and `make charts` (the archives); without them these tests fail, never skip.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.vllm.serving import model_pools
from spec.pools import POOL_LABEL
from tests.conftest import PROJECT_ROOT
from tests.support import rendering
from tests.support.rendering import (
    PlacementProblem,
    PodTemplate,
    ReleaseInput,
    RenderedStack,
    Renderer,
    Requests,
    ValueLeaf,
    dotted,
    inert_values,
    leaves_of,
    node_pools,
    object_problems,
    parse_quantity,
    placement_problems,
    pod_templates,
    pruned_fields,
    render_inputs,
    schema_version_for,
    unschedulable_reason,
    without_leaf,
)
from tests.support.synthesized_stacks import SynthesizedStack
from validation.loader import load_environment_file

pytestmark = pytest.mark.slow(seconds=140)  # the start order: tests/conftest.py

EXCEPTIONS: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (PROJECT_ROOT / "tests" / "data" / "rendered_exceptions.yaml").read_text()
)


def stack(rendered: list[RenderedStack], name: str) -> RenderedStack:
    (found,) = [item for item in rendered if item.name == name]
    return found


def release_input(rendered: list[RenderedStack], stack_name: str, release: str) -> ReleaseInput:
    (found,) = [item.input for item in stack(rendered, stack_name).releases if item.input.name == release]
    return found


def rerendered(renderer: Renderer, original: RenderedStack, replacement: ReleaseInput) -> RenderedStack:
    """The stack with one release's input replaced: the harness run on a deliberate fault."""
    inputs = [replacement if r.input.name == replacement.name else r.input for r in original.releases]
    plain = [dataclasses.replace(item, api_versions=()) for item in inputs]
    return render_inputs(renderer, original.apps, original.cluster, plain)


def values_of(release: ReleaseInput) -> dict[str, Any]:
    return {dotted(keys): value for document in release.values for keys, value in leaves_of(yaml.safe_load(document))}


def allowed_inert(release: ReleaseInput, path: str) -> bool:
    present = values_of(release)
    return any(
        entry["chart"] == release.chart
        and entry["version"] == release.version
        and entry["path"] == path
        and all(present.get(key) == value for key, value in entry.get("when", {}).items())
        for entry in EXCEPTIONS["inert_values"]
    )


def allowed_unplaced(problem: PlacementProblem) -> bool:
    return problem.pod.kind == "DaemonSet" and any(
        entry["chart"] == problem.pod.chart
        and entry["version"] == problem.pod.chart_version
        and problem.pod.name.endswith(entry["name_suffix"])
        and "reaches no node" in problem.message
        for entry in EXCEPTIONS["unplaced_daemonsets"]
    )


def unexpected_placement(stacks: list[RenderedStack]) -> list[str]:
    return [str(problem) for item in stacks for problem in placement_problems(item) if not allowed_unplaced(problem)]


# --- what is rendered ---------------------------------------------------------------------------------------


def test_every_shipped_apps_stack_is_rendered(
    rendered: list[RenderedStack], all_stacks: list[SynthesizedStack]
) -> None:
    releases = sum(len(item.resources("helm_release")) for item in all_stacks)
    assert releases > 0
    assert sum(len(item.releases) for item in rendered) == releases


def test_every_release_renders_with_the_pinned_chart(rendered: list[RenderedStack]) -> None:
    failures = [f"{r.input.label}: {r.error}" for item in rendered for r in item.releases if r.error is not None]
    assert failures == []
    assert all(r.objects for item in rendered for r in item.releases)


def test_releases_render_for_the_kubernetes_version_of_their_cluster(rendered: list[RenderedStack]) -> None:
    for item in rendered:
        version = rendering.cluster_version(item.cluster.json)
        assert {r.input.kube_version for r in item.releases} == {version}, item.name


def test_a_release_sees_the_crds_the_other_releases_of_its_stack_install(rendered: list[RenderedStack]) -> None:
    application = release_input(rendered, "eks-all-apps-apps", "argo-cd-apps")
    assert "argoproj.io/v1alpha1/Application" in application.api_versions
    argo = release_input(rendered, "eks-all-apps-apps", "argo-cd")
    assert "argoproj.io/v1alpha1/Application" not in argo.api_versions  # its own CRDs do not count


def test_set_sensitive_terraform_references_become_placeholders_of_their_shape(rendered: list[RenderedStack]) -> None:
    argo = dict(release_input(rendered, "eks-all-apps-apps", "argo-cd").set_strings)
    assert argo["configs.secret.argocdServerAdminPassword"].startswith("$2a$10$")
    assert argo["configs.secret.argocdServerAdminPasswordMtime"] == "2026-01-01T00:00:00Z"


# --- schemas ------------------------------------------------------------------------------------------------


def test_every_rendered_object_is_valid_for_its_kubernetes_version_and_crd(rendered: list[RenderedStack]) -> None:
    assert [problem for item in rendered for problem in object_problems(item)] == []


@pytest.mark.parametrize(
    ("cluster", "schemas"), [("1.33", "1.33"), ("1.36", "1.36"), ("1.38", "1.37"), ("1.24", "1.25")]
)
def test_cluster_versions_map_to_the_nearest_kubernetes_schema_shipped(cluster: str, schemas: str) -> None:
    assert schema_version_for(cluster) == schemas


def test_a_field_the_kubernetes_schema_lacks_is_reported(renderer: Renderer, rendered: list[RenderedStack]) -> None:
    traefik = release_input(rendered, "eks-all-apps-apps", "traefik")
    faulty = traefik.with_values(
        [*traefik.values, "service:\n  spec:\n    loadBalancerClassName: nlb\n"], traefik.set_strings
    )
    problems = object_problems(rerendered(renderer, stack(rendered, "eks-all-apps-apps"), faulty))
    assert any("Service traefik" in p and "loadBalancerClassName" in p for p in problems), problems


def test_a_custom_resource_field_its_crd_lacks_is_reported() -> None:
    schema = {
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"driver": {"type": "object"}}}},
    }
    assert pruned_fields({"spec": {"driver": {}, "drivr": {}}}, schema) == ["spec.drivr"]


# --- placement ----------------------------------------------------------------------------------------------


def test_every_pod_template_can_be_placed_on_a_pool_of_its_cluster(rendered: list[RenderedStack]) -> None:
    assert unexpected_placement(rendered) == []


def test_gke_gpu_pools_carry_the_taint_gke_adds_itself(rendered: list[RenderedStack]) -> None:
    (gpu,) = [pool for pool in node_pools(stack(rendered, "gke-gpu-apps")) if pool.gpus_per_node]
    assert rendering.Taint("nvidia.com/gpu", "present", "NoSchedule") in gpu.taints
    assert gpu.labels["cloud.google.com/gke-accelerator"] == "nvidia-tesla-t4"


def test_gpu_pools_know_their_gpus_per_node(rendered: list[RenderedStack]) -> None:
    pools = {pool.machine_type: pool.gpus_per_node for item in rendered for pool in node_pools(item)}
    assert pools["g5.12xlarge"] == 4
    assert pools["Standard_NC4as_T4_v3"] == 1
    assert pools["t3.medium"] == 0


def test_a_gpu_engine_without_the_gpu_toleration_fits_no_pool(
    renderer: Renderer, rendered: list[RenderedStack]
) -> None:
    vllm = release_input(rendered, "eks-inference-apps", "vllm-stack")
    leaf = ValueLeaf(
        "servingEngineSpec.modelSpec[0].tolerations", 0, ("servingEngineSpec", "modelSpec", 0, "tolerations")
    )
    faulty = rerendered(renderer, stack(rendered, "eks-inference-apps"), without_leaf(vllm, leaf))
    problems = unexpected_placement([faulty])
    assert any("GPUs that fits no pool" in p and "does not tolerate taint nvidia.com/gpu=true" in p for p in problems)


def test_an_invalid_cpu_request_fails(renderer: Renderer, rendered: list[RenderedStack]) -> None:
    vllm = release_input(rendered, "eks-inference-apps", "vllm-stack")
    leaf = ValueLeaf(
        "servingEngineSpec.modelSpec[0].requestCPU", 0, ("servingEngineSpec", "modelSpec", 0, "requestCPU")
    )
    faulty = rerendered(renderer, stack(rendered, "eks-inference-apps"), without_leaf(vllm, leaf, replace_with="0.5m"))
    assert any("cpu request '0.5m' is finer than 1m" in p for p in unexpected_placement([faulty]))


def test_a_gpu_request_above_the_gpus_of_a_node_fits_no_pool(renderer: Renderer, rendered: list[RenderedStack]) -> None:
    vllm = release_input(rendered, "eks-inference-apps", "vllm-stack")
    leaf = ValueLeaf(
        "servingEngineSpec.modelSpec[0].requestGPU", 0, ("servingEngineSpec", "modelSpec", 0, "requestGPU")
    )
    faulty = rerendered(renderer, stack(rendered, "eks-inference-apps"), without_leaf(vllm, leaf, replace_with=5))
    assert any("requests 5 GPUs, a g5.12xlarge node has 4" in p for p in unexpected_placement([faulty]))


def test_a_daemonset_selecting_a_label_no_node_has_is_reported(rendered: list[RenderedStack]) -> None:
    item = stack(rendered, "aks-large-apps")  # AKS installs the driver, the device plugin release the plugin
    (plugin,) = [pod for pod in pod_templates(item) if pod.name == "nvidia-device-plugin"]
    stray = dataclasses.replace(plugin, spec={**plugin.spec, "nodeSelector": {"gpu": "yes"}})
    assert next(p.message for p in placement_problems(item, [stray])).startswith("a DaemonSet that reaches no node")


@pytest.mark.parametrize(
    ("quantity", "valid"),
    [("500m", True), ("1.5", True), ("2Gi", True), ("0.5m", True), ("1.5 cores", False), ("2GB", False)],
)
def test_quantities_parse_as_kubernetes_does(quantity: str, valid: bool) -> None:
    if valid:
        parse_quantity(quantity)
    else:
        with pytest.raises(ValueError, match="not a Kubernetes quantity"):
            parse_quantity(quantity)


def test_pod_requests_sum_containers_and_count_gpus_from_limits() -> None:
    spec = {
        "containers": [
            {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "1Gi"}}},
            {"name": "b", "resources": {"limits": {"cpu": "1", "memory": "512Mi", "nvidia.com/gpu": 2}}},
        ]
    }
    requests, problems = rendering.pod_requests(spec)
    assert requests == Requests(cpu_millicores=1250, memory_bytes=1536 * 2**20, gpus=2)
    assert problems == []


@pytest.mark.parametrize(
    ("resources", "problem"),
    [
        ({"requests": {"cpu": "0.5m"}}, "cpu request '0.5m' is finer than 1m"),
        ({"requests": {"memory": "1.5"}}, "memory request '1.5' is a fractional byte count"),
        ({"limits": {"nvidia.com/gpu": "0.5"}}, "nvidia.com/gpu limit '0.5' is not a whole number"),
        ({"requests": {"cpu": "1.5 cores"}}, "cpu request: '1.5 cores' is not a Kubernetes quantity"),
    ],
)
def test_quantities_kubernetes_refuses_or_rounds_are_problems(resources: dict[str, Any], problem: str) -> None:
    _, problems = rendering.pod_requests({"containers": [{"name": "c", "resources": resources}]})
    assert problems == [f"container c: {problem}"]


def test_pod_templates_expose_requests_and_replicas_for_the_capacity_count(rendered: list[RenderedStack]) -> None:
    pods = {pod.name: pod for pod in pod_templates(stack(rendered, "eks-inference-apps"))}
    engines = [pod for pod in pods.values() if pod.requests.gpus]
    assert engines
    assert all(isinstance(pod, PodTemplate) and pod.replicas for pod in engines)
    assert all(pod.replicas is None for pod in pods.values() if pod.kind == "DaemonSet")


# --- what the render showed, fixed -------------------------------------------------------------------------


def test_rendered_engines_with_a_pinned_image_pull_it_if_not_present(rendered: list[RenderedStack]) -> None:
    pods = [pod for item in rendered for pod in pod_templates(item)]
    engines = [pod for pod in pods if pod.requests.gpus and pod.chart == "vllm-stack"]
    assert engines
    for pod in engines:
        (engine,) = [c for c in pod.spec["containers"] if c["name"] == "vllm"]
        assert engine["imagePullPolicy"] == "IfNotPresent", pod.label


def test_the_device_plugin_s_mps_daemonset_is_the_only_daemonset_that_reaches_no_node(
    rendered: list[RenderedStack],
) -> None:
    unplaced = [p for item in rendered for p in placement_problems(item) if "reaches no node" in p.message]
    assert {p.pod.name for p in unplaced} == {"nvidia-device-plugin-mps-control-daemon"}
    assert all(allowed_unplaced(problem) for problem in unplaced)


# --- every value we set is read by its chart ----------------------------------------------------------------


def test_every_value_we_set_changes_what_helm_renders(renderer: Renderer, rendered: list[RenderedStack]) -> None:
    releases = {r.input.label: r.input for item in rendered for r in item.releases}
    inert = inert_values(renderer, list(releases.values()))
    unread = {label: [p for p in paths if not allowed_inert(releases[label], p)] for label, paths in inert.items()}
    assert {label: paths for label, paths in unread.items() if paths} == {}


def test_a_value_at_a_path_the_chart_does_not_read_is_reported(
    renderer: Renderer, rendered: list[RenderedStack]
) -> None:
    traefik = release_input(rendered, "eks-all-apps-apps", "traefik")
    misspelt = traefik.with_values([*traefik.values, "service:\n  type: LoadBalancer\n"], traefik.set_strings)
    assert inert_values(renderer, [misspelt]) == {misspelt.label: ["service.type"]}  # 41.x reads service.spec.type


def test_a_misspelt_model_key_is_reported(renderer: Renderer, rendered: list[RenderedStack]) -> None:
    vllm = release_input(rendered, "eks-inference-apps", "vllm-stack")
    values = yaml.safe_load(vllm.values[0])
    values["servingEngineSpec"]["modelSpec"][0]["requestGpu"] = 1  # the chart reads requestGPU
    misspelt = vllm.with_values([yaml.safe_dump(values)], vllm.set_strings)
    path = "servingEngineSpec.modelSpec[0].requestGpu"
    assert inert_values(renderer, [misspelt], only=[path, "servingEngineSpec.modelSpec[0].requestGPU"]) == {
        misspelt.label: [path]
    }


def test_the_exceptions_name_pinned_chart_versions_and_give_a_reason() -> None:
    pins = {(pin.chart, pin.version) for pin in rendering.chart_pins()}
    for entry in [*EXCEPTIONS["inert_values"], *EXCEPTIONS["unplaced_daemonsets"]]:
        assert (entry["chart"], entry["version"]) in pins, entry
        assert len(entry["reason"]) > 40, entry


# --- tools are required, never skipped ----------------------------------------------------------------------


def test_a_missing_chart_archive_fails_naming_make_charts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(rendering, "CHART_CACHE", tmp_path)
    rendering.pinned_archive.cache_clear()
    try:
        with pytest.raises(pytest.fail.Exception, match="run `make charts`"):
            rendering.pinned_archive("traefik", "41.3.0")
    finally:
        rendering.pinned_archive.cache_clear()


def test_a_missing_helm_fails_naming_make_install_dev(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(rendering, "HELM", tmp_path / "helm")
    with pytest.raises(pytest.fail.Exception, match="run `make install-dev`"):
        rendering.require_helm()


# --- models on their GPU pools ------------------------------------------------------------------------------------

POOL_EXAMPLES = sorted((PROJECT_ROOT / "examples").glob("*-gpu-pools.yaml"))


def engine_pools(item: RenderedStack, pods: list[PodTemplate] | None = None) -> dict[str, set[str]]:
    """Each vLLM engine's model, and the `gpu.pools` its rendered pod can run on (whatever its replica count)."""
    pools = [pool for pool in node_pools(item) if POOL_LABEL in pool.labels]
    reachable = {}
    for pod in pod_templates(item) if pods is None else pods:
        engine = re.fullmatch(r"vllm-stack-(?P<model>.+)-deployment-vllm", pod.name)
        if pod.chart == "vllm-stack" and engine:
            fits = {pool.labels[POOL_LABEL] for pool in pools if unschedulable_reason(pod, pool) is None}
            reachable[engine["model"]] = fits
    return reachable


@pytest.mark.parametrize("path", POOL_EXAMPLES, ids=[path.stem for path in POOL_EXAMPLES])
def test_each_model_engine_renders_onto_its_own_pool_and_no_other(rendered: list[RenderedStack], path: Path) -> None:
    environment = load_environment_file(path).environment
    expected = {model: {pool.name} for model, pool in model_pools(environment).items()}
    assert len({name for names in expected.values() for name in names}) == 2  # two models on two pools
    assert engine_pools(stack(rendered, environment.apps_stack_name)) == expected


def test_an_engine_that_selects_no_pool_is_reported_reaching_another(rendered: list[RenderedStack]) -> None:
    environment = load_environment_file(POOL_EXAMPLES[0]).environment
    item = stack(rendered, environment.apps_stack_name)
    engines = [pod for pod in pod_templates(item) if pod.name.endswith("-deployment-vllm")]
    loose = [dataclasses.replace(pod, spec={k: v for k, v in pod.spec.items() if k != "affinity"}) for pod in engines]
    small = min(
        model_pools(environment).items(), key=lambda placed: placed[1].gpu.tier.gpu_count if placed[1].gpu else 0
    )
    assert len(engine_pools(item, loose)[small[0]]) == 2  # its GPU fits the large pool too once nothing selects
