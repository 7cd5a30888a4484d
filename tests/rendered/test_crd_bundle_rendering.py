"""The CRD bundles in the render harness (tests/support/rendering.py): a stack that applies them (EKS, AKS), or whose
cluster serves the same CRDs itself (GKE), renders every release seeing their kinds (`--api-versions`), and the
Gateway, HTTPRoutes and InferencePools its releases render validate against the bundles' CRDs, as the bundles' own
objects validate against the Kubernetes schema. Gateway mode on each cloud, synthesised by main.py from files
written here."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from catalogue.gateway import CRD_BUNDLES, GATEWAY_API
from catalogue.machines import Cloud
from tests.support.cluster_crds import gke_policy_crds
from tests.support.rendering import (
    RenderedStack,
    Renderer,
    applied_bundles,
    bundle_documents,
    object_problems,
    rendered_stacks,
)
from tests.support.synthesized_stacks import read_all
from tests.support.terraform_tools import synthesize

pytestmark = pytest.mark.slow(seconds=30)  # the start order: tests/conftest.py

GATEWAY_KINDS = {"Gateway", "HTTPRoute", "InferencePool"}


def gateway_environment(cloud: str) -> dict[str, object]:
    return {
        "name": f"gateway-{cloud}",
        "cloud": cloud,
        "gpu": {"enabled": True},
        "apps": {
            "nvidia": {"enabled": True},
            "vllm": {
                "enabled": True,
                "routing": "gateway",
                "models": [{"name": "qwen", "model": "Qwen/Qwen2.5-0.5B-Instruct"}],
            },
        },
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, renderer: Renderer) -> list[RenderedStack]:
    folder = tmp_path_factory.mktemp("gateway")
    files = []
    for cloud in ("aws", "azure", "google"):
        files.append(folder / f"gateway-{cloud}.yaml")
        files[-1].write_text(yaml.safe_dump(gateway_environment(cloud)))
    return rendered_stacks(renderer, read_all(synthesize(files, folder / "out").outdir))


def test_eks_and_aks_apply_both_bundles_and_gke_serves_their_crds_itself(rendered: list[RenderedStack]) -> None:
    assert {stack.cloud for stack in rendered} == set(Cloud)
    every = [item for bundle in CRD_BUNDLES for item in bundle_documents(bundle)]
    crds = [item for item in every if item["kind"] == "CustomResourceDefinition"]
    for stack in rendered:
        if stack.cloud is Cloud.GOOGLE:
            # and GKE's own policy CRDs beside them (tests/support/cluster_crds.py)
            assert (applied_bundles(stack.apps), stack.applied, stack.served) == (
                [],
                [],
                [*crds, *gke_policy_crds(stack.cluster)],
            )
        else:
            assert (applied_bundles(stack.apps), stack.applied, stack.served) == (list(CRD_BUNDLES), every, [])


def test_every_release_renders_seeing_the_bundles_kinds(rendered: list[RenderedStack]) -> None:
    for stack in rendered:
        for release in stack.releases:
            assert release.error is None, release.input.label
            assert {
                "gateway.networking.k8s.io/v1/HTTPRoute",
                "inference.networking.k8s.io/v1/InferencePool",
            } <= set(release.input.api_versions), release.input.label


def problem_kinds(stack: RenderedStack) -> set[str]:
    """The kinds of the objects (of releases and bundles) that object_problems finds a problem with."""
    return {problem.split(": ")[1].split()[0] for problem in object_problems(stack)}


def test_the_gateway_objects_and_the_bundles_validate(rendered: list[RenderedStack]) -> None:
    for stack in rendered:
        kinds = {item["kind"] for release in stack.releases for item in release.objects}
        assert kinds >= GATEWAY_KINDS, stack.name  # the check below sees every kind it is about
        # ValidatingAdmissionPolicy(Binding): the bundle's own objects, against the Kubernetes schema
        assert not problem_kinds(stack) & {*GATEWAY_KINDS, *GATEWAY_API.kinds}, stack.name


def test_without_the_bundles_the_gateway_objects_have_no_crd(rendered: list[RenderedStack]) -> None:
    for stack in rendered:
        assert problem_kinds(dataclasses.replace(stack, applied=[], served=[])) >= GATEWAY_KINDS, stack.name
