"""Pod Security: every namespace the apps stack installs into is created by the stack, once, with a Pod Security
level, and that level is exactly the weakest one its pods meet. The pods are every shipped stack's rendered releases
(the session's render, tests/conftest.py `rendered`) plus the ones an operator creates at run time
(tests/data/pod_security_run_time_pods.yaml); the level each meets comes from tests/support/pod_security.py, whose
own rules are tested first, one behaviour each.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from apps.declaration import PodSecurityLevel
from catalogue import charts
from catalogue.charts import ChartPin
from tests.conftest import PROJECT_ROOT
from tests.support.pod_security import admits, baseline_violations, level_met, restricted_violations, weakest
from tests.support.rendering import RenderedStack, pod_templates
from tests.support.synthesized_stacks import SynthesizedStack

pytestmark = pytest.mark.slow(seconds=10)  # the start order: tests/conftest.py

RUN_TIME_PODS: list[dict[str, Any]] = yaml.safe_load(
    (PROJECT_ROOT / "tests" / "data" / "pod_security_run_time_pods.yaml").read_text()
)["run_time_pods"]
NAMESPACE = "kubernetes_namespace_v1"
LABEL = "pod-security.kubernetes.io/"
CLUSTER_NAMESPACES = {"kube-system"}  # the cluster's own: never created or labelled by the stack

# A pod every restricted rule holds for; each checker test breaks one rule of a copy.
RESTRICTED_POD: dict[str, Any] = {
    "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [
        {
            "name": "app",
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            "ports": [{"containerPort": 8080}],
        }
    ],
    "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "config", "configMap": {"name": "app"}}],
}


def pod(**changes: Any) -> dict[str, Any]:
    """RESTRICTED_POD with top-level fields replaced."""
    return {**copy.deepcopy(RESTRICTED_POD), **changes}


def with_container_context(**fields: Any) -> dict[str, Any]:
    """RESTRICTED_POD with fields set (None: removed) in its container's securityContext."""
    spec = pod()
    context = spec["containers"][0]["securityContext"]
    for key, value in fields.items():
        if value is None:
            context.pop(key, None)
        else:
            context[key] = value
    return spec


def with_pod_context(**fields: Any) -> dict[str, Any]:
    """RESTRICTED_POD with fields set (None: removed) in its pod-level securityContext."""
    spec = pod()
    for key, value in fields.items():
        if value is None:
            spec["securityContext"].pop(key, None)
        else:
            spec["securityContext"][key] = value
    return spec


# --- the checker, one rule per test ------------------------------------------------------------------------


def test_the_reference_pod_meets_restricted() -> None:
    assert restricted_violations(RESTRICTED_POD) == []
    assert level_met(RESTRICTED_POD) is PodSecurityLevel.RESTRICTED


@pytest.mark.parametrize("field", ["hostNetwork", "hostPID", "hostIPC"])
def test_a_host_namespace_is_privileged(field: str) -> None:
    assert level_met(pod(**{field: True})) is PodSecurityLevel.PRIVILEGED
    assert level_met(pod(**{field: False})) is PodSecurityLevel.RESTRICTED


def test_a_privileged_container_is_privileged() -> None:
    assert level_met(with_container_context(privileged=True)) is PodSecurityLevel.PRIVILEGED
    assert level_met(with_container_context(privileged=False)) is PodSecurityLevel.RESTRICTED


def test_a_privileged_init_container_is_privileged() -> None:
    spec = pod(initContainers=[{"name": "init", "securityContext": {"privileged": True}}])
    assert any("privileged: init" in v for v in baseline_violations(spec))


def test_a_windows_host_process_is_privileged() -> None:
    assert level_met(with_pod_context(windowsOptions={"hostProcess": True})) is PodSecurityLevel.PRIVILEGED


def test_capabilities_beyond_the_default_set_are_privileged() -> None:
    assert level_met(with_container_context(capabilities={"add": ["SYS_ADMIN"]})) is PodSecurityLevel.PRIVILEGED


def test_a_default_capability_added_is_baseline_not_restricted() -> None:
    assert level_met(with_container_context(capabilities={"drop": ["ALL"], "add": ["CHOWN"]})) is (
        PodSecurityLevel.BASELINE
    )


def test_net_bind_service_is_the_one_capability_restricted_adds_back() -> None:
    spec = with_container_context(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})
    assert level_met(spec) is PodSecurityLevel.RESTRICTED


def test_capabilities_not_dropping_all_are_baseline() -> None:
    assert level_met(with_container_context(capabilities={"drop": ["NET_RAW"]})) is PodSecurityLevel.BASELINE
    assert level_met(with_container_context(capabilities=None)) is PodSecurityLevel.BASELINE


def test_a_host_path_volume_is_privileged() -> None:
    spec = pod(volumes=[{"name": "root", "hostPath": {"path": "/"}}])
    assert level_met(spec) is PodSecurityLevel.PRIVILEGED


def test_a_host_port_is_privileged() -> None:
    spec = pod()
    spec["containers"][0]["ports"] = [{"containerPort": 8080, "hostPort": 8080}]
    assert level_met(spec) is PodSecurityLevel.PRIVILEGED


def test_an_unconfined_seccomp_profile_is_privileged_anywhere() -> None:
    unconfined = {"type": "Unconfined"}
    assert level_met(with_pod_context(seccompProfile=unconfined)) is PodSecurityLevel.PRIVILEGED
    assert level_met(with_container_context(seccompProfile=unconfined)) is PodSecurityLevel.PRIVILEGED


def test_no_seccomp_profile_is_baseline() -> None:
    assert level_met(with_pod_context(seccompProfile=None)) is PodSecurityLevel.BASELINE


def test_a_container_seccomp_profile_stands_in_for_the_pods() -> None:
    spec = with_pod_context(seccompProfile=None)
    spec["containers"][0]["securityContext"]["seccompProfile"] = {"type": "Localhost", "localhostProfile": "p"}
    assert level_met(spec) is PodSecurityLevel.RESTRICTED


def test_running_as_root_is_baseline() -> None:
    assert level_met(with_pod_context(runAsNonRoot=None)) is PodSecurityLevel.BASELINE
    assert level_met(with_container_context(runAsNonRoot=False)) is PodSecurityLevel.BASELINE


def test_a_container_run_as_non_root_stands_in_for_the_pods() -> None:
    spec = with_pod_context(runAsNonRoot=None)
    spec["containers"][0]["securityContext"]["runAsNonRoot"] = True
    assert level_met(spec) is PodSecurityLevel.RESTRICTED


def test_user_id_zero_is_baseline() -> None:
    assert level_met(with_pod_context(runAsUser=0)) is PodSecurityLevel.BASELINE
    assert level_met(with_container_context(runAsUser=0)) is PodSecurityLevel.BASELINE


def test_privilege_escalation_not_set_false_is_baseline() -> None:
    assert level_met(with_container_context(allowPrivilegeEscalation=None)) is PodSecurityLevel.BASELINE
    assert level_met(with_container_context(allowPrivilegeEscalation=True)) is PodSecurityLevel.BASELINE


@pytest.mark.parametrize("source", ["persistentVolumeClaim", "projected", "secret", "downwardAPI", "csi", "ephemeral"])
def test_core_volume_types_are_restricted(source: str) -> None:
    assert level_met(pod(volumes=[{"name": "v", source: {}}])) is PodSecurityLevel.RESTRICTED


@pytest.mark.parametrize("source", ["nfs", "awsElasticBlockStore", "gitRepo"])
def test_other_volume_types_are_baseline(source: str) -> None:
    assert level_met(pod(volumes=[{"name": "v", source: {}}])) is PodSecurityLevel.BASELINE


def test_an_unsafe_sysctl_is_privileged() -> None:
    unsafe = with_pod_context(sysctls=[{"name": "kernel.msgmax", "value": "65536"}])
    safe = with_pod_context(sysctls=[{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}])
    assert (level_met(unsafe), level_met(safe)) == (PodSecurityLevel.PRIVILEGED, PodSecurityLevel.RESTRICTED)


def test_an_unmasked_proc_mount_is_privileged() -> None:
    assert level_met(with_container_context(procMount="Unmasked")) is PodSecurityLevel.PRIVILEGED
    assert level_met(with_container_context(procMount="Default")) is PodSecurityLevel.RESTRICTED


def test_an_unconfined_app_armor_profile_is_privileged() -> None:
    spec = with_container_context(appArmorProfile={"type": "Unconfined"})
    assert level_met(spec) is PodSecurityLevel.PRIVILEGED
    assert level_met(with_pod_context(appArmorProfile={"type": "RuntimeDefault"})) is PodSecurityLevel.RESTRICTED


def test_an_unconfined_app_armor_annotation_is_privileged() -> None:
    key = "container.apparmor.security.beta.kubernetes.io/app"
    assert level_met(RESTRICTED_POD, {key: "unconfined"}) is PodSecurityLevel.PRIVILEGED
    assert level_met(RESTRICTED_POD, {key: "runtime/default"}) is PodSecurityLevel.RESTRICTED


def test_a_custom_selinux_type_user_or_role_is_privileged() -> None:
    for options in ({"type": "spc_t"}, {"user": "system_u"}, {"role": "system_r"}):
        assert level_met(with_container_context(seLinuxOptions=options)) is PodSecurityLevel.PRIVILEGED, options
    assert level_met(with_pod_context(seLinuxOptions={"type": "container_t"})) is PodSecurityLevel.RESTRICTED


def test_a_probe_to_another_host_is_privileged() -> None:
    spec = pod()
    spec["containers"][0]["livenessProbe"] = {"httpGet": {"host": "169.254.169.254", "port": 80}}
    assert level_met(spec) is PodSecurityLevel.PRIVILEGED


def test_a_namespace_admits_pods_at_or_above_its_level() -> None:
    assert admits(PodSecurityLevel.BASELINE, PodSecurityLevel.RESTRICTED)
    assert admits(PodSecurityLevel.BASELINE, PodSecurityLevel.BASELINE)
    assert not admits(PodSecurityLevel.BASELINE, PodSecurityLevel.PRIVILEGED)


def test_the_weakest_level_of_no_pods_is_restricted() -> None:
    assert weakest([]) is PodSecurityLevel.RESTRICTED
    assert weakest([PodSecurityLevel.RESTRICTED, PodSecurityLevel.BASELINE]) is PodSecurityLevel.BASELINE


# --- the shipped stacks ------------------------------------------------------------------------------------


def apps_stacks(all_stacks: list[SynthesizedStack]) -> list[SynthesizedStack]:
    return [stack for stack in all_stacks if stack.name.endswith("-apps")]


def created_namespaces(stack: SynthesizedStack) -> dict[str, tuple[str, Mapping[str, str]]]:
    """Name -> (address, labels) of every namespace the stack creates."""
    return {
        body["metadata"]["name"]: (f"{NAMESPACE}.{key}", body["metadata"].get("labels") or {})
        for key, body in stack.json.get("resource", {}).get(NAMESPACE, {}).items()
    }


def enforced(stack: SynthesizedStack) -> dict[str, PodSecurityLevel]:
    return {
        name: PodSecurityLevel(labels[f"{LABEL}enforce"])
        for name, (_, labels) in created_namespaces(stack).items()
        if f"{LABEL}enforce" in labels
    }


def waits_for(stack: SynthesizedStack, address: str) -> set[str]:
    """Every address `address` waits for, directly or through others."""
    resources = {
        f"{kind}.{key}": set(body.get("depends_on") or [])
        for kind, bodies in stack.json.get("resource", {}).items()
        for key, body in bodies.items()
    }
    seen: set[str] = set()
    pending = [address]
    while pending:
        for dependency in resources.get(pending.pop(), set()) - seen:
            seen.add(dependency)
            pending.append(dependency)
    return seen


def test_no_shipped_stack_creates_a_namespace_twice(all_stacks: list[SynthesizedStack]) -> None:
    for stack in apps_stacks(all_stacks):
        names = [body["metadata"]["name"] for body in stack.resources(NAMESPACE)]
        assert len(names) == len(set(names)), stack.name


def test_every_release_installs_into_a_namespace_the_stack_labels_and_creates_first(
    all_stacks: list[SynthesizedStack],
) -> None:
    checked = 0
    for stack in apps_stacks(all_stacks):
        created = created_namespaces(stack)
        assert not CLUSTER_NAMESPACES & set(created), stack.name
        for key, release in stack.json["resource"]["helm_release"].items():
            where = f"{stack.name}/{release['name']}"
            assert release.get("create_namespace") is not True, where
            if release["namespace"] in CLUSTER_NAMESPACES:
                continue
            address, labels = created[release["namespace"]]
            assert labels[f"{LABEL}warn"] == labels[f"{LABEL}audit"] == "restricted", where
            assert labels[f"{LABEL}enforce"] in set(PodSecurityLevel), where
            assert address in waits_for(stack, f"helm_release.{key}"), where
            checked += 1
    assert checked  # the loop saw releases


def pod_levels(stack: RenderedStack) -> dict[str, list[tuple[str, PodSecurityLevel]]]:
    """Per namespace, each of our pods there (rendered, then run-time ones per release) and the level it meets."""
    levels: dict[str, list[tuple[str, PodSecurityLevel]]] = {}
    for template in pod_templates(stack):
        levels.setdefault(template.namespace, []).append(
            (template.label, level_met(template.spec, template.annotations))
        )
    for release in stack.releases:
        for entry in RUN_TIME_PODS:
            if entry["chart"] == release.input.chart:
                what = f"{release.input.label}: pods its operator creates"
                namespace = entry.get("namespace", release.input.namespace)
                levels.setdefault(namespace, []).append((what, PodSecurityLevel(entry["level"])))
    return levels


def test_no_namespace_refuses_one_of_our_pods(rendered: list[RenderedStack]) -> None:
    refused = []
    for stack in rendered:
        namespaces = enforced(stack.apps)
        for namespace, pods in pod_levels(stack).items():
            if namespace in CLUSTER_NAMESPACES:
                continue
            assert namespace in namespaces, f"{stack.name}: {namespace} is not created with a Pod Security level"
            refused += [
                f"{what} meets {level}, {namespace} enforces {namespaces[namespace]}"
                for what, level in pods
                if not admits(namespaces[namespace], level)
            ]
    assert refused == []


def test_every_namespace_enforces_the_weakest_level_its_pods_meet(rendered: list[RenderedStack]) -> None:
    loose = []
    for stack in rendered:
        namespaces = enforced(stack.apps)
        for namespace, pods in pod_levels(stack).items():
            if namespace in CLUSTER_NAMESPACES:
                continue
            expected = weakest([level for _, level in pods])
            if namespaces[namespace] is not expected:
                loose.append(f"{stack.name}: {namespace} enforces {namespaces[namespace]}, its pods meet {expected}")
    assert loose == []


def test_the_shipped_stacks_hold_pods_of_every_level(rendered: list[RenderedStack]) -> None:
    # the two checks above see pods of every level: neither passes for want of a case
    met = {level for stack in rendered for pods in pod_levels(stack).values() for _, level in pods}
    assert met == set(PodSecurityLevel)


def test_prometheus_pods_the_operator_creates_are_restricted(rendered: list[RenderedStack]) -> None:
    # The pod's context is the Prometheus resource's; each container's is the operator's fixed one.
    operator_container = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    resources = [item for stack in rendered for r in stack.releases for item in r.of_kind("Prometheus")]
    assert resources
    for resource in resources:
        spec = {
            "securityContext": resource["spec"]["securityContext"],
            "initContainers": [{"name": "init-config-reloader", "securityContext": operator_container}],
            "containers": [
                {"name": name, "securityContext": operator_container} for name in ("prometheus", "config-reloader")
            ],
        }
        assert restricted_violations(spec) == []


def test_the_agentgateway_proxy_meets_the_level_recorded_for_it() -> None:
    # The pod agentgateway@v1.4.1's controller deploys per Gateway (controller/pkg/helm/agentgateway/templates/
    # _helpers.tpl podTemplate), with the contexts its deployer test data shows (controller/test/deployer/testdata)
    proxy = {
        "securityContext": {"sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]},
        "containers": [
            {
                "name": "agentgateway",
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"]},
                    "readOnlyRootFilesystem": True,
                    "runAsNonRoot": True,
                    "runAsUser": 10101,
                },
            }
        ],
        "volumes": [
            {"name": "config-volume", "configMap": {"name": "gateway"}},
            {"name": "xds-token", "projected": {}},
            {"name": "tmp", "emptyDir": {}},
        ],
    }
    (entry,) = [entry for entry in RUN_TIME_PODS if entry["chart"] == charts.AGENTGATEWAY.chart]
    assert level_met(proxy) is PodSecurityLevel(entry["level"])


def test_the_run_time_pods_name_pinned_chart_versions_and_a_source() -> None:
    pins = {(pin.chart, pin.version) for pin in vars(charts).values() if isinstance(pin, ChartPin)}
    for entry in RUN_TIME_PODS:
        assert (entry["chart"], entry["version"]) in pins, entry
        assert len(entry["source"]) > 40, entry
        assert entry["level"] in set(PodSecurityLevel), entry
