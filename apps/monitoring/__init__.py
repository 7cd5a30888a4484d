"""Where the monitoring stack's Prometheus and Grafana answer, and the one rule for which monitors it scrapes.

Names follow kube-prometheus-stack 88.5.3's templates: with a release name that contains the chart name, the
chart's fullname is the release name (`_helpers.tpl` kube-prometheus-stack.fullname), so its Services are
`<release>-prometheus` (port 9090) and, from the grafana subchart, `<release>-grafana` (port 80).
"""

from __future__ import annotations

from collections.abc import Mapping

from apps.declaration import (
    DEFAULT_STORAGE,
    PROMETHEUS,
    RENDERED,
    AppDeclaration,
    Capability,
    Footprint,
    Lands,
    PodSecurityLevel,
    Workload,
    daemonset,
    deployment,
)
from catalogue.charts import KUBE_PROMETHEUS_STACK, NODE_EXPORTER_NAMESPACE
from spec.environment import Environment

PROMETHEUS_SERVICE = f"{KUBE_PROMETHEUS_STACK.release}-prometheus"
PROMETHEUS_PORT = 9090
# What KEDA's Prometheus scaler queries: the Service inside the cluster, by its namespaced DNS name.
PROMETHEUS_URL = f"http://{PROMETHEUS_SERVICE}.{KUBE_PROMETHEUS_STACK.namespace}.svc:{PROMETHEUS_PORT}"
GRAFANA_SERVICE = f"{KUBE_PROMETHEUS_STACK.release}-grafana"
GRAFANA_LOCAL_PORT = 3000
PROMETHEUS_LOCAL_PORT = 9090
GRAFANA_ADMIN_USER = "admin"  # the grafana subchart's default adminUser

# The label convention: none. Prometheus selects every ServiceMonitor and PodMonitor in every namespace
# (`…SelectorNilUsesHelmValues: false` makes the selectors `{}`), because each chart labels its monitors its own
# way (vllm-stack `release: test|router`, the GPU Operator `app: nvidia-dcgm-exporter`, the cluster autoscaler
# `release: prometheus-operator`) and the GPU Operator creates its monitor at run time; one label on every monitor
# would be one more thing each new app must remember. The cluster is this stack's, so every monitor in it is ours.
SELECT_EVERY_MONITOR = True

# NVIDIA's DCGM exporter dashboard on grafana.com, loaded by Grafana's dashboard provider at start-up (not copied
# here). Id from NVIDIA/dcgm-exporter README ("grafana/dcgm-exporter-dashboard.json", gnetId 12239).
DCGM_DASHBOARD_GNET_ID = 12239
# grafana.com revision of that dashboard; not checked from here (grafana.com is unreachable): bump after a look
# at https://grafana.com/grafana/dashboards/12239 (revisions tab).
DCGM_DASHBOARD_REVISION = 2
DASHBOARD_DATASOURCE = "Prometheus"  # the name of kube-prometheus-stack's default datasource


class Monitoring(AppDeclaration):
    construct_id = "monitoring"
    pin = KUBE_PROMETHEUS_STACK
    # The chart requests nothing by default (a pod without requests is invisible to the scheduler and to the capacity
    # plan), so these requests are ours: install.py sets them from this row. Alertmanager is off (no receivers are
    # configured). The Prometheus StatefulSet is made by the operator from the rendered Prometheus.
    footprint = Footprint(
        KUBE_PROMETHEUS_STACK.version,
        (
            Workload("StatefulSet", "prometheus", 1, 200, 1024, Lands.SYSTEM),
            deployment("grafana", 100, 256),
            deployment("operator", 100, 128),
            deployment("kube-state-metrics", 10, 64),
            daemonset("prometheus-node-exporter", 10, 32),
        ),
        RENDERED,
    )
    pod_security = PodSecurityLevel.RESTRICTED

    def enabled(self, environment: Environment) -> bool:
        return environment.apps.monitoring.enabled

    def pod_security_levels(self, environment: Environment) -> Mapping[str, PodSecurityLevel | None]:
        # The node exporter reads the host's network, PIDs and file system: privileged, in a namespace of its own.
        return {self.pin.namespace: self.pod_security, NODE_EXPORTER_NAMESPACE: PodSecurityLevel.PRIVILEGED}

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return (PROMETHEUS,)

    def needs(self, environment: Environment) -> tuple[Capability, ...]:
        return (DEFAULT_STORAGE,)  # Prometheus' volume; EKS's default class is created by this stack


DECLARATION = Monitoring()
