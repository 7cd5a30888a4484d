"""The vLLM Production Stack into vllm: the router, and one engine Deployment per model of `apps.vllm.models`.

With `apps.vllm.routing: gateway` the router is off and apps/inference_gateway routes to the same engines."""

from __future__ import annotations

from collections.abc import Mapping

from apps.declaration import (
    DEFAULT_STORAGE,
    GPU_SCHEDULING,
    PROMETHEUS,
    RENDERED,
    SCALED_OBJECTS,
    AppDeclaration,
    Capability,
    Footprint,
    Lands,
    PodSecurityLevel,
    Workload,
    deployment,
)
from apps.vllm.serving import engine_requests, model_pools, replicas_at_rest
from catalogue.charts import VLLM_STACK
from catalogue.node_sizes import Cloud
from spec.environment import Environment
from spec.pools import NodePoolSpec


class Vllm(AppDeclaration):
    construct_id = "vllm-stack"
    pin = VLLM_STACK
    # Engines are not here: each model's replicas and requests come from the environment (`pool_workloads`).
    footprint = Footprint(VLLM_STACK.version, (deployment("deployment-router", 400, 1000),), RENDERED)
    # Router and engines run as non-root users with a read-only root filesystem (apps/vllm/install/__init__.py).
    pod_security = PodSecurityLevel.RESTRICTED
    # A streamed model's engine reads its weights with a cloud identity (apps/vllm/weights.py, <cloud>.py).
    cloud_parts = frozenset(Cloud)

    def enabled(self, environment: Environment) -> bool:
        return environment.apps.vllm.enabled

    def workloads(self, environment: Environment) -> tuple[Workload, ...]:
        # its one row is the router, which gateway mode turns off (routerSpec.enableRouter)
        return self.footprint.workloads if environment.apps.vllm.routing == "router" else ()

    def pod_security_levels(self, environment: Environment) -> Mapping[str, PodSecurityLevel | None]:
        # The inference gateway's endpoint pickers run beside the engines and meet baseline only (its declaration).
        gateway = environment.apps.vllm.routing == "gateway"
        return {self.pin.namespace: PodSecurityLevel.BASELINE if gateway else self.pod_security}

    def needs(self, environment: Environment) -> tuple[Capability, ...]:
        models = environment.apps.vllm.models
        needs = []
        if any(model.storage for model in models):
            needs.append(DEFAULT_STORAGE)  # model caches bind on the default class, which on EKS this stack creates
        if environment.apps.monitoring.enabled:
            needs.append(PROMETHEUS)  # the chart renders ServiceMonitors: a missing CRD fails the whole release
        if any(model.autoscaling is not None for model in models):
            needs.append(SCALED_OBJECTS)  # likewise the ScaledObjects
        return tuple(needs)

    def waits_for(self, environment: Environment) -> tuple[Capability, ...]:
        # engines request nvidia.com/gpu (and name the operator's RuntimeClass): Helm's wait would time out on
        # engines Pending until the device plugin advertises GPUs
        return (GPU_SCHEDULING,) if environment.apps.vllm.models else ()

    def pool_workloads(self, environment: Environment, pool: NodePoolSpec) -> tuple[Workload, ...]:
        if pool.gpu is None:
            return ()
        workloads = []
        placed = model_pools(environment)
        for model in environment.apps.vllm.models:
            if model.name not in placed or placed[model.name].name != pool.name:
                continue  # its engines run on another pool
            requests = engine_requests(model, pool)
            engine = Workload(
                "Deployment",
                f"{model.name}-engine",
                replicas_at_rest(model),
                requests.cpu * 1000,
                requests.memory_mib,
                Lands.GPU,
                gpus=model.gpus,
            )
            workloads.append(engine)
        return tuple(workloads)


DECLARATION = Vllm()
