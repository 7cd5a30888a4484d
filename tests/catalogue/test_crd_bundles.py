"""The CRD bundles of catalogue/gateway.py: each shared copy (../shared/charts/, what the tests render from) is the
pinned file and holds every kind the deploy applies from it, and of the inference extension only InferencePool."""

from __future__ import annotations

import hashlib

import pytest

from catalogue.gateway import CRD_BUNDLES, GATEWAY_API, INFERENCE_EXTENSION, INFERENCE_POOL_CRD, CrdBundle
from tests.support.rendering import SHARED_CHARTS, bundle_documents, parse_manifest

bundles = pytest.mark.parametrize("bundle", CRD_BUNDLES, ids=lambda bundle: bundle.name)


@bundles
def test_the_shared_copy_is_the_pinned_file(bundle: CrdBundle) -> None:
    assert hashlib.sha256((SHARED_CHARTS / bundle.file_name).read_bytes()).hexdigest() == bundle.sha256


@bundles
def test_the_file_holds_every_kind_the_deploy_applies(bundle: CrdBundle) -> None:
    assert {item["kind"] for item in bundle_documents(bundle)} == set(bundle.kinds)


def test_the_gateway_api_bundle_is_the_standard_channel_of_its_version() -> None:
    crds = [item for item in bundle_documents(GATEWAY_API) if item["kind"] == "CustomResourceDefinition"]
    assert {crd["spec"]["names"]["kind"] for crd in crds} >= {"GatewayClass", "Gateway", "HTTPRoute", "ReferenceGrant"}
    for crd in crds:
        annotations = crd["metadata"]["annotations"]
        assert annotations["gateway.networking.k8s.io/bundle-version"] == GATEWAY_API.version
        assert annotations["gateway.networking.k8s.io/channel"] == "standard"


def test_of_the_inference_extension_only_the_inference_pool_is_applied() -> None:
    every = parse_manifest((SHARED_CHARTS / INFERENCE_EXTENSION.file_name).read_text())
    assert len(every) == 4  # InferencePool and the legacy x-k8s.io kinds
    (pool,) = bundle_documents(INFERENCE_EXTENSION)
    assert pool["metadata"]["name"] == INFERENCE_POOL_CRD
    assert [version["name"] for version in pool["spec"]["versions"] if version["served"]] == ["v1"]


@pytest.mark.parametrize("bundle", CRD_BUNDLES, ids=lambda bundle: bundle.name)
def test_the_crds_the_deploy_checks_for_are_in_the_pinned_file(bundle: CrdBundle) -> None:
    names = {
        item["metadata"]["name"] for item in bundle_documents(bundle) if item["kind"] == "CustomResourceDefinition"
    }
    assert set(bundle.crds) <= names
    assert set(bundle.names) <= set(bundle.crds)  # what is applied by name is checked for first


def test_the_gateway_api_check_names_every_crd_of_its_file() -> None:
    crds = {
        item["metadata"]["name"] for item in bundle_documents(GATEWAY_API) if item["kind"] == "CustomResourceDefinition"
    }
    assert set(GATEWAY_API.crds) == crds
