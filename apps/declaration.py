"""One app as a pure declaration: its switch, its pinned chart, its namespaces, what it needs and gives, its pods.

The loader, the capacity plan and the apps stack read the same declaration (no cdktf here), so an app's switch
and footprint are written once. The apps stack installs the enabled apps in an order that satisfies every need
(`install_order`); Argo CD's sync waves and eks-blueprints-addons' one module per add-on are the models: order is data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from catalogue.charts import ChartPin
from catalogue.node_sizes import Cloud
from spec.environment import Environment
from spec.pools import NodePoolSpec


@dataclass(frozen=True)
class Capability:
    """Something an app (or the stack itself) makes exist in the cluster, that another app may need first."""

    what: str
    scope: str = ""  # e.g. the namespace, for capabilities that exist per namespace

    def __str__(self) -> str:
        return f"{self.what} ({self.scope})" if self.scope else self.what


# Provided by the stack itself, before any app.
DEFAULT_STORAGE = Capability("the cluster's default StorageClass")  # EKS: created by this stack
PLATFORM_NAMESPACES = Capability("the platform namespaces (namespaces:)")
# Provided by apps.
GPU_SCHEDULING = Capability("GPUs schedulable on GPU nodes (device plugin, nvidia RuntimeClass)")
PROMETHEUS = Capability("the ServiceMonitor CRDs and the Prometheus that scrapes every monitor")
SCALED_OBJECTS = Capability("KEDA's ScaledObject CRD and its external metrics API")
NODE_CAPACITY = Capability("node capacity: a node autoscaler that adds nodes for Pending pods")
# The inference gateway (`apps.vllm.routing: gateway`): CRDs, then a controller, then the Gateway, then the pools.
GATEWAY_CRDS = Capability("the Gateway API and InferencePool CRDs")
GATEWAY_CONTROLLER = Capability("a Gateway controller whose class routes to InferencePools")
INFERENCE_GATEWAY = Capability("the inference Gateway every model's HTTPRoute attaches to")


def secrets_in(namespace: str) -> Capability:
    return Capability("secrets synced into namespace", namespace)


@dataclass(frozen=True)
class ScrapeTarget:
    """A metrics port an app exposes whose chart cannot render its own ServiceMonitor in time (it installs before
    the monitoring stack's CRDs, like a node autoscaler): the monitoring stack renders the monitor instead."""

    name: str
    namespace: str
    service_labels: Mapping[str, str]
    port: str  # the Service port's name
    path: str = "/metrics"


# --- What an app runs on the nodes


class Lands(StrEnum):
    SYSTEM = "system"  # no GPU toleration: only untainted nodes, i.e. the system pool
    GPU = "gpu"  # GPU nodes only (tolerates the GPU taint and selects GPU nodes)
    EVERY_NODE = "every-node"  # a DaemonSet that tolerates the GPU taint


@dataclass(frozen=True)
class Workload:
    kind: str  # Deployment, StatefulSet, DaemonSet
    name: str
    replicas: int  # per cluster; a DaemonSet has one pod per node it lands on (1 here)
    cpu_m: int
    memory_mi: int
    lands: Lands
    gpus: int = 0  # per pod

    @property
    def per_node(self) -> bool:
        return self.kind == "DaemonSet"


@dataclass(frozen=True)
class Footprint:
    """What a release renders, one row per workload. `name` is the rendered object's name without the `<release>-`
    prefix, so a test compares the row with what `helm template` renders for our values. Requests are what the
    scheduler reserves; a chart that sets none reserves 0 but still takes a pod slot."""

    chart_version: str  # the pin this row was measured at ("": no chart); a test fails when the pin moves without it
    workloads: tuple[Workload, ...]
    source: str


def deployment(name: str, cpu_m: int = 0, memory_mi: int = 0, replicas: int = 1, kind: str = "Deployment") -> Workload:
    return Workload(kind, name, replicas, cpu_m, memory_mi, Lands.SYSTEM)


def daemonset(name: str, cpu_m: int = 0, memory_mi: int = 0, lands: Lands = Lands.EVERY_NODE) -> Workload:
    return Workload("DaemonSet", name, 1, cpu_m, memory_mi, lands)


RENDERED = "helm template (Helm 4.1.4) of the pinned chart with this product's values, 2026-12-01"


# --- Pod Security


class PodSecurityLevel(StrEnum):
    """A Pod Security Standards level (kubernetes.io/docs/concepts/security/pod-security-standards), which the
    stack enforces on the namespace an app installs into. Strictest first."""

    RESTRICTED = "restricted"
    BASELINE = "baseline"
    PRIVILEGED = "privileged"


# --- The declaration


class AppDeclaration(ABC):
    """One app: a switch, its pinned chart, the capabilities it gives and needs, and the pods it runs.

    Its install code is `install.py` in the same package (`install(stack, context)`); a part that differs per cloud
    is `<cloud>.py` there, for each cloud in `cloud_parts`.
    """

    # The construct id of its top-level construct (kept stable: it is part of every resource's address).
    construct_id: str
    # The chart of its release, which names its namespace; None: an app that installs no chart (gateway_crds).
    pin: ChartPin | None
    footprint: Footprint
    # The Pod Security level the stack enforces on its namespace (that of its pins): the strictest that every pod
    # running there meets, those an operator creates at run time included (tests/rendered/test_pod_security.py
    # derives it from what renders). None: a namespace the cluster brings, which the stack neither creates nor labels,
    # or none at all (an app without a chart).
    pod_security: PodSecurityLevel | None
    cloud_parts: frozenset[Cloud] = frozenset()

    @property
    def package(self) -> str:
        return type(self).__module__

    @property
    def pins(self) -> tuple[ChartPin, ...]:
        """Every chart it installs, one release each: its `pin`, unless it installs none or more."""
        return () if self.pin is None else (self.pin,)

    @abstractmethod
    def enabled(self, environment: Environment) -> bool: ...

    def namespaces(self, environment: Environment) -> tuple[str, ...]:
        """The namespaces its releases install into (its `app_namespaces` output entries)."""
        return tuple(self.pod_security_levels(environment))

    def pod_security_levels(self, environment: Environment) -> Mapping[str, PodSecurityLevel | None]:
        """Each namespace its releases install into, with the Pod Security level the stack creates it with (None: the
        cluster's own, not created)."""
        return {pin.namespace: self.pod_security for pin in self.pins}

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return ()

    def needs(self, environment: Environment) -> tuple[Capability, ...]:
        """Must be provided by the stack or another enabled app; the loader rejects environments that lack one."""
        return ()

    def waits_for(self, environment: Environment) -> tuple[Capability, ...]:
        """Installed after these when some enabled app provides them; no error when none does."""
        return ()

    def scrape_targets(self, environment: Environment) -> tuple[ScrapeTarget, ...]:
        """Metrics the monitoring stack should scrape though this app's chart renders no monitor for them."""
        return ()

    def releases(self, environment: Environment) -> tuple[str, ...]:
        """The names of the releases of its pinned charts: one per pin, unless the environment decides how many."""
        return tuple(pin.release for pin in self.pins)

    def workloads(self, environment: Environment) -> tuple[Workload, ...]:
        """The footprint's workloads this environment's values render (an app leaves out what a setting turns off)."""
        return self.footprint.workloads

    def pool_workloads(self, environment: Environment, pool: NodePoolSpec) -> tuple[Workload, ...]:
        """Pods the environment decides rather than the chart (engines per model, operator operands per GPU pool)."""
        return ()


def shared_waits(app: AppDeclaration, environment: Environment) -> tuple[Capability, ...]:
    """Rules every app follows, so no app repeats them: its pods find the Secrets synced into its namespaces, and
    nodes to land on once a node autoscaler runs (the autoscaler itself provides NODE_CAPACITY, so skips it)."""
    return (*(secrets_in(namespace) for namespace in app.namespaces(environment)), NODE_CAPACITY)


def prerequisites(app: AppDeclaration, environment: Environment) -> tuple[Capability, ...]:
    """Everything the app is ordered after, in a fixed order (it decides the order of `depends_on`)."""
    own = set(app.provides(environment))
    ordered = [*app.needs(environment), *app.waits_for(environment), *shared_waits(app, environment)]
    return tuple(capability for capability in dict.fromkeys(ordered) if capability not in own)


class AppOrderError(Exception):
    """The declarations contradict each other (a cycle, or a need nothing provides): a bug, not bad input."""


def namespace_levels(apps: Sequence[AppDeclaration], environment: Environment) -> dict[str, PodSecurityLevel]:
    """Each namespace the apps install into that the stack creates, once, with its Pod Security level; the
    cluster's own (a level of None) are left out."""
    levels: dict[str, PodSecurityLevel] = {}
    for app in apps:
        for name, level in app.pod_security_levels(environment).items():
            if level is not None and levels.setdefault(name, level) is not level:
                raise AppOrderError(f"{app.construct_id} declares {name} {level}, another app {levels[name]}")
    return levels


def install_order(
    apps: Sequence[AppDeclaration], environment: Environment, *, provided_by_stack: Sequence[Capability]
) -> list[AppDeclaration]:
    """The enabled apps, each after every app providing what it needs or waits for; otherwise in `apps` order."""
    enabled = [app for app in apps if app.enabled(environment)]
    providers: dict[Capability, list[AppDeclaration]] = {}
    for app in enabled:
        for capability in app.provides(environment):
            providers.setdefault(capability, []).append(app)
    for app in enabled:
        for capability in app.needs(environment):
            if capability not in providers and capability not in provided_by_stack:
                raise AppOrderError(f"{app.construct_id} needs {capability}, which no enabled app provides")
    before = {
        app: {
            provider
            for capability in prerequisites(app, environment)
            for provider in providers.get(capability, [])
            if provider is not app
        }
        for app in enabled
    }
    ordered: list[AppDeclaration] = []
    while len(ordered) < len(enabled):
        ready = next((app for app in enabled if app not in ordered and before[app] <= set(ordered)), None)
        if ready is None:
            stuck = sorted(app.construct_id for app in enabled if app not in ordered)
            raise AppOrderError(f"the apps {', '.join(stuck)} wait for each other")
        ordered.append(ready)
    return ordered
