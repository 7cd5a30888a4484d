"""apps/agentgateway: on EKS and AKS in gateway mode, its CRDs then its controller with the inference extension on,
into agentgateway-system, after the Gateway API and InferencePool CRDs."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_helm.release import Release

from apps.agentgateway import DECLARATION
from apps.declaration import GATEWAY_CONTROLLER, GATEWAY_CRDS, PodSecurityLevel
from catalogue.charts import AGENTGATEWAY, AGENTGATEWAY_CRDS
from tests.conftest import SynthesizedEnvironment, environment, resources_of, synth

GATEWAY_MODE = {"vllm": {"enabled": True, "routing": "gateway"}}


@pytest.fixture(scope="module", params=["aws", "azure"])
def stacks(request: pytest.FixtureRequest) -> SynthesizedEnvironment:
    return synth(cloud=request.param, apps=GATEWAY_MODE)


def release_named(stacks: SynthesizedEnvironment, name: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (f"{Release.TF_RESOURCE_TYPE}.{key}", body)
        for key, body in stacks.apps_json["resource"][Release.TF_RESOURCE_TYPE].items()
        if body["name"] == name
    ]
    return found


@pytest.mark.parametrize(
    ("cloud", "routing", "installed"),
    [("aws", "gateway", True), ("azure", "gateway", True), ("google", "gateway", False), ("azure", "router", False)],
)
def test_installed_in_gateway_mode_where_the_cluster_brings_no_gateway(
    cloud: str, routing: str, installed: bool
) -> None:
    env = environment(cloud=cloud, apps={"vllm": {"enabled": True, "routing": routing}})
    assert DECLARATION.enabled(env) is installed


def test_it_needs_the_crds_and_provides_the_controller() -> None:
    env = environment(apps=GATEWAY_MODE)
    assert (DECLARATION.needs(env), DECLARATION.provides(env)) == ((GATEWAY_CRDS,), (GATEWAY_CONTROLLER,))


def test_both_releases_are_pinned_from_the_oci_registry_into_one_namespace(stacks: SynthesizedEnvironment) -> None:
    for pin in (AGENTGATEWAY_CRDS, AGENTGATEWAY):
        assert CdktfTesting.to_have_resource_with_properties(
            stacks.apps,
            Release.TF_RESOURCE_TYPE,
            {
                "name": pin.release,
                "repository": "oci://cr.agentgateway.dev/charts",  # the helm provider pulls oci://<repository>/<chart>
                "chart": pin.chart,
                "version": pin.version,
                "namespace": "agentgateway-system",
                "create_namespace": False,
            },
        )


def test_the_controller_installs_after_its_crds_and_they_after_the_gateway_api_crds(
    stacks: SynthesizedEnvironment,
) -> None:
    crds_address, crds = release_named(stacks, AGENTGATEWAY_CRDS.release)
    _, controller = release_named(stacks, AGENTGATEWAY.release)
    assert controller["depends_on"] == [crds_address]
    assert any(dependency.startswith("kubernetes_manifest.gateway-crds_") for dependency in crds["depends_on"])
    assert not any(dependency.startswith("kubernetes_manifest.") for dependency in controller["depends_on"])


def test_the_controller_routes_to_inference_pools_and_meets_restricted(stacks: SynthesizedEnvironment) -> None:
    (document,) = release_named(stacks, AGENTGATEWAY.release)[1]["values"]
    values = yaml.safe_load(document)
    assert values["inferenceExtension"] == {"enabled": True}
    assert values["podSecurityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (crds_values,) = release_named(stacks, AGENTGATEWAY_CRDS.release)[1]["values"]
    assert yaml.safe_load(crds_values) == {}


def test_its_namespace_is_created_with_its_level(stacks: SynthesizedEnvironment) -> None:
    (namespace,) = [
        body
        for body in resources_of(stacks.apps_json, "kubernetes_namespace_v1")
        if body["metadata"]["name"] == "agentgateway-system"
    ]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == PodSecurityLevel.RESTRICTED
    assert DECLARATION.pod_security_levels(environment(apps=GATEWAY_MODE)) == {
        "agentgateway-system": PodSecurityLevel.RESTRICTED
    }


def test_router_mode_installs_no_agentgateway() -> None:
    stacks = synth(cloud="aws", apps={"vllm": {"enabled": True}})
    releases = {body["name"] for body in resources_of(stacks.apps_json, Release.TF_RESOURCE_TYPE)}
    assert not {AGENTGATEWAY.release, AGENTGATEWAY_CRDS.release} & releases
