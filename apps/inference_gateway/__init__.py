"""The inference gateway of `apps.vllm.routing: gateway`, into vllm: the one Gateway every model's HTTPRoute attaches
to, and per model one llm-d-router-gateway release (its InferencePool, endpoint picker (EPP) and HTTPRoute).

The engines stay the vllm-stack release's; each pool selects one model's engine pods by the labels that release
gives them. Sources: ../shared/reference/research/gateway.md and the chart's templates, cited where used.
"""

from __future__ import annotations

from apps.declaration import (
    GATEWAY_CONTROLLER,
    GATEWAY_CRDS,
    INFERENCE_GATEWAY,
    PROMETHEUS,
    RENDERED,
    AppDeclaration,
    Capability,
    Footprint,
    Lands,
    PodSecurityLevel,
    Workload,
)
from catalogue.charts import LLM_D_ROUTER_GATEWAY, VLLM_STACK
from catalogue.gateway import GKE_INFERENCE_POOL_SINCE
from catalogue.node_sizes import Cloud
from spec.apps import VllmModelSpec
from spec.environment import Environment
from spec.pools import NodePoolSpec
from spec.problems import FieldProblem

# routerlib templates/_helpers.tpl `llm-d-router.name`: the release name cut to 40 characters, then `-epp`.
EPP_NAME_CUT = 40
# The EPP scores the few engines of one model; the chart's 8 CPUs and 8Gi are for large pools and fit no system
# node of ours (small: 2 vCPUs). 250m and 512Mi hold its pod watch, scrapes and prefix index for a handful of pods.
EPP_CPU_M = 250
EPP_MEMORY_MI = 512
EPP_MEMORY_LIMIT_MI = 1024
# The header the chart's HTTPRoute matches when `httpRoute.baseModel` is set (templates/httproute.yaml L24-30).
BASE_MODEL_HEADER = "X-Gateway-Base-Model-Name"
GATEWAY_FIELD = "apps.vllm.gateway"


def pool_name(model: VllmModelSpec) -> str:
    """The model's release; the chart names its InferencePool and HTTPRoute after it too."""
    return f"{LLM_D_ROUTER_GATEWAY.release}-{model.name}"


def epp_name(model: VllmModelSpec) -> str:
    """The EPP's Deployment and Service (and its ServiceAccount)."""
    return f"{pool_name(model)[:EPP_NAME_CUT]}-epp"


def engine_labels(model: VllmModelSpec) -> dict[str, str]:
    """What this model's engine pods carry and no other pod does: vllm-stack 0.1.12 labels each engine pod with its
    model's name and the release (templates/deployment-vllm-multi.yaml L50-51); its router pod has neither."""
    return {"model": model.name, "helm-release-name": VLLM_STACK.release}


def routes_by_body(environment: Environment) -> bool:
    """agentgateway copies the body's `model` into BASE_MODEL_HEADER before routing (apps/inference_gateway/install.py);
    GKE's managed Gateway does not, so clients there send the header themselves."""
    return environment.cloud is not Cloud.GOOGLE


def gateway_enabled(environment: Environment) -> bool:
    vllm = environment.apps.vllm
    return vllm.enabled and vllm.routing == "gateway"


class InferenceGateway(AppDeclaration):
    construct_id = "inference-gateway"
    pin = LLM_D_ROUTER_GATEWAY
    # The EPPs are one per model: `pool_workloads` counts them.
    footprint = Footprint(LLM_D_ROUTER_GATEWAY.version, (), RENDERED)
    # llm-d-router-gateway v0.10.0 renders the EPP pod without a securityContext and has no value for one
    # (routerlib templates/_deployment.yaml): it meets baseline, so vllm enforces baseline in this mode.
    pod_security = PodSecurityLevel.BASELINE
    # GKE's proxy-only subnet (google.py).
    cloud_parts = frozenset({Cloud.GOOGLE})

    def enabled(self, environment: Environment) -> bool:
        return gateway_enabled(environment)

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return (INFERENCE_GATEWAY,)

    def needs(self, environment: Environment) -> tuple[Capability, ...]:
        # GKE brings the Gateway API and InferencePool CRDs and its controller with the cluster (gateway_api_config).
        needs = [] if environment.cloud is Cloud.GOOGLE else [GATEWAY_CRDS, GATEWAY_CONTROLLER]
        if environment.apps.monitoring.enabled:
            needs.append(PROMETHEUS)  # each release renders the EPP's ServiceMonitor
        return tuple(needs)

    def releases(self, environment: Environment) -> tuple[str, ...]:
        return tuple(pool_name(model) for model in environment.apps.vllm.models)

    def pool_workloads(self, environment: Environment, pool: NodePoolSpec) -> tuple[Workload, ...]:
        if pool.gpu is not None:
            return ()
        return tuple(epp_workload(model) for model in environment.apps.vllm.models)


def epp_workload(model: VllmModelSpec) -> Workload:
    return Workload("Deployment", epp_name(model), 1, EPP_CPU_M, EPP_MEMORY_MI, Lands.SYSTEM)


def gateway_problems(environment: Environment) -> list[FieldProblem]:
    """What `routing: gateway` cannot do on this environment; `apps.vllm.gateway` without it."""
    vllm = environment.apps.vllm
    if not vllm.enabled:
        return []
    if vllm.routing != "gateway":
        if "gateway" in vllm.model_fields_set:
            return [FieldProblem(GATEWAY_FIELD, "applies only to apps.vllm.routing: gateway")]
        return []
    problems = []
    since = ".".join(GKE_INFERENCE_POOL_SINCE.split(".")[:2])
    if environment.cloud is Cloud.GOOGLE and _minor(environment.version) < _minor(since):
        problems.append(
            FieldProblem(
                "version",
                f"apps.vllm.routing: gateway on GKE needs {since} or later (GKE installs the InferencePool CRD from "
                f"{GKE_INFERENCE_POOL_SINCE})",
            )
        )
    if environment.cloud is Cloud.GOOGLE and vllm.gateway.source_ranges not in ([], ["0.0.0.0/0"]):
        problems.append(
            FieldProblem(
                f"{GATEWAY_FIELD}.sourceRanges",
                "GKE's managed Gateway cannot limit clients by address (that takes a Cloud Armor policy, not built "
                'here): leave it empty with exposure: internal (the VPC), or ["0.0.0.0/0"] with exposure: public',
            )
        )
    pickers: dict[str, str] = {}
    for index, model in enumerate(vllm.models):
        other = pickers.setdefault(epp_name(model), model.name)
        if other != model.name:
            problems.append(
                FieldProblem(
                    f"apps.vllm.models.{index}.name",
                    f"{model.name!r} and {other!r} would share the endpoint picker {epp_name(model)!r} (the chart "
                    f"keeps the first {EPP_NAME_CUT} characters of {LLM_D_ROUTER_GATEWAY.release}-<name>); make "
                    "their beginnings differ",
                )
            )
    return problems


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


DECLARATION = InferenceGateway()
