"""kube-prometheus-stack into monitoring: Prometheus that scrapes every monitor of the cluster, and Grafana.

Installed before the apps whose charts render ServiceMonitors (vLLM, KEDA) and before the GPU Operator, which
creates its DCGM exporter's ServiceMonitor at run time only if the CRD exists then.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable, TerraformStack
from cdktf_cdktf_provider_random.password import Password
from pydantic import Field

from apps.declaration import PROMETHEUS, ScrapeTarget
from apps.installer import AppOutput, InstallContext, Installed
from apps.monitoring import (
    DASHBOARD_DATASOURCE,
    DCGM_DASHBOARD_GNET_ID,
    DCGM_DASHBOARD_REVISION,
    DECLARATION,
    GRAFANA_ADMIN_USER,
    GRAFANA_LOCAL_PORT,
    GRAFANA_SERVICE,
    PROMETHEUS_LOCAL_PORT,
    PROMETHEUS_PORT,
    PROMETHEUS_SERVICE,
    SELECT_EVERY_MONITOR,
)
from catalogue.charts import KUBE_PROMETHEUS_STACK, NODE_EXPORTER_NAMESPACE
from constructs import Construct
from constructs.helm.kubernetes_objects import ObjectMeta
from constructs.helm.providers import use_random_provider
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues, Toggle
from spec.apps import MonitoringSpec

ADMIN_PASSWORD_VALUE = "grafana.adminPassword"
DCGM_DASHBOARD_FOLDER = "nvidia"  # Grafana's dashboard provider reads downloaded dashboards from this folder
# The ClusterRole Grafana's sidecars read with instead of the grafana subchart's own, which grants
# get/list/watch on Secrets as well as ConfigMaps in every namespace whatever the sidecars read.
GRAFANA_CLUSTER_ROLE = f"{GRAFANA_SERVICE}-configmap-reader"


class ResourceRequests(HelmValues):
    cpu: str
    memory: str


class Resources(HelmValues):
    requests: ResourceRequests

    @classmethod
    def of(cls, name: str) -> Resources:
        """The requests of the workload `name` in the app's footprint, so values and capacity plan agree."""
        (workload,) = [w for w in DECLARATION.footprint.workloads if w.name == name]
        return cls(requests=ResourceRequests(cpu=f"{workload.cpu_m}m", memory=f"{workload.memory_mi}Mi"))


class WithResources(HelmValues):
    resources: Resources


class StorageRequest(HelmValues):
    storage: str


class VolumeResources(HelmValues):
    requests: StorageRequest


class VolumeClaimSpec(HelmValues):
    # No storageClassName: the claim gets the cluster's default class (catalogue/storage.py), as every claim we make.
    access_modes: list[str] = Field(default_factory=lambda: ["ReadWriteOnce"])
    resources: VolumeResources


class VolumeClaimTemplate(HelmValues):
    spec: VolumeClaimSpec


class StorageSpec(HelmValues):
    volume_claim_template: VolumeClaimTemplate


class MonitorEndpoint(HelmValues):
    port: str
    path: str = "/metrics"


class NamespaceSelector(HelmValues):
    match_names: list[str]


class LabelSelector(HelmValues):
    match_labels: dict[str, str]


class AdditionalServiceMonitor(HelmValues):
    """A ServiceMonitor the chart renders for another app, after its own CRDs (prometheus.additionalServiceMonitors)."""

    name: str
    selector: LabelSelector
    namespace_selector: NamespaceSelector
    endpoints: list[MonitorEndpoint]

    @classmethod
    def for_target(cls, target: ScrapeTarget) -> AdditionalServiceMonitor:
        return cls(
            name=target.name,
            selector=LabelSelector(match_labels=dict(target.service_labels)),
            namespace_selector=NamespaceSelector(match_names=[target.namespace]),
            endpoints=[MonitorEndpoint(port=target.port, path=target.path)],
        )


class PrometheusSpec(HelmValues):
    # False turns the chart's default selector (`release: <this release>`) into `{}`: every monitor is scraped.
    service_monitor_selector_nil_uses_helm_values: bool = not SELECT_EVERY_MONITOR
    pod_monitor_selector_nil_uses_helm_values: bool = not SELECT_EVERY_MONITOR
    retention: str
    storage_spec: StorageSpec
    resources: Resources = Resources.of("prometheus")


class PrometheusValues(HelmValues):
    prometheus_spec: PrometheusSpec
    additional_service_monitors: list[AdditionalServiceMonitor] | None = None


class DashboardProviderOptions(HelmValues):
    path: str


class DashboardProvider(HelmValues):
    name: str
    org_id: int = 1
    folder: str
    type: str = "file"
    disable_deletion: bool = True
    editable: bool = False
    options: DashboardProviderOptions


class DashboardProviders(HelmValues):
    api_version: int = 1
    providers: list[DashboardProvider]


class DashboardProvidersFile(HelmValues):
    file: DashboardProviders = Field(alias="dashboardproviders.yaml")


class GrafanaDashboardReference(HelmValues):
    """A dashboard by its grafana.com id: Grafana's init container downloads it at start-up; nothing is copied."""

    gnet_id: int
    revision: int
    datasource: str = DASHBOARD_DATASOURCE


class SidecarSource(HelmValues):
    # configmap: the sidecar lists and watches ConfigMaps only (the subchart's default `both` adds Secrets). Every
    # dashboard and datasource we ship is a ConfigMap: vllm-stack's and the chart's own.
    resource: str = "configmap"


class GrafanaSidecars(HelmValues):
    dashboards: SidecarSource = SidecarSource()
    datasources: SidecarSource = SidecarSource()


class GrafanaRbac(HelmValues):
    # The subchart then renders no ClusterRole of its own and binds its service account to this one.
    use_existing_cluster_role: str = GRAFANA_CLUSTER_ROLE


class PolicyRule(HelmValues):
    api_groups: list[str]
    resources: list[str]
    verbs: list[str]


class ClusterRole(HelmValues):
    api_version: str = "rbac.authorization.k8s.io/v1"
    kind: str = "ClusterRole"
    metadata: ObjectMeta
    rules: list[PolicyRule]

    @classmethod
    def grafana_sidecars(cls) -> ClusterRole:
        """What the sidecars need to find dashboards and datasources in every namespace (searchNamespace ALL)."""
        rule = PolicyRule(api_groups=[""], resources=["configmaps"], verbs=["get", "watch", "list"])
        return cls(metadata=ObjectMeta(name=GRAFANA_CLUSTER_ROLE), rules=[rule])


class GrafanaValues(HelmValues):
    resources: Resources = Resources.of("grafana")
    dashboard_providers: DashboardProvidersFile
    dashboards: dict[str, dict[str, GrafanaDashboardReference]]
    sidecar: GrafanaSidecars = GrafanaSidecars()
    rbac: GrafanaRbac = GrafanaRbac()
    # rendered by the subchart with the release, so the role lives and goes with the binding that names it
    extra_objects: list[ClusterRole] = Field(default_factory=lambda: [ClusterRole.grafana_sidecars()])


class NodeExporterValues(WithResources):
    # Its own privileged namespace (it reads the host's network, PIDs and file system), so that `monitoring` can
    # enforce the restricted level; the monitor it renders goes there too, and Prometheus selects every namespace.
    namespace_override: str = NODE_EXPORTER_NAMESPACE


class KubeStateMetricsValues(WithResources):
    # No kube_secret_* metrics (names, types and labels of every Secret): the subchart then also drops the
    # list/watch on Secrets from its ClusterRole.
    collectors_exclude: list[str] = Field(default_factory=lambda: ["secrets"])


class MonitoringValues(HelmValues):
    prometheus: PrometheusValues
    grafana: GrafanaValues
    prometheus_operator: WithResources = WithResources(resources=Resources.of("operator"))
    kube_state_metrics: KubeStateMetricsValues = Field(
        default=KubeStateMetricsValues(resources=Resources.of("kube-state-metrics")),
        alias="kube-state-metrics",
    )
    node_exporter: NodeExporterValues = Field(
        default=NodeExporterValues(resources=Resources.of("prometheus-node-exporter")),
        alias="prometheus-node-exporter",
    )
    # No receivers are configured, so an Alertmanager would only hold alerts nobody gets.
    alertmanager: Toggle = Toggle(enabled=False)
    # The managed control planes of EKS, GKE and AKS run these outside the cluster: their monitors find no pod.
    kube_controller_manager: Toggle = Toggle(enabled=False)
    kube_scheduler: Toggle = Toggle(enabled=False)
    kube_etcd: Toggle = Toggle(enabled=False)

    @classmethod
    def for_spec(cls, spec: MonitoringSpec, *, scrape_targets: Sequence[ScrapeTarget] = ()) -> MonitoringValues:
        folder = f"/var/lib/grafana/dashboards/{DCGM_DASHBOARD_FOLDER}"
        return cls(
            prometheus=PrometheusValues(
                prometheus_spec=PrometheusSpec(
                    retention=spec.retention,
                    storage_spec=StorageSpec(
                        volume_claim_template=VolumeClaimTemplate(
                            spec=VolumeClaimSpec(
                                resources=VolumeResources(requests=StorageRequest(storage=spec.storage))
                            )
                        )
                    ),
                ),
                additional_service_monitors=[AdditionalServiceMonitor.for_target(t) for t in scrape_targets] or None,
            ),
            grafana=GrafanaValues(
                dashboard_providers=DashboardProvidersFile(
                    file=DashboardProviders(
                        providers=[
                            DashboardProvider(
                                name=DCGM_DASHBOARD_FOLDER,
                                folder="NVIDIA",
                                options=DashboardProviderOptions(path=folder),
                            )
                        ]
                    )
                ),
                dashboards={
                    DCGM_DASHBOARD_FOLDER: {
                        "dcgm-exporter": GrafanaDashboardReference(
                            gnet_id=DCGM_DASHBOARD_GNET_ID, revision=DCGM_DASHBOARD_REVISION
                        )
                    }
                },
            ),
        )


class MonitoringRelease(PinnedHelmRelease):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        values: MonitoringValues,
        admin_password: str,
        after: Sequence[ITerraformDependable],
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            pin=KUBE_PROMETHEUS_STACK,
            values=values,
            sensitive={ADMIN_PASSWORD_VALUE: admin_password},
            after=after,
        )


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    use_random_provider(stack)
    # Kept in state, so the password stays the same across plans; read with the command output below.
    password = Password(stack, "grafana-admin-password", length=32, special=False)
    release = MonitoringRelease(
        stack,
        DECLARATION.construct_id,
        values=MonitoringValues.for_spec(context.environment.apps.monitoring, scrape_targets=context.scrape_targets),
        admin_password=password.result,
        after=context.after,
    )
    namespace = KUBE_PROMETHEUS_STACK.namespace
    return Installed(
        provides={PROMETHEUS: [release.release]},
        outputs=[
            AppOutput(
                "grafana_port_forward_command",
                f"kubectl -n {namespace} port-forward svc/{GRAFANA_SERVICE} {GRAFANA_LOCAL_PORT}:80, "
                f"then open http://localhost:{GRAFANA_LOCAL_PORT} (user {GRAFANA_ADMIN_USER})",
            ),
            AppOutput(
                "prometheus_port_forward_command",
                f"kubectl -n {namespace} port-forward svc/{PROMETHEUS_SERVICE} "
                f"{PROMETHEUS_LOCAL_PORT}:{PROMETHEUS_PORT}, then open http://localhost:{PROMETHEUS_LOCAL_PORT}",
            ),
            AppOutput("grafana_admin_password", password.result, sensitive=True),
            AppOutput(
                "grafana_admin_password_command",
                "terraform output -raw grafana_admin_password",
                description=f"run in the {context.environment.apps_stack_name} stack's folder",
            ),
        ],
    )
