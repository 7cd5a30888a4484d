"""The vllm NetworkPolicies each shipped apps stack synthesises (apps/vllm/install/network_policies.py), against what
Helm renders for that stack: every connection the rendered objects need is allowed, and connections nothing needs are
dropped. The needs are read from the rendered objects, not from apps/vllm/flows.py:

- the router to each engine Service's target port (it sends requests to the engine pods' IPs on that port);
- Prometheus to the port behind each endpoint of each ServiceMonitor in vllm, where the stack has monitoring;
- every vllm pod to kube-dns on UDP and TCP 53, the router to the API server and the engines to Hugging Face on 443;
- a client pod of another namespace to the router Service's target port;
- the model cache's download Jobs (synthesised, not rendered: the apps stack creates them) to Hugging Face on 443,
  and on GKE every pod that mounts the bucket through Cloud Storage FUSE to the GKE metadata server.

Policies are evaluated by tests/support/network_policy.py (its own tests: test_network_policy_checks.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from apps.monitoring import PROMETHEUS_SERVICE
from apps.vllm.install import ROUTER_SERVICE
from catalogue.charts import KUBE_PROMETHEUS_STACK, VLLM_STACK
from catalogue.node_sizes import Cloud
from tests.support.network_policy import Connection, External, Pod, from_terraform, let_through, refused
from tests.support.rendering import RenderedRelease, RenderedStack
from tests.support.terraform_tools import shipped_environment_files
from validation.loader import load_environment_file

pytestmark = pytest.mark.slow(seconds=25)  # the start order: tests/conftest.py

Object = Mapping[str, Any]
VLLM_STACKS = sorted(
    environment.apps_stack_name
    for environment in (load_environment_file(path).environment for path in shipped_environment_files())
    if environment.apps.vllm.enabled and environment.apps.vllm.routing == "router"  # gateway: test_inference_routes.py
)
ENGINE_SERVICE_SUFFIX = "-engine-service"  # vllm-stack 0.1.12 templates/service-vllm.yaml line 38
ENGINE_PORT_NAME = "service-port"  # the port the engines' ServiceMonitor scrapes and the router's traffic uses
ROUTER_PORT_NAME = "router-sport"
# CoreDNS on EKS and AKS and kube-dns on GKE all carry this label, in kube-system.
KUBE_DNS = Pod("kube-dns", "kube-system", {"k8s-app": "kube-dns"})
CLIENT = Pod("client", "default", {"app": "client"})
API_SERVER = External("Kubernetes API", "10.0.0.10")  # a private endpoint in the cluster's network
HUGGING_FACE = External("huggingface.co", "198.51.100.20")
# On EKS and AKS the instance metadata service answers here, with the node's own identity; on GKE the GKE metadata
# server, with the pod's own Workload Identity.
METADATA = External("metadata server", "169.254.169.254")
# GKE's Cloud Storage FUSE driver injects its sidecar into pods with this annotation; the sidecar takes the pod's token.
FUSE_ANNOTATION = "gke-gcsfuse/volumes"


# --- the stack's objects ---------------------------------------------------------------------------------------


def stack_named(rendered: list[RenderedStack], name: str) -> RenderedStack:
    (stack,) = [stack for stack in rendered if stack.name == name]
    return stack


def release_of(stack: RenderedStack, chart: str) -> RenderedRelease | None:
    found = [release for release in stack.releases if release.input.chart == chart]
    return found[0] if found else None


def objects(release: RenderedRelease, kind: str) -> Iterator[Object]:
    """The release's objects of a kind, each in the namespace Helm installs it into."""
    for item in release.of_kind(kind):
        metadata = item.get("metadata", {})
        yield {**item, "metadata": {**metadata, "namespace": metadata.get("namespace") or release.input.namespace}}


def pods(release: RenderedRelease) -> list[Pod]:
    """One pod of each Deployment, with its template's labels and its containers' named ports."""
    found = []
    for deployment in objects(release, "Deployment"):
        template = deployment["spec"]["template"]
        ports = {
            port["name"]: port["containerPort"]
            for container in template["spec"]["containers"]
            for port in container.get("ports") or []
            if "name" in port
        }
        labels = template.get("metadata", {}).get("labels") or {}
        found.append(Pod(deployment["metadata"]["name"], deployment["metadata"]["namespace"], labels, ports))
    return found


def fuse_mounted(release: RenderedRelease) -> set[str]:
    """The Deployments whose pods mount a bucket through Cloud Storage FUSE."""
    return {
        deployment["metadata"]["name"]
        for deployment in objects(release, "Deployment")
        if (deployment["spec"]["template"].get("metadata", {}).get("annotations") or {}).get(FUSE_ANNOTATION) == "true"
    }


def download_jobs(stack: RenderedStack) -> list[tuple[Pod, bool]]:
    """A pod of each Job the apps stack creates in vllm, and whether it mounts a bucket through Cloud Storage FUSE."""
    found = []
    for job in stack.apps.resources("kubernetes_job_v1"):
        if job["metadata"]["namespace"] != VLLM_STACK.namespace:
            continue
        template = job["spec"]["template"]["metadata"]
        fuse = (template.get("annotations") or {}).get(FUSE_ANNOTATION) == "true"
        found.append((Pod(job["metadata"]["name"], VLLM_STACK.namespace, template.get("labels") or {}), fuse))
    return found


def selected(service: Object, candidates: list[Pod]) -> list[Pod]:
    selector = service["spec"].get("selector") or {}
    return [
        pod
        for pod in candidates
        if pod.namespace == service["metadata"]["namespace"]
        and all(pod.labels.get(key) == value for key, value in selector.items())
    ]


def targets(service: Object, port_name: str, candidates: list[Pod]) -> list[tuple[Pod, int]]:
    """Each pod behind the Service with the number its named Service port reaches on that pod."""
    (port,) = [port for port in service["spec"]["ports"] if port["name"] == port_name]
    target = port.get("targetPort", port["port"])
    return [(pod, target if isinstance(target, int) else pod.ports[target]) for pod in selected(service, candidates)]


class VllmObjects:
    def __init__(self, stack: RenderedStack) -> None:
        vllm = release_of(stack, VLLM_STACK.chart)
        assert vllm is not None, stack.name
        self.stack = stack
        self.pods = pods(vllm)
        self.services = list(objects(vllm, "Service"))
        self.monitors = list(objects(vllm, "ServiceMonitor"))
        (self.router_service,) = [s for s in self.services if s["metadata"]["name"] == ROUTER_SERVICE]
        (self.router,) = selected(self.router_service, self.pods)
        self.engine_services = [s for s in self.services if s["metadata"]["name"].endswith(ENGINE_SERVICE_SUFFIX)]
        self.engines = [pod for service in self.engine_services for pod in selected(service, self.pods)]
        self.fuse_mounted = [pod for pod in self.pods if pod.name in fuse_mounted(vllm)]
        self.jobs = download_jobs(stack)
        # Every other release's Deployments (Prometheus is the operator's StatefulSet, not among them).
        self.other_pods = [pod for release in stack.releases if release is not vllm for pod in pods(release)]
        monitoring = release_of(stack, KUBE_PROMETHEUS_STACK.chart)
        self.prometheus = None
        if monitoring:
            (service,) = [s for s in objects(monitoring, "Service") if s["metadata"]["name"] == PROMETHEUS_SERVICE]
            # the operator's pods, by the labels their Service selects them with
            self.prometheus = Pod("prometheus", service["metadata"]["namespace"], service["spec"]["selector"])

    def engine_ports(self, port_name: str) -> list[tuple[Pod, int]]:
        return [target for service in self.engine_services for target in targets(service, port_name, self.pods)]

    def scraped(self) -> list[tuple[Pod, int]]:
        """The pod and port behind each endpoint of each ServiceMonitor in vllm (it looks in its own namespace)."""
        found = []
        for monitor in self.monitors:
            match = monitor["spec"]["selector"].get("matchLabels") or {}
            services = [
                s
                for s in self.services
                if all((s["metadata"].get("labels") or {}).get(key) == value for key, value in match.items())
            ]
            assert services, f"{self.stack.name}: {monitor['metadata']['name']} selects no Service"
            for endpoint in monitor["spec"]["endpoints"]:
                found += [target for service in services for target in targets(service, endpoint["port"], self.pods)]
        return found


def policies(stack: RenderedStack) -> list[dict[str, Any]]:
    found = [from_terraform(resource) for resource in stack.apps.resources("kubernetes_network_policy_v1")]
    assert found, f"{stack.name}: no NetworkPolicy; apps/vllm/install install() must call install_network_policies"
    return found


def needed(vllm: VllmObjects) -> list[Connection]:
    connections = [Connection(vllm.router, engine, port) for engine, port in vllm.engine_ports(ENGINE_PORT_NAME)]
    if vllm.monitors:
        assert vllm.prometheus is not None, f"{vllm.stack.name}: ServiceMonitors and no Prometheus"
        connections += [Connection(vllm.prometheus, pod, port) for pod, port in vllm.scraped()]
    connections += [Connection(pod, KUBE_DNS, 53, protocol) for pod in vllm.pods for protocol in ("UDP", "TCP")]
    connections += [
        Connection(CLIENT, router, port) for router, port in targets(vllm.router_service, ROUTER_PORT_NAME, vllm.pods)
    ]
    connections.append(Connection(vllm.router, API_SERVER, 443))
    connections += [Connection(engine, HUGGING_FACE, 443) for engine in vllm.engines]
    for job, _ in vllm.jobs:
        connections += [Connection(job, KUBE_DNS, 53, protocol) for protocol in ("UDP", "TCP")]
        connections.append(Connection(job, HUGGING_FACE, 443))
    fuse = [*vllm.fuse_mounted, *(job for job, mounts in vllm.jobs if mounts)]
    connections += [Connection(pod, METADATA, 80) for pod in fuse]
    return connections


def unneeded(vllm: VllmObjects) -> list[Connection]:
    """Past the router straight to an engine, from a client or any other app's pod; ports no one serves on."""
    connections = [Connection(CLIENT, engine, port) for engine, port in vllm.engine_ports(ENGINE_PORT_NAME)]
    # the engines' KV-cache transfer ports and the router's LMCache port: no engine here is set up for them
    connections += [Connection(vllm.router, engine, port) for engine, port in vllm.engine_ports("zmq-port")]
    connections += [Connection(vllm.router, engine, port) for engine, port in vllm.engine_ports("ucx-port")]
    connections += [
        Connection(CLIENT, vllm.router, port) for _, port in targets(vllm.router_service, "lmcache-port", vllm.pods)
    ]
    connections += [Connection(engine, vllm.router, vllm.router.ports["router-port"]) for engine in vllm.engines]
    connections += [Connection(engine, CLIENT, 8080) for engine in vllm.engines]
    if vllm.stack.cloud is not Cloud.GOOGLE:
        connections += [Connection(pod, METADATA, 80) for pod in [*vllm.pods, *(job for job, _ in vllm.jobs)]]
    connections += [
        Connection(other, engine, port)
        for other in vllm.other_pods
        for engine, port in vllm.engine_ports(ENGINE_PORT_NAME)
    ]
    return connections


# --- the checks --------------------------------------------------------------------------------------------------


def test_the_shipped_stacks_with_vllm_cover_monitoring_and_the_model_cache(rendered: list[RenderedStack]) -> None:
    stacks = [VllmObjects(stack_named(rendered, name)) for name in VLLM_STACKS]
    assert any(vllm.engines and vllm.monitors for vllm in stacks)
    assert {vllm.stack.cloud for vllm in stacks if vllm.jobs} == set(Cloud)
    assert any(vllm.fuse_mounted and vllm.stack.cloud is Cloud.GOOGLE for vllm in stacks)
    for vllm in stacks:
        if vllm.monitors:  # the router's monitor and, with models, the engines'
            assert {pod.name for pod, _ in vllm.scraped()} == {pod.name for pod in [vllm.router, *vllm.engines]}


@pytest.mark.parametrize("name", VLLM_STACKS)
def test_every_connection_the_stack_needs_is_allowed(name: str, rendered: list[RenderedStack]) -> None:
    stack = stack_named(rendered, name)
    assert refused(policies(stack), needed(VllmObjects(stack))) == []


@pytest.mark.parametrize("name", VLLM_STACKS)
def test_connections_nothing_needs_are_dropped(name: str, rendered: list[RenderedStack]) -> None:
    stack = stack_named(rendered, name)
    assert let_through(policies(stack), unneeded(VllmObjects(stack))) == []


def test_without_the_engines_policy_the_router_cannot_reach_them(rendered: list[RenderedStack]) -> None:
    vllm = next(vllm for vllm in (VllmObjects(stack_named(rendered, n)) for n in VLLM_STACKS) if vllm.engines)
    kept = [policy for policy in policies(vllm.stack) if policy["metadata"]["name"] != "allow-engines"]
    engine, port = vllm.engine_ports(ENGINE_PORT_NAME)[0]
    assert f"dropped: {Connection(vllm.router, engine, port)}" in refused(kept, needed(vllm))
