"""Apps declare what they provide and need; the apps stack derives the install order and every depends_on."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_helm.release import Release

from apps import APPS
from apps.declaration import (
    DEFAULT_STORAGE,
    NODE_CAPACITY,
    AppDeclaration,
    AppOrderError,
    Capability,
    PodSecurityLevel,
    install_order,
    namespace_levels,
    prerequisites,
    secrets_in,
)
from apps.installer import AppInstall, InstallContext, Installed, install_of
from catalogue.charts import ChartPin
from constructs.helm.release import PinnedHelmRelease
from constructs.helm.values import HelmValues
from spec.environment import Environment
from stacks.apps_stack import AppsStack
from stacks.cluster_stack import ClusterStack
from tests.conftest import environment, resources_of

CRDS = Capability("some CRDs")


class FakeApp(AppDeclaration):
    """An app whose declarations a test chooses; installs one release of a made-up chart."""

    def __init__(
        self,
        name: str,
        *,
        provides: tuple[Capability, ...] = (),
        needs: tuple[Capability, ...] = (),
        waits_for: tuple[Capability, ...] = (),
        namespace: str | None = None,
        pod_security: PodSecurityLevel | None = PodSecurityLevel.RESTRICTED,
    ) -> None:
        self.construct_id = name
        self._provides, self._needs, self._waits_for = provides, needs, waits_for
        self._namespace = namespace or name
        self.pod_security = pod_security

    def enabled(self, environment: Environment) -> bool:
        return True

    def pod_security_levels(self, environment: Environment) -> Mapping[str, PodSecurityLevel | None]:
        return {self._namespace: self.pod_security}

    def provides(self, environment: Environment) -> tuple[Capability, ...]:
        return self._provides

    def needs(self, environment: Environment) -> tuple[Capability, ...]:
        return self._needs

    def waits_for(self, environment: Environment) -> tuple[Capability, ...]:
        return self._waits_for

    def install(self, stack: TerraformStack, context: InstallContext) -> Installed:
        pin = ChartPin(
            release=self.construct_id,
            chart=self.construct_id,
            repository="https://example.com",
            version="1.0.0",
            digest="0" * 64,  # never fetched: the test synthesises only
            namespace=self._namespace,
            timeout_seconds=60,
        )
        release = PinnedHelmRelease(stack, self.construct_id, pin=pin, values=HelmValues(), after=context.after)
        return Installed(provides={capability: [release.release] for capability in self._provides})


def names(apps: list[AppDeclaration]) -> list[str]:
    return [app.construct_id for app in apps]


def test_without_declared_needs_apps_keep_their_listed_order() -> None:
    apps = [FakeApp("a"), FakeApp("b"), FakeApp("c")]
    assert names(install_order(apps, environment(), provided_by_stack=[])) == ["a", "b", "c"]


def test_an_app_installs_after_the_app_providing_what_it_needs() -> None:
    apps = [FakeApp("reader", needs=(CRDS,)), FakeApp("owner", provides=(CRDS,))]
    assert names(install_order(apps, environment(), provided_by_stack=[])) == ["owner", "reader"]


def test_a_need_nothing_provides_is_an_error() -> None:
    with pytest.raises(AppOrderError, match="reader needs some CRDs"):
        install_order([FakeApp("reader", needs=(CRDS,))], environment(), provided_by_stack=[])


def test_a_need_the_stack_provides_is_no_error() -> None:
    apps = [FakeApp("dapr-like", needs=(DEFAULT_STORAGE,))]
    assert names(install_order(apps, environment(), provided_by_stack=[DEFAULT_STORAGE])) == ["dapr-like"]


def test_a_wait_nothing_provides_is_ignored() -> None:
    apps = [FakeApp("a", waits_for=(CRDS,))]
    assert names(install_order(apps, environment(), provided_by_stack=[])) == ["a"]


def test_apps_waiting_for_each_other_are_an_error() -> None:
    one = Capability("one")
    two = Capability("two")
    apps = [FakeApp("a", provides=(one,), needs=(two,)), FakeApp("b", provides=(two,), needs=(one,))]
    with pytest.raises(AppOrderError, match="a, b wait for each other"):
        install_order(apps, environment(), provided_by_stack=[])


def test_every_app_waits_for_the_secrets_of_its_namespaces_and_for_node_capacity() -> None:
    app = FakeApp("a", namespace="vllm")
    assert prerequisites(app, environment()) == (secrets_in("vllm"), NODE_CAPACITY)


def test_an_app_never_waits_for_what_it_provides_itself() -> None:
    autoscaler = FakeApp("autoscaler", provides=(NODE_CAPACITY,))
    assert NODE_CAPACITY not in prerequisites(autoscaler, environment())


def test_a_namespace_two_apps_install_into_is_created_once() -> None:
    apps = [FakeApp("a", namespace="shared"), FakeApp("b", namespace="shared")]
    assert namespace_levels(apps, environment()) == {"shared": PodSecurityLevel.RESTRICTED}


def test_two_pod_security_levels_for_one_namespace_are_an_error() -> None:
    apps = [FakeApp("a", namespace="shared"), FakeApp("b", namespace="shared", pod_security=PodSecurityLevel.BASELINE)]
    with pytest.raises(AppOrderError, match="b declares shared baseline, another app restricted"):
        namespace_levels(apps, environment())


def test_a_namespace_without_a_level_is_the_clusters_own_and_not_created() -> None:
    apps = [FakeApp("autoscaler", namespace="kube-system", pod_security=None), FakeApp("a")]
    assert namespace_levels(apps, environment()) == {"a": PodSecurityLevel.RESTRICTED}


def installs(app: AppDeclaration) -> AppInstall:
    """A fake app installs itself; a real one through its package's install.py."""
    return app.install if isinstance(app, FakeApp) else install_of(app)


def apps_stack_json(modules: tuple[AppDeclaration, ...], fields: dict[str, Any]) -> dict[str, Any]:
    app = CdktfTesting.app()
    validated = environment(**fields)
    cluster = ClusterStack(app, environment=validated)
    stack = AppsStack(app, environment=validated, cluster_stack=cluster, apps=modules, installs=installs)
    parsed: dict[str, Any] = json.loads(CdktfTesting.synth(stack))
    return parsed


def test_a_node_autoscaler_app_is_installed_before_every_other_release() -> None:
    # The EKS cluster autoscaler is one more declaration: it provides NODE_CAPACITY, which every app waits for.
    fields = {"gpu": {"enabled": True}, "apps": {"nvidia": {"enabled": True}, "vllm": {"enabled": True}}}
    stack = apps_stack_json(APPS, fields)
    releases = resources_of(stack, Release.TF_RESOURCE_TYPE)
    (autoscaler_address,) = [
        f"helm_release.{key}"
        for key, r in stack["resource"]["helm_release"].items()
        if r["name"] == "cluster-autoscaler"
    ]
    for release in releases:
        if release["name"] != "cluster-autoscaler":
            assert autoscaler_address in release.get("depends_on", []), release["name"]
    assert "depends_on" not in next(r for r in releases if r["name"] == "cluster-autoscaler")


def test_every_release_waits_for_its_namespace_which_the_stack_labels() -> None:
    stack = apps_stack_json((FakeApp("a"), FakeApp("b", pod_security=PodSecurityLevel.PRIVILEGED)), {"cloud": "google"})
    namespaces = {body["metadata"]["name"]: key for key, body in stack["resource"]["kubernetes_namespace_v1"].items()}
    enforced = {
        body["metadata"]["name"]: body["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        for body in stack["resource"]["kubernetes_namespace_v1"].values()
    }
    assert {name: enforced[name] for name in ("a", "b")} == {"a": "restricted", "b": "privileged"}
    for release in resources_of(stack, Release.TF_RESOURCE_TYPE):
        assert release["depends_on"] == [f"kubernetes_namespace_v1.{namespaces[release['namespace']]}"]
        assert release["create_namespace"] is False
