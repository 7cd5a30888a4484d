"""Every app the apps stack can install: one package each (a pure declaration in its `__init__.py`, its install code
in `install.py`, its per-cloud parts in `<cloud>.py`).

APPS is the one list: the apps stack, the capacity plan and the tests read it. Its order is the order of the
`app_namespaces` output; the install order comes from the declarations.
"""

from __future__ import annotations

from apps import (
    agentgateway,
    argocd,
    cluster_autoscaler,
    crossplane,
    dapr,
    device_plugin,
    external_secrets,
    gateway_crds,
    gpu_operator,
    inference_gateway,
    keda,
    monitoring,
    traefik,
    vllm,
)
from apps.declaration import AppDeclaration
from spec.environment import Environment

APPS: tuple[AppDeclaration, ...] = (
    gpu_operator.DECLARATION,
    device_plugin.DECLARATION,
    vllm.DECLARATION,
    inference_gateway.DECLARATION,
    crossplane.DECLARATION,
    traefik.DECLARATION,
    argocd.DECLARATION,
    dapr.DECLARATION,
    external_secrets.DECLARATION,
    monitoring.DECLARATION,
    keda.DECLARATION,
    cluster_autoscaler.DECLARATION,
    gateway_crds.DECLARATION,
    agentgateway.DECLARATION,
)


def enabled_apps(environment: Environment) -> list[AppDeclaration]:
    return [app for app in APPS if app.enabled(environment)]
