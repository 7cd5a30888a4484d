"""Kubernetes objects that ride along with a chart (its `extraObjects`), typed like the rest of the values."""

from __future__ import annotations

from collections.abc import Mapping

from constructs.helm.values import HelmValues


class ObjectMeta(HelmValues):
    name: str


class NamespacedObjectMeta(ObjectMeta):
    namespace: str
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class ScopeRequirement(HelmValues):
    operator: str
    scope_name: str
    values: list[str]


class ScopeSelector(HelmValues):
    match_expressions: list[ScopeRequirement]


class ResourceQuotaSpec(HelmValues):
    hard: dict[str, str]
    scope_selector: ScopeSelector


class ResourceQuota(HelmValues):
    api_version: str = "v1"
    kind: str = "ResourceQuota"
    metadata: ObjectMeta
    spec: ResourceQuotaSpec

    @classmethod
    def for_priority_classes(cls, name: str, priority_classes: list[str], *, max_pods: int) -> ResourceQuota:
        requirement = ScopeRequirement(scope_name="PriorityClass", operator="In", values=priority_classes)
        return cls(
            metadata=ObjectMeta(name=name),
            spec=ResourceQuotaSpec(
                hard={"pods": str(max_pods)}, scope_selector=ScopeSelector(match_expressions=[requirement])
            ),
        )


class NodeSelectorRequirement(HelmValues):
    key: str
    operator: str
    values: list[str]


class NodeSelectorTerm(HelmValues):
    match_expressions: list[NodeSelectorRequirement]

    @classmethod
    def label_equals(cls, key: str, value: str) -> NodeSelectorTerm:
        return cls.labels_equal({key: value})

    @classmethod
    def labels_equal(cls, labels: Mapping[str, str]) -> NodeSelectorTerm:
        """Nodes that carry every one of these labels (the expressions of one term must all hold)."""
        return cls(
            match_expressions=[
                NodeSelectorRequirement(key=key, operator="In", values=[value]) for key, value in labels.items()
            ]
        )


# --- Security contexts: what Pod Security's `restricted` level asks of a pod and its containers


class SeccompProfile(HelmValues):
    type: str = "RuntimeDefault"


class Capabilities(HelmValues):
    drop: tuple[str, ...] = ("ALL",)


class PodSecurityContext(HelmValues):
    run_as_non_root: bool = True
    run_as_user: int | None = None
    run_as_group: int | None = None
    fs_group: int | None = None
    seccomp_profile: SeccompProfile = SeccompProfile()


class ContainerSecurityContext(HelmValues):
    run_as_non_root: bool | None = None
    allow_privilege_escalation: bool = False
    read_only_root_filesystem: bool | None = None
    capabilities: Capabilities = Capabilities()
