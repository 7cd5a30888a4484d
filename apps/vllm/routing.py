"""What the vllm-stack router does that `apps.vllm.routing: gateway` does not: the loader refuses those fields there.

Errors are checked by the loader (so they name the file and field), like apps/vllm/serving.py's.
"""

from __future__ import annotations

from spec.environment import Environment
from spec.problems import FieldProblem

ROUTER_ONLY = (
    "applies only to apps.vllm.routing: router (in gateway mode each model's endpoint picker chooses the engine)"
)


def routing_problems(environment: Environment) -> list[FieldProblem]:
    vllm = environment.apps.vllm
    if vllm.routing != "gateway":
        return []
    problems = []
    if vllm.routing_logic is not None:
        problems.append(FieldProblem("apps.vllm.routingLogic", ROUTER_ONLY))
    if vllm.session_key is not None:
        problems.append(FieldProblem("apps.vllm.sessionKey", ROUTER_ONLY))
    for index, model in enumerate(vllm.models):
        if model.autoscaling is not None and model.autoscaling.min_replicas == 0:
            problems.append(
                FieldProblem(
                    f"apps.vllm.models.{index}.autoscaling.minReplicas",
                    "0 needs apps.vllm.routing: router: in gateway mode nothing counts a model's requests while it "
                    "has no engine (the endpoint picker queues none without its flowControl feature gate, off "
                    "here; the gateway answers 503), so the model would never wake; use 1 or more",
                )
            )
    return problems
