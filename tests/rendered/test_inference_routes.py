"""`apps.vllm.routing: gateway` as Helm renders it, for every shipped stack in that mode (one per cloud, two models
each): each model's llm-d-router-gateway release renders with the pinned chart and validates against the Kubernetes
schema and the CRDs the stack applies or its cluster brings (tests/support/cluster_crds.py), and the chain holds:

  HTTPRoute (matching the model's served name) -> parentRef: the Gateway the stack renders
               -> backendRef: the model's InferencePool -> selector: exactly that model's engine pods,
                                                            targetPorts: ports those pods listen on.

A pool that selects no pod, the router, or another model's engines fails (the checker's own tests show it). Then the
vllm NetworkPolicies of these stacks against the connections the rendered objects need, as test_vllm_flows.py does
for the router: the Gateway's proxies to each EPP and to the engines, the EPPs to the engines, the API server and
kube-dns, Prometheus to the EPPs; and nothing else into the EPPs or straight into the engines.
"""

from __future__ import annotations

import copy
import dataclasses
import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from apps.inference_gateway import BASE_MODEL_HEADER, epp_workload, gateway_enabled, pool_name
from apps.monitoring import PROMETHEUS_SERVICE
from catalogue.charts import AGENTGATEWAY, KUBE_PROMETHEUS_STACK, LLM_D_ROUTER_GATEWAY, VLLM_STACK
from catalogue.gateway import GATEWAY_NAME, GATEWAY_NAMESPACE, GKE_PROXY_ONLY_CIDR, GOOGLE_HEALTH_CHECK_CIDRS
from catalogue.node_sizes import Cloud
from spec.environment import Environment
from tests.support.cluster_crds import gke_policy_crds
from tests.support.network_policy import Connection, External, Pod, from_terraform, let_through, refused
from tests.support.rendering import RenderedRelease, RenderedStack, object_problems, pod_requests
from tests.support.terraform_tools import shipped_environment_files
from validation.loader import load_environment_file

pytestmark = pytest.mark.slow(seconds=20)  # the start order: tests/conftest.py

Object = Mapping[str, Any]
ENVIRONMENTS: dict[str, Environment] = {
    environment.apps_stack_name: environment
    for environment in (load_environment_file(path).environment for path in shipped_environment_files())
    if gateway_enabled(environment)
}
GATEWAY_STACKS = sorted(ENVIRONMENTS)
POOL_GROUP = "inference.networking.k8s.io"
GATEWAY_GROUP = "gateway.networking.k8s.io"
KUBE_DNS = Pod("kube-dns", "kube-system", {"k8s-app": "kube-dns"})
CLIENT_POD = Pod("client", "default", {"app": "client"})
API_SERVER = External("Kubernetes API", "10.0.0.10")
METADATA = External("metadata server", "169.254.169.254")
LOAD_BALANCER_CLIENT = External("a client of the Gateway's load balancer", "10.1.2.3")
STRANGER = External("an address of the internet", "198.51.100.20")
GKE_PROXY = External("GKE's Gateway proxy", str(next(ipaddress.ip_network(GKE_PROXY_ONLY_CIDR).hosts())))
HEALTH_CHECKS = [
    External(f"Google health check {cidr}", str(next(ipaddress.ip_network(cidr).hosts())))
    for cidr in GOOGLE_HEALTH_CHECK_CIDRS
]
# agentgateway's proxy pod for our Gateway, as its controller labels it (the controller makes it at run time).
PROXY = Pod(
    GATEWAY_NAME,
    GATEWAY_NAMESPACE,
    {
        "app.kubernetes.io/name": GATEWAY_NAME,
        "app.kubernetes.io/instance": GATEWAY_NAME,
        "gateway.networking.k8s.io/gateway-name": GATEWAY_NAME,
        "gateway.networking.k8s.io/gateway-class-name": "agentgateway",
    },
)
# vllm-stack 0.1.12's router pod labels (templates/_helpers.tpl chart.routerStandardLabels), for the negative cases.
ROUTER_POD = Pod(
    "vllm-stack-deployment-router",
    VLLM_STACK.namespace,
    {
        "app.kubernetes.io/name": "router",
        "app.kubernetes.io/instance": VLLM_STACK.release,
        "app.kubernetes.io/component": "router",
        "app.kubernetes.io/part-of": VLLM_STACK.chart,
        "app.kubernetes.io/managed-by": "helm",
    },
    {"router-port": 8000},
)


# --- the rendered objects --------------------------------------------------------------------------------------


def stack_named(rendered: list[RenderedStack], name: str) -> RenderedStack:
    (stack,) = [stack for stack in rendered if stack.name == name]
    return stack


def in_namespace(release: RenderedRelease, kind: str) -> list[Object]:
    """The release's objects of a kind, each with the namespace Helm installs it into."""
    return [
        {
            **item,
            "metadata": {**item["metadata"], "namespace": item["metadata"].get("namespace") or release.input.namespace},
        }
        for item in release.of_kind(kind)
    ]


def objects(stack: RenderedStack, kind: str) -> list[Object]:
    return [item for release in stack.releases for item in in_namespace(release, kind)]


def pod_of(workload: Object) -> Pod:
    """One pod of a Deployment: its template's labels and its containers' ports by name (and by number)."""
    template = workload["spec"]["template"]
    ports = {
        str(port.get("name", port["containerPort"])): int(port["containerPort"])
        for container in template["spec"]["containers"]
        for port in container.get("ports") or []
    }
    labels = template.get("metadata", {}).get("labels") or {}
    return Pod(workload["metadata"]["name"], workload["metadata"]["namespace"], labels, ports)


def pods(stack: RenderedStack) -> list[Pod]:
    return [pod_of(item) for kind in ("Deployment", "StatefulSet") for item in objects(stack, kind)]


def release_named(stack: RenderedStack, name: str) -> RenderedRelease:
    (release,) = [release for release in stack.releases if release.input.name == name]
    return release


def engine_pod(stack: RenderedStack, model: str) -> Pod:
    """The model's engine, by the Deployment vllm-stack names after it (templates/deployment-vllm-multi.yaml)."""
    (pod,) = [pod for pod in pods(stack) if pod.name == f"{VLLM_STACK.release}-{model}-deployment-vllm"]
    return pod


# --- the chain checker -----------------------------------------------------------------------------------------


def selects(selector: Mapping[str, str], pod: Pod) -> bool:
    return all(pod.labels.get(key) == value for key, value in selector.items())


def chain_problems(
    route: Object, *, served: str, gateways: Sequence[Object], pools: Sequence[Object], pods: Sequence[Pod], engine: Pod
) -> list[str]:
    """What keeps `route` from reaching exactly `engine`'s pods through its Gateway and InferencePool; [] when
    nothing does. `served` is the model name clients send, which the route must match on."""
    namespace = route["metadata"]["namespace"]
    problems = []
    parents = route["spec"].get("parentRefs") or []
    known = {(g["metadata"]["namespace"], g["metadata"]["name"]) for g in gateways}
    if not parents:
        problems.append("the route has no parentRef")
    for parent in parents:
        target = (parent.get("namespace", namespace), parent["name"])
        if (parent.get("group", GATEWAY_GROUP), parent.get("kind", "Gateway")) != (GATEWAY_GROUP, "Gateway"):
            problems.append(f"parentRef {parent} is no Gateway")
        elif target not in known:
            problems.append(f"parentRef {target} is no rendered Gateway")
    rules = route["spec"].get("rules") or []
    matches = [match for rule in rules for match in rule.get("matches") or []]
    headers = [{(h["name"].lower(), h["value"]) for h in match.get("headers") or []} for match in matches]
    if not matches or not all((BASE_MODEL_HEADER.lower(), served) in found for found in headers):
        problems.append(f"not every match of the route requires {BASE_MODEL_HEADER}: {served}")
    backends = [backend for rule in rules for backend in rule.get("backendRefs") or []]
    if not backends:
        problems.append("the route has no backendRef")
    by_name = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in pools}
    for backend in backends:
        if (backend.get("group"), backend.get("kind")) != (POOL_GROUP, "InferencePool"):
            problems.append(f"backendRef {backend['name']} is no InferencePool")
            continue
        pool = by_name.get((backend.get("namespace", namespace), backend["name"]))
        if pool is None:
            problems.append(f"backendRef {backend['name']} is no rendered InferencePool")
            continue
        problems += pool_problems(pool, pods=pods, engine=engine)
    return problems


def pool_problems(pool: Object, *, pods: Sequence[Pod], engine: Pod) -> list[str]:
    name, namespace = pool["metadata"]["name"], pool["metadata"]["namespace"]
    selector = pool["spec"]["selector"].get("matchLabels") or {}
    chosen = [pod for pod in pods if pod.namespace == namespace and selector and selects(selector, pod)]
    problems = [f"pool {name} selects {pod.name}, not {engine.name}" for pod in chosen if pod.name != engine.name]
    if not chosen:
        problems.append(f"pool {name} selects no pod")
    elif engine not in chosen:
        problems.append(f"pool {name} does not select {engine.name}")
    for target in pool["spec"].get("targetPorts") or []:
        if target["number"] not in engine.ports.values():
            problems.append(f"pool {name} targets port {target['number']}, {engine.name} listens on {engine.ports}")
    if not pool["spec"].get("targetPorts"):
        problems.append(f"pool {name} targets no port")
    return problems


def model_chain_problems(stack: RenderedStack, model_name: str) -> list[str]:
    environment = ENVIRONMENTS[stack.name]
    (model,) = [model for model in environment.apps.vllm.models if model.name == model_name]
    (route,) = in_namespace(release_named(stack, pool_name(model)), "HTTPRoute")
    return chain_problems(
        route,
        served=model.model,
        gateways=in_namespace(release_named(stack, GATEWAY_NAME), "Gateway"),
        pools=objects(stack, "InferencePool"),
        pods=pods(stack),
        engine=engine_pod(stack, model.name),
    )


# --- what renders ----------------------------------------------------------------------------------------------


def test_the_shipped_gateway_stacks_cover_every_cloud_with_two_models() -> None:
    assert {environment.cloud for environment in ENVIRONMENTS.values()} == set(Cloud)
    assert all(len(environment.apps.vllm.models) == 2 for environment in ENVIRONMENTS.values())
    assert any(environment.apps.monitoring.enabled for environment in ENVIRONMENTS.values())


@pytest.mark.parametrize("name", GATEWAY_STACKS)
def test_every_pool_release_renders_with_the_pinned_chart(name: str, rendered: list[RenderedStack]) -> None:
    stack = stack_named(rendered, name)
    models = ENVIRONMENTS[name].apps.vllm.models
    pools = [release for release in stack.releases if release.input.chart == LLM_D_ROUTER_GATEWAY.chart]
    assert sorted(release.input.name for release in pools) == sorted(pool_name(model) for model in models)
    assert {release.input.version for release in pools} == {LLM_D_ROUTER_GATEWAY.version}
    assert [f"{release.input.name}: {release.error}" for release in pools if release.error] == []
    for release in pools:
        assert {item["kind"] for item in release.objects} >= {"InferencePool", "HTTPRoute", "Deployment", "Service"}


@pytest.mark.parametrize("name", GATEWAY_STACKS)
def test_the_gateway_and_pools_validate_against_the_schemas_and_crds(name: str, rendered: list[RenderedStack]) -> None:
    stack = stack_named(rendered, name)
    ours = {GATEWAY_NAME, *(pool_name(model) for model in ENVIRONMENTS[name].apps.vllm.models)}
    problems = [p for p in object_problems(stack) if p.split(": ", 1)[0].split("/", 1)[1] in ours]
    assert problems == []
    kinds = {item["kind"] for release in stack.releases if release.input.name in ours for item in release.objects}
    assert {"Gateway", "HTTPRoute", "InferencePool"} <= kinds  # each validated against a CRD, none skipped
    if stack.cloud is Cloud.GOOGLE:
        assert {"HealthCheckPolicy", "GCPBackendPolicy"} <= kinds


def test_gke_s_policy_crds_are_served_only_where_gke_runs_its_gateway(rendered: list[RenderedStack]) -> None:
    for stack in rendered:
        kinds = {crd["spec"]["names"]["kind"] for crd in gke_policy_crds(stack.cluster)}
        gke_gateway = stack.name in ENVIRONMENTS and stack.cloud is Cloud.GOOGLE
        assert (kinds == {"HealthCheckPolicy", "GCPBackendPolicy"}) is gke_gateway, stack.name
        assert (kinds == set()) is not gke_gateway, stack.name


# --- the chain: route -> Gateway -> pool -> exactly one model's engines ----------------------------------------


@pytest.mark.parametrize("name", GATEWAY_STACKS)
def test_each_model_s_route_reaches_exactly_its_engines(name: str, rendered: list[RenderedStack]) -> None:
    stack = stack_named(rendered, name)
    for model in ENVIRONMENTS[name].apps.vllm.models:
        assert model_chain_problems(stack, model.name) == [], model.name


@pytest.mark.parametrize("name", GATEWAY_STACKS)
def test_no_router_renders_beside_the_gateway(name: str, rendered: list[RenderedStack]) -> None:
    vllm = release_named(stack_named(rendered, name), VLLM_STACK.release)
    assert not [item for item in vllm.objects if "router" in item["metadata"]["name"]]


def test_a_route_checked_against_another_model_s_engine_fails(rendered: list[RenderedStack]) -> None:
    stack = stack_named(rendered, GATEWAY_STACKS[0])
    first, second = ENVIRONMENTS[stack.name].apps.vllm.models
    (route,) = in_namespace(release_named(stack, pool_name(first)), "HTTPRoute")
    problems = chain_problems(
        route,
        served=first.model,
        gateways=in_namespace(release_named(stack, GATEWAY_NAME), "Gateway"),
        pools=objects(stack, "InferencePool"),
        pods=pods(stack),
        engine=engine_pod(stack, second.name),
    )
    assert f"pool {pool_name(first)} selects {engine_pod(stack, first.name).name}, not " in problems[0]


# The checker on made-up objects, one fault each.


def engine_labels_for(model: str) -> dict[str, str]:
    return {"model": model, "helm-release-name": VLLM_STACK.release}


def made_up_engine(model: str) -> Pod:
    labels = {**engine_labels_for(model), "app.kubernetes.io/component": "serving-engine"}
    return Pod(f"vllm-stack-{model}-deployment-vllm", "vllm", labels, {"container-port": 8000})


GATEWAY: dict[str, Any] = {"metadata": {"name": GATEWAY_NAME, "namespace": GATEWAY_NAMESPACE}}
POOL: dict[str, Any] = {
    "metadata": {"name": "llm-d-router-a", "namespace": "vllm"},
    "spec": {
        "selector": {"matchLabels": {"model": "a", "helm-release-name": "vllm-stack"}},
        "targetPorts": [{"number": 8000}],
    },
}
ROUTE: dict[str, Any] = {
    "metadata": {"name": "llm-d-router-a", "namespace": "vllm"},
    "spec": {
        "parentRefs": [
            {"group": GATEWAY_GROUP, "kind": "Gateway", "name": GATEWAY_NAME, "namespace": GATEWAY_NAMESPACE}
        ],
        "rules": [
            {
                "backendRefs": [{"group": POOL_GROUP, "kind": "InferencePool", "name": "llm-d-router-a"}],
                "matches": [
                    {
                        "path": {"type": "PathPrefix", "value": "/"},
                        "headers": [{"type": "Exact", "name": BASE_MODEL_HEADER, "value": "org/a"}],
                    }
                ],
            }
        ],
    },
}
PODS = [made_up_engine("a"), made_up_engine("b"), ROUTER_POD]


def made_up(route: Object = ROUTE, pool: Object = POOL, pods: Sequence[Pod] = PODS) -> list[str]:
    return chain_problems(
        route, served="org/a", gateways=[GATEWAY], pools=[pool], pods=pods, engine=made_up_engine("a")
    )


def with_selector(labels: dict[str, str]) -> dict[str, Any]:
    pool = copy.deepcopy(dict(POOL))
    pool["spec"]["selector"]["matchLabels"] = labels
    return pool


def test_the_checker_passes_the_made_up_chain() -> None:
    assert made_up() == []


def test_a_pool_that_selects_no_pod_fails() -> None:
    assert made_up(pool=with_selector({"model": "c"})) == ["pool llm-d-router-a selects no pod"]


def test_a_pool_that_selects_the_router_fails() -> None:
    problems = made_up(
        pool=with_selector({"app.kubernetes.io/instance": VLLM_STACK.release, "app.kubernetes.io/name": "router"})
    )
    assert f"pool llm-d-router-a selects {ROUTER_POD.name}, not vllm-stack-a-deployment-vllm" in problems


def test_a_pool_that_selects_every_engine_fails() -> None:
    problems = made_up(pool=with_selector({"app.kubernetes.io/component": "serving-engine"}))
    assert problems == ["pool llm-d-router-a selects vllm-stack-b-deployment-vllm, not vllm-stack-a-deployment-vllm"]


def test_a_pool_with_an_empty_selector_selects_nothing_here() -> None:
    assert made_up(pool=with_selector({})) == ["pool llm-d-router-a selects no pod"]


def test_a_pool_on_a_port_the_engine_does_not_listen_on_fails() -> None:
    pool = copy.deepcopy(dict(POOL))
    pool["spec"]["targetPorts"] = [{"number": 8080}]
    assert made_up(pool=pool) == [
        "pool llm-d-router-a targets port 8080, vllm-stack-a-deployment-vllm listens on {'container-port': 8000}"
    ]


def test_a_route_to_another_gateway_fails() -> None:
    route = copy.deepcopy(dict(ROUTE))
    route["spec"]["parentRefs"][0]["name"] = "other"
    assert made_up(route=route) == ["parentRef ('vllm', 'other') is no rendered Gateway"]


def test_a_route_to_another_backend_fails() -> None:
    route = copy.deepcopy(dict(ROUTE))
    route["spec"]["rules"][0]["backendRefs"] = [{"group": "", "kind": "Service", "name": "vllm-stack-a-engine-service"}]
    assert made_up(route=route) == ["backendRef vllm-stack-a-engine-service is no InferencePool"]
    route["spec"]["rules"][0]["backendRefs"] = [
        {"group": POOL_GROUP, "kind": "InferencePool", "name": "llm-d-router-b"}
    ]
    assert made_up(route=route) == ["backendRef llm-d-router-b is no rendered InferencePool"]


def test_a_route_that_does_not_match_the_model_s_name_fails() -> None:
    route = copy.deepcopy(dict(ROUTE))
    del route["spec"]["rules"][0]["matches"][0]["headers"]
    assert made_up(route=route) == [f"not every match of the route requires {BASE_MODEL_HEADER}: org/a"]


# --- capacity: each pool's EPP is the one the capacity plan counts -------------------------------------------


@pytest.mark.parametrize("name", GATEWAY_STACKS)
def test_each_pool_renders_the_endpoint_picker_the_capacity_plan_counts(
    name: str, rendered: list[RenderedStack]
) -> None:
    stack = stack_named(rendered, name)
    for model in ENVIRONMENTS[name].apps.vllm.models:
        release = release_named(stack, pool_name(model))
        (deployment,) = release.of_kind("Deployment")
        requests, problems = pod_requests(deployment["spec"]["template"]["spec"])
        declared = epp_workload(model)
        assert problems == []
        assert (deployment["metadata"]["name"], deployment["spec"].get("replicas", 1)) == (
            declared.name,
            declared.replicas,
        )
        assert (requests.cpu_millicores, requests.memory_bytes // 2**20, requests.gpus) == (
            declared.cpu_m,
            declared.memory_mi,
            0,
        )
        assert not [kind for kind in ("StatefulSet", "DaemonSet") if release.of_kind(kind)]


# --- the vllm NetworkPolicies of gateway mode --------------------------------------------------------------------


def service_targets(service: Object, port_name: str, candidates: Sequence[Pod]) -> list[tuple[Pod, int]]:
    (port,) = [port for port in service["spec"]["ports"] if port["name"] == port_name]
    target = port.get("targetPort", port["port"])
    chosen = [
        pod
        for pod in candidates
        if pod.namespace == service["metadata"]["namespace"] and selects(service["spec"]["selector"], pod)
    ]
    return [(pod, target if isinstance(target, int) else pod.ports[target]) for pod in chosen]


@dataclasses.dataclass
class GatewayObjects:
    stack: RenderedStack
    pickers: list[tuple[Pod, int]]  # each EPP and its ext_proc port, behind its Service
    health: list[tuple[Pod, int]]  # each EPP and its gRPC health port
    engines: list[tuple[Pod, int]]  # each engine and the port its pool targets
    scraped: list[tuple[Pod, int]]  # each EPP and the port its ServiceMonitor scrapes
    controller: list[tuple[Pod, int]]  # agentgateway's controller and its xDS port
    others: list[Pod]  # every other rendered pod of the stack


def gateway_objects(stack: RenderedStack) -> GatewayObjects:
    everyone = pods(stack)
    epp_services = [
        s for s in objects(stack, "Service") if any(p["name"] == "grpc-ext-proc" for p in s["spec"]["ports"])
    ]
    pickers = [target for service in epp_services for target in service_targets(service, "grpc-ext-proc", everyone)]
    engines = []
    for pool in objects(stack, "InferencePool"):
        selector = pool["spec"]["selector"]["matchLabels"]
        for pod in everyone:
            if selects(selector, pod):
                engines += [(pod, target["number"]) for target in pool["spec"]["targetPorts"]]
    monitors = [m for m in objects(stack, "ServiceMonitor") if m["metadata"]["namespace"] == GATEWAY_NAMESPACE]
    scraped = [
        target
        for monitor in monitors
        for service in epp_services
        if all(
            (service["metadata"].get("labels") or {}).get(k) == v
            for k, v in monitor["spec"]["selector"]["matchLabels"].items()
        )
        for endpoint in monitor["spec"]["endpoints"]
        for target in service_targets(service, endpoint["port"], everyone)
    ]
    controller = [
        target
        for service in objects(stack, "Service")
        if service["metadata"]["namespace"] == AGENTGATEWAY.namespace
        and any(p["name"] == "grpc-xds-agw" for p in service["spec"]["ports"])
        for target in service_targets(service, "grpc-xds-agw", everyone)
    ]
    chosen = {pod.name for pod, _ in [*pickers, *engines]}
    return GatewayObjects(
        stack=stack,
        pickers=pickers,
        health=[(pod, pod.ports["grpc-health"]) for pod, _ in pickers],
        engines=engines,
        scraped=scraped,
        controller=controller,
        others=[pod for pod in everyone if pod.name not in chosen],
    )


def prometheus(stack: RenderedStack) -> Pod:
    (service,) = [s for s in objects(stack, "Service") if s["metadata"]["name"] == PROMETHEUS_SERVICE]
    return Pod("prometheus", KUBE_PROMETHEUS_STACK.namespace, service["spec"]["selector"])


def needed(found: GatewayObjects) -> list[Connection]:
    pickers = [pod for pod, _ in found.pickers]
    connections = [Connection(pod, engine, port) for pod in pickers for engine, port in found.engines]
    connections += [Connection(pod, API_SERVER, 443) for pod in pickers]
    connections += [Connection(pod, KUBE_DNS, 53, protocol) for pod in pickers for protocol in ("UDP", "TCP")]
    if found.scraped:
        connections += [Connection(prometheus(found.stack), pod, port) for pod, port in found.scraped]
    if found.stack.cloud is Cloud.GOOGLE:
        connections += [Connection(GKE_PROXY, pod, port) for pod, port in [*found.pickers, *found.engines]]
        connections += [
            Connection(check, pod, port) for check in HEALTH_CHECKS for pod, port in [*found.health, *found.engines]
        ]
        return connections
    assert found.controller, f"{found.stack.name}: no agentgateway controller rendered"
    connections.append(Connection(LOAD_BALANCER_CLIENT, PROXY, 80))
    connections += [Connection(PROXY, pod, port) for pod, port in [*found.pickers, *found.engines, *found.controller]]
    connections += [Connection(PROXY, KUBE_DNS, 53, protocol) for protocol in ("UDP", "TCP")]
    return connections


def unneeded(found: GatewayObjects) -> list[Connection]:
    """Around the Gateway: straight to an EPP or an engine from a client, another app or the internet."""
    targets = [*found.pickers, *found.engines]
    connections = [Connection(CLIENT_POD, pod, port) for pod, port in targets]
    connections += [Connection(STRANGER, pod, port) for pod, port in targets]
    connections += [
        Connection(other, pod, port)
        for other in found.others
        if other.namespace != GATEWAY_NAMESPACE
        for pod, port in found.pickers
    ]
    connections += [Connection(pod, METADATA, 80) for pod, _ in found.pickers]
    connections += [Connection(pod, CLIENT_POD, 8080) for pod, _ in found.pickers]
    if found.stack.cloud is not Cloud.GOOGLE:
        connections += [Connection(PROXY, CLIENT_POD, 8080), Connection(CLIENT_POD, PROXY, 8080)]
    return connections


def policies(stack: RenderedStack) -> list[dict[str, Any]]:
    return [from_terraform(resource) for resource in stack.apps.resources("kubernetes_network_policy_v1")]


@pytest.mark.parametrize("name", GATEWAY_STACKS)
def test_every_connection_the_gateway_needs_is_allowed(name: str, rendered: list[RenderedStack]) -> None:
    found = gateway_objects(stack_named(rendered, name))
    assert found.pickers
    assert found.engines
    assert refused(policies(found.stack), needed(found)) == []


@pytest.mark.parametrize("name", GATEWAY_STACKS)
def test_connections_around_the_gateway_are_dropped(name: str, rendered: list[RenderedStack]) -> None:
    found = gateway_objects(stack_named(rendered, name))
    assert let_through(policies(found.stack), unneeded(found)) == []


def test_without_the_pickers_policy_the_gateway_cannot_reach_them(rendered: list[RenderedStack]) -> None:
    found = gateway_objects(stack_named(rendered, GATEWAY_STACKS[0]))
    kept = [policy for policy in policies(found.stack) if policy["metadata"]["name"] != "allow-endpoint-pickers"]
    assert refused(kept, needed(found))
