"""The vLLM Production Stack release: the router only, no model (choosing a model is the user's job)."""

from __future__ import annotations

from pydantic import Field

from config.charts import VLLM_ROUTER_IMAGE_TAG, VLLM_STACK
from constructs import Construct
from constructs.apps.helm_release import PinnedHelmRelease
from constructs.apps.helm_values import HelmValues


class ServingEngineValues(HelmValues):
    enable_engine: bool = False
    # Since chart 0.1.11 the default ships a disabled example model whose 50Gi PVC (storageClassName "")
    # never binds, so a waiting install times out; an empty list removes it.
    model_spec: list[dict[str, object]] = Field(default_factory=list)
    # The chart defaults to "nvidia", a RuntimeClass only the GPU Operator creates; pods naming a
    # missing RuntimeClass are rejected, so it is "" wherever the operator does not run.
    runtime_class_name: str


class RouterValues(HelmValues):
    tag: str = VLLM_ROUTER_IMAGE_TAG
    image_pull_policy: str = "IfNotPresent"


class VllmStackValues(HelmValues):
    serving_engine_spec: ServingEngineValues
    router_spec: RouterValues = RouterValues()


class VllmStackRelease(PinnedHelmRelease):
    def __init__(self, scope: Construct, construct_id: str, *, values: VllmStackValues) -> None:
        super().__init__(scope, construct_id, pin=VLLM_STACK, values=values)

    @property
    def router_service(self) -> str:
        # the chart names the router service after the release
        return f"{self.pin.release}-router-service"
