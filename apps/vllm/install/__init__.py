"""The vLLM Production Stack release: the router, and one serving engine per model of `apps.vllm.models`."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Literal

from cdktf import ITerraformDependable, TerraformStack
from pydantic import Field

from apps.gpu_operator.install import OPERATOR_RUNTIME_CLASS
from apps.inference_gateway import BASE_MODEL_HEADER, pool_name, routes_by_body
from apps.installer import AppOutput, InstallContext, Installed, cloud_part
from apps.vllm import DECLARATION
from apps.vllm.cache import (
    CACHE_GID,
    CACHE_UID,
    CLAIM_NAME,
    HUB_CACHE,
    MOUNT_PATH,
    OFFLINE,
    READER,
    CacheVolume,
    cache_enabled,
    cached_models,
)
from apps.vllm.install.autoscaling import ModelKedaValues
from apps.vllm.install.cache import CACHE_VOLUME, ModelCache
from apps.vllm.install.network_policies import install_network_policies
from apps.vllm.serving import engine_requests, model_pools
from apps.vllm.weights import EngineAccess, engine_arguments, service_account, streamed_models, weights_of
from catalogue.charts import VLLM_ENGINE_TIMEOUT_SECONDS, VLLM_ROUTER_IMAGE_TAG, VLLM_STACK
from catalogue.gateway import GATEWAY_NAME, GATEWAY_NAMESPACE, GATEWAY_PORT
from constructs import Construct
from constructs.helm.kubernetes_objects import (
    ContainerSecurityContext,
    NamespacedObjectMeta,
    NodeSelectorTerm,
    PodSecurityContext,
)
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues, Toggle, Toleration
from spec.apps import VllmModelSpec
from spec.environment import Environment
from spec.pools import NodePoolSpec, pool_selector

# The chart's own default for the memory-backed /dev/shm it mounts for multi-GPU engines (NCCL buffers).
MULTI_GPU_SHM_SIZE = "20Gi"
# Where a restricted engine writes, its root filesystem being read-only: /tmp (the chart's HF_HOME without a volume,
# PROMETHEUS_MULTIPROC_DIR, torch's inductor cache) and the image user's home (vLLM's assets and usage files,
# Triton's and torch.compile's caches under ~/.cache and ~/.config).
ENGINE_USER_HOME = "/home/vllm"
ENGINE_SCRATCH = {"tmp": "/tmp", "home": ENGINE_USER_HOME}
# vllm/vllm-openai's `vllm` user (uid 2000, gid 0, home /home/vllm), which the image creates but does not switch to
# (vllm-project/vllm#40275, docker/Dockerfile "Non-root support"; README "Security inside the cluster").
ENGINE_SECURITY = PodSecurityContext(run_as_user=CACHE_UID, run_as_group=CACHE_GID, fs_group=CACHE_UID)
ENGINE_CONTAINER_SECURITY = ContainerSecurityContext(run_as_non_root=True, read_only_root_filesystem=True)
# lmcache/lmstack-router publishes no user; any non-root uid works for a Python server that writes only /tmp.
ROUTER_USER = 1000
ROUTER_SECURITY = PodSecurityContext(run_as_user=ROUTER_USER, run_as_group=ROUTER_USER)
ROUTER_CONTAINER_SECURITY = ContainerSecurityContext(read_only_root_filesystem=True)
# The engines' service account when nothing else names one (a streamed model has its own, the cache its reader).
ENGINE_SERVICE_ACCOUNT = f"{VLLM_STACK.release}-engine"
# An engine reading the cache: the hub part of its Hugging Face cache on the shared claim, and never online.
CACHE_ENV = {"HF_HUB_CACHE": HUB_CACHE, **OFFLINE}
# Where the README tells users to port-forward the router to.
ROUTER_LOCAL_PORT = 30080
# the chart names the router service after the release, and one engine Service per model
ROUTER_SERVICE = f"{VLLM_STACK.release}-router-service"
# The Gateway's load balancer address, once its controller has one (Helm's wait does not cover it).
GATEWAY_ADDRESS_COMMAND = (
    f"kubectl -n {GATEWAY_NAMESPACE} get gateway {GATEWAY_NAME} -o jsonpath='{{.status.addresses[0].value}}'"
)


def engine_service_name(model: VllmModelSpec) -> str:
    return f"{VLLM_STACK.release}-{model.name}-engine-service"


class SecretKeyRef(HelmValues):
    secret_name: str
    secret_key: str


class EnvVar(HelmValues):
    name: str
    value: str


class ClaimSource(HelmValues):
    claim_name: str


class Volume(HelmValues):
    name: str
    persistent_volume_claim: ClaimSource


class VolumeMount(HelmValues):
    name: str
    mount_path: str


class ServiceAccountObject(HelmValues):
    """An engine's service account, one of the chart's `extraObjects`: installed with the release (Helm creates
    ServiceAccounts before Deployments). Engines never call the Kubernetes API, so no token is mounted; a cloud
    identity's token (IRSA, Azure workload identity) is projected by the cloud's own webhook regardless."""

    api_version: str = "v1"
    kind: str = "ServiceAccount"
    metadata: NamespacedObjectMeta
    automount_service_account_token: bool = False


class EmptyDirSource(HelmValues):
    pass


class ScratchVolume(HelmValues):
    name: str
    empty_dir: EmptyDirSource = EmptyDirSource()


class VllmConfig(HelmValues):
    # The chart passes --no-enable-prefix-caching for any vllmConfig without this key; vLLM's default is on.
    enable_prefix_caching: bool = True
    max_model_len: int | None = None
    dtype: str | None = None
    # Only for engines on more than one GPU: the chart mounts /dev/shm exactly when this key is present.
    tensor_parallel_size: int | None = None
    extra_args: list[str] | None = None


class ModelSpecValues(HelmValues):
    """One `servingEngineSpec.modelSpec` entry; keys the chart does not spell in camelCase carry an alias."""

    name: str
    repository: str
    tag: str
    model_url: str = Field(alias="modelURL")
    replica_count: int | None = None  # None with keda: the chart then omits replicas, the ScaledObject owns them
    request_cpu: int = Field(alias="requestCPU")  # the chart's schema allows only whole cores
    request_memory: str
    request_gpu: int = Field(alias="requestGPU")  # the chart sets the GPU limit equal to it
    pvc_storage: str | None = None  # no storageClass key: "" would disable provisioning; absent = the default class
    hf_token: SecretKeyRef | None = Field(default=None, alias="hf_token")
    vllm_config: VllmConfig
    shm_size: str | None = None
    tolerations: list[Toleration]  # no cloud adds GPU tolerations the chart relies on (AKS has no admission plugin)
    node_selector_terms: list[NodeSelectorTerm]
    keda: ModelKedaValues | None = None
    # A streamed model's (apps/vllm/weights.py): the identity its engine runs as, and what its cloud part adds.
    service_account_name: str | None = None
    pod_labels: dict[str, str] | None = None
    pod_annotations: dict[str, str] | None = None
    env: list[EnvVar] | None = None
    # The shared model cache's claim (apps/vllm/install/cache.py), mounted where HF_HUB_CACHE points.
    extra_volumes: list[Volume | ScratchVolume]
    extra_volume_mounts: list[VolumeMount]


class DeploymentStrategy(HelmValues):
    type: Literal["Recreate", "RollingUpdate"]


class ServingEngineValues(HelmValues):
    enable_engine: bool = False
    security_context: PodSecurityContext | None = None
    container_security_context: ContainerSecurityContext | None = None
    # Since chart 0.1.11 the default ships a disabled example model whose 50Gi PVC (storageClassName "")
    # never binds, so a waiting install times out; an empty list removes it.
    model_spec: list[ModelSpecValues] = Field(default_factory=list)
    # The chart defaults to "nvidia", a RuntimeClass only the GPU Operator creates; pods naming a
    # missing RuntimeClass are rejected, so it is "" wherever the operator does not run.
    runtime_class_name: str
    # The chart's default rolling update surges 100%: an update would need twice the model's GPUs.
    strategy: DeploymentStrategy | None = None
    # The chart defaults to Always, re-checking a ~10 GB image on every start; one policy covers every engine.
    image_pull_policy: Literal["Always", "IfNotPresent"] | None = None
    service_monitor: Toggle | None = None  # the engines' metrics, for Prometheus (the chart renders it with models)


class RouterValues(HelmValues):
    tag: str = VLLM_ROUTER_IMAGE_TAG
    image_pull_policy: str = "IfNotPresent"
    security_context: PodSecurityContext = ROUTER_SECURITY
    container_security_context: ContainerSecurityContext = ROUTER_CONTAINER_SECURITY
    extra_volumes: tuple[ScratchVolume, ...] = (ScratchVolume(name="tmp"),)
    extra_volume_mounts: tuple[VolumeMount, ...] = (VolumeMount(name="tmp", mount_path="/tmp"),)
    routing_logic: str | None = None  # None: the chart's roundrobin
    session_key: str | None = None
    service_monitor: Toggle | None = None


class RouterOff(HelmValues):
    """`routerSpec` with `apps.vllm.routing: gateway`: no router, and no other router key (it would render nothing)."""

    enable_router: bool = False


class GrafanaDashboards(HelmValues):
    enabled: bool = True  # ConfigMaps labelled grafana_dashboard: "1", which Grafana's sidecar loads


class VllmStackValues(HelmValues):
    serving_engine_spec: ServingEngineValues
    router_spec: RouterValues | RouterOff = RouterValues()
    grafana_dashboards: GrafanaDashboards | None = None
    extra_objects: list[ServiceAccountObject] | None = None

    @classmethod
    def for_environment(
        cls,
        environment: Environment,
        *,
        runtime_class_name: str,
        access: Mapping[str, EngineAccess] | None = None,
        cache: CacheVolume | None = None,
    ) -> VllmStackValues:
        """`access`: each streamed model's cloud part (apps/vllm/<cloud>.py `engine_access`), by model name;
        `cache`: the model cache's volume when apps.vllm.modelCache is on."""
        vllm = environment.apps.vllm
        access = access or {}
        placed = model_pools(environment)  # the loader refused a model without a pool
        reading = {model.name for model in cached_models(environment)} if cache else set()
        models = [
            _model_spec(model, placed[model.name], access.get(model.name), cache if model.name in reading else None)
            for model in vllm.models
        ]
        accounts = [
            ServiceAccountObject(metadata=_service_account_metadata(model, access[model.name]))
            for model in streamed_models(environment)
        ]
        if any(spec.service_account_name == ENGINE_SERVICE_ACCOUNT for spec in models):
            accounts.append(
                ServiceAccountObject(
                    metadata=NamespacedObjectMeta(name=ENGINE_SERVICE_ACCOUNT, namespace=VLLM_STACK.namespace)
                )
            )
        monitored = Toggle(enabled=True) if environment.apps.monitoring.enabled else None
        return cls(
            serving_engine_spec=ServingEngineValues(
                enable_engine=bool(models),
                security_context=ENGINE_SECURITY if models else None,
                container_security_context=ENGINE_CONTAINER_SECURITY if models else None,
                model_spec=models,
                runtime_class_name=runtime_class_name,
                strategy=DeploymentStrategy(type="Recreate") if models else None,
                image_pull_policy=_pull_policy(models) if models else None,
                service_monitor=monitored if models else None,
            ),
            router_spec=RouterOff()
            if vllm.routing == "gateway"
            else RouterValues(
                routing_logic=vllm.routing_logic, session_key=vllm.session_key, service_monitor=monitored
            ),
            grafana_dashboards=GrafanaDashboards() if monitored else None,
            extra_objects=accounts or None,
        )


def _service_account_metadata(model: VllmModelSpec, access: EngineAccess) -> NamespacedObjectMeta:
    account = service_account(model)
    return NamespacedObjectMeta(
        name=account.name, namespace=account.namespace, annotations=access.service_account_annotations or None
    )


def _pull_policy(models: Sequence[ModelSpecValues]) -> Literal["Always", "IfNotPresent"]:
    """Kubernetes' own default for a container: a pinned tag is pulled once per node, `latest` on every start."""
    return "Always" if any(model.tag == "latest" for model in models) else "IfNotPresent"


def _model_spec(
    model: VllmModelSpec, pool: NodePoolSpec, access: EngineAccess | None, cache: CacheVolume | None
) -> ModelSpecValues:
    requests = engine_requests(model, pool)
    repository, tag = model.image.rsplit(":", 1)
    multi_gpu = model.gpus > 1
    pipeline = (
        [f"--pipeline-parallel-size={requests.pipeline_parallel_size}"] if requests.pipeline_parallel_size > 1 else []
    )
    secret = model.hf_token_secret
    # A streamed model: vLLM gets the bucket's URI as the model, and the streamer's flags (apps/vllm/weights.py).
    streamed = model.weights is not None
    assert access is not None or not streamed, f"{model.name}: a streamed model needs its cloud part's access"
    streaming = engine_arguments(model, memory_mib=requests.memory_mib) if streamed else []
    revision = ["--revision", model.revision] if model.revision is not None else []
    env = {**(access.env if access else {}), **(CACHE_ENV if cache else {})}
    return ModelSpecValues(
        name=model.name,
        repository=repository,
        tag=tag,
        model_url=weights_of(model).streamer_uri if streamed else model.model,
        replica_count=None if model.autoscaling is not None else model.replicas,
        request_cpu=requests.cpu,
        request_memory=requests.memory,
        request_gpu=model.gpus,
        pvc_storage=model.storage,
        hf_token=SecretKeyRef(secret_name=secret.name, secret_key=secret.key) if secret else None,
        vllm_config=VllmConfig(
            max_model_len=model.max_model_len,
            dtype=model.dtype,
            tensor_parallel_size=requests.tensor_parallel_size if multi_gpu else None,
            extra_args=[*pipeline, *streaming, *revision, *model.extra_args] or None,
        ),
        shm_size=MULTI_GPU_SHM_SIZE if multi_gpu else None,
        # Its pool's taints (GPU, and AKS's on spot) and labels: the engine lands on that pool and no other.
        tolerations=[Toleration(key=taint.key, value=taint.value) for taint in pool.taints],
        node_selector_terms=[NodeSelectorTerm.labels_equal(pool_selector(pool))],
        # Gateway mode too: the EPP's queue gauges are read from this engine metric; its own queue needs flowControl.
        keda=ModelKedaValues.for_model(
            model.autoscaling,
            namespace=VLLM_STACK.namespace,
            engine_service=engine_service_name(model),
            router_service=ROUTER_SERVICE,
            served=model.model,  # the chart serves the model under its URL (`vllm serve <modelURL>`)
        )
        if model.autoscaling is not None
        else None,
        service_account_name=service_account(model).name
        if streamed
        else READER.name
        if cache
        else ENGINE_SERVICE_ACCOUNT,
        pod_labels=(access.pod_labels if access else None) or None,
        pod_annotations=(cache.pod_annotations if cache else None) or None,
        env=[EnvVar(name=name, value=value) for name, value in env.items()] or None,
        extra_volumes=[
            *(ScratchVolume(name=name) for name in ENGINE_SCRATCH),
            *([Volume(name=CACHE_VOLUME, persistent_volume_claim=ClaimSource(claim_name=CLAIM_NAME))] if cache else []),
        ],
        extra_volume_mounts=[
            *(VolumeMount(name=name, mount_path=path) for name, path in ENGINE_SCRATCH.items()),
            *([VolumeMount(name=CACHE_VOLUME, mount_path=MOUNT_PATH)] if cache else []),
        ],
    )


class VllmStackRelease(PinnedHelmRelease):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        values: VllmStackValues,
        after: Sequence[ITerraformDependable] = (),
    ) -> None:
        serving = bool(values.serving_engine_spec.model_spec)
        pin = replace(VLLM_STACK, timeout_seconds=VLLM_ENGINE_TIMEOUT_SECONDS) if serving else VLLM_STACK
        super().__init__(scope, construct_id, pin=pin, values=values, after=after)

    @property
    def router_service(self) -> str:
        return ROUTER_SERVICE

    def engine_service(self, model: VllmModelSpec) -> str:
        return engine_service_name(model)

    @staticmethod
    def completion_command(model: VllmModelSpec) -> str:
        """A request to the router's OpenAI-compatible API, through the port-forward the outputs print."""
        body = json.dumps({"model": model.model, "prompt": "San Francisco is a", "max_tokens": 32})
        return (
            f"curl -s localhost:{ROUTER_LOCAL_PORT}/v1/completions -H 'Content-Type: application/json' "
            f"-d {shlex.quote(body)}"
        )


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    environment = context.environment
    runtime_class = OPERATOR_RUNTIME_CLASS if environment.apps.nvidia.enabled else ""
    streamed = streamed_models(environment)
    # The cloud's part only when something uses it: provider packages are slow to import.
    cloud = cloud_part(DECLARATION, environment.cloud) if streamed or cache_enabled(environment) else None
    access = {model.name: cloud.engine_access(stack, environment, model) for model in streamed} if cloud else {}
    cache = (
        ModelCache(
            stack,
            "vllm-model-cache",
            environment=environment,
            volume=cloud.cache_volume(stack, environment),
            after=context.after,
        )
        if cloud and cache_enabled(environment)
        else None
    )
    vllm = VllmStackRelease(
        stack,
        DECLARATION.construct_id,
        values=VllmStackValues.for_environment(
            environment, runtime_class_name=runtime_class, access=access, cache=cache.volume if cache else None
        ),
        after=[*context.after, *(cache.ready if cache else ())],
    )
    install_network_policies(stack, environment, after=[vllm.release])
    if environment.apps.vllm.routing == "gateway":
        return Installed(outputs=gateway_outputs(environment))
    namespace = vllm.pin.namespace
    outputs = [
        AppOutput("vllm_router_service", f"{namespace}/{vllm.router_service}"),
        AppOutput(
            "vllm_port_forward_command",
            f"kubectl -n {namespace} port-forward svc/{vllm.router_service} {ROUTER_LOCAL_PORT}:80",
        ),
    ]
    models = environment.apps.vllm.models
    if models:
        engines = {
            model.name: {
                "service": f"{namespace}/{vllm.engine_service(model)}",
                "curl": vllm.completion_command(model),
            }
            for model in models
        }
        outputs.append(AppOutput("vllm_models", engines))
    return Installed(outputs=outputs)


def gateway_outputs(environment: Environment) -> list[AppOutput]:
    """The Gateway's address, and per model a request through it (apps/inference_gateway routes by `model`)."""
    outputs = [
        AppOutput("vllm_gateway", f"{GATEWAY_NAMESPACE}/{GATEWAY_NAME}"),
        AppOutput("vllm_gateway_address_command", GATEWAY_ADDRESS_COMMAND),
    ]
    models = environment.apps.vllm.models
    if models:
        routes = {
            model.name: {
                "route": f"{GATEWAY_NAMESPACE}/{pool_name(model)}",
                "curl": gateway_completion(environment, model),
            }
            for model in models
        }
        outputs.append(AppOutput("vllm_models", routes))
    return outputs


def gateway_completion(environment: Environment, model: VllmModelSpec) -> str:
    """A request to the model's OpenAI-compatible API through the Gateway; on GKE with the header its route matches."""
    body = json.dumps({"model": model.model, "prompt": "San Francisco is a", "max_tokens": 32})
    header = "" if routes_by_body(environment) else f" -H {shlex.quote(f'{BASE_MODEL_HEADER}: {model.model}')}"
    return (
        f'curl -s "http://$({GATEWAY_ADDRESS_COMMAND}):{GATEWAY_PORT}/v1/completions" '
        f"-H 'Content-Type: application/json'{header} -d {shlex.quote(body)}"
    )
