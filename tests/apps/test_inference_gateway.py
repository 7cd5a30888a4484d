"""`apps.vllm.routing: gateway` as synthesised: the Gateway per cloud and exposure, one llm-d-router-gateway release
per model, the vLLM release without its router, GKE's cluster side, the outputs, the capacity plan, the vllm
NetworkPolicies, and what the loader refuses. What Helm renders from it: tests/rendered/test_inference_routes.py.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_helm.release import Release

from apps.inference_gateway import (
    DECLARATION,
    EPP_CPU_M,
    EPP_MEMORY_MI,
    epp_name,
    gateway_problems,
    pool_name,
)
from apps.inference_gateway.dashboard import EPP_METRICS, dashboard_json
from apps.inference_gateway.install import InferencePoolValues, gateway_objects
from apps.vllm import DECLARATION as VLLM
from apps.vllm.flows import AGENTGATEWAY_CONTROLLER, ANYWHERE, ENDPOINT_PICKERS, ENGINES, GATEWAY_PROXY, flows
from apps.vllm.install import VllmStackValues
from apps.vllm.routing import routing_problems
from capacity.plan import pool_pods
from catalogue.charts import LLM_D_ROUTER_GATEWAY
from catalogue.gateway import GKE_PROXY_ONLY_CIDR, GOOGLE_HEALTH_CHECK_CIDRS
from constructs.google.cluster import MASTER_CIDR
from constructs.google.composition import NODES_CIDR, PODS_CIDR, SERVICES_CIDR
from spec.pools import node_pools, system_pool
from tests.conftest import environment, resources_of, synth
from validation.loader import ConfigError, load_environment_file

GKE = {"cloud": "google", "project": "example-project"}
QWEN = {"name": "qwen", "model": "Qwen/Qwen2.5-1.5B-Instruct"}
OPT = {"name": "opt", "model": "facebook/opt-125m"}


def gateway(*models: dict[str, Any], monitoring: bool = False, **vllm: Any) -> dict[str, Any]:
    """Environment fields: a GPU pool and vLLM in gateway mode serving `models` (qwen and opt by default)."""
    return {
        "gpu": {"enabled": True, "minNodeCount": 2},
        "apps": {
            "monitoring": {"enabled": monitoring},
            "vllm": {"enabled": True, "routing": "gateway", "models": list(models or (QWEN, OPT)), **vllm},
        },
    }


def releases(apps: str) -> dict[str, dict[str, Any]]:
    return {release["name"]: release for release in resources_of(json.loads(apps), Release.TF_RESOURCE_TYPE)}


def values(release: dict[str, Any]) -> dict[str, Any]:
    (document,) = release["values"]
    parsed: dict[str, Any] = yaml.safe_load(document)
    return parsed


# --- the releases -----------------------------------------------------------------------------------------------


def test_each_model_gets_its_own_pinned_release_in_vllm_after_the_gateway() -> None:
    stacks = synth(**GKE, **gateway())
    for model in ("qwen", "opt"):
        assert CdktfTesting.to_have_resource_with_properties(
            stacks.apps,
            Release.TF_RESOURCE_TYPE,
            {
                "name": f"llm-d-router-{model}",
                "chart": LLM_D_ROUTER_GATEWAY.chart,
                "repository": LLM_D_ROUTER_GATEWAY.repository,
                "version": LLM_D_ROUTER_GATEWAY.version,
                "namespace": "vllm",
                "atomic": True,
            },
        )
    keys = {r["name"]: key for key, r in json.loads(stacks.apps)["resource"]["helm_release"].items()}
    for model in ("qwen", "opt"):
        assert (
            f"helm_release.{keys['inference-gateway']}" in releases(stacks.apps)[f"llm-d-router-{model}"]["depends_on"]
        )


def test_router_mode_installs_no_gateway_and_no_pool() -> None:
    stacks = synth(**GKE, gpu={"enabled": True}, apps={"vllm": {"enabled": True, "models": [QWEN]}})
    assert not CdktfTesting.to_have_resource_with_properties(
        stacks.apps, Release.TF_RESOURCE_TYPE, {"chart": LLM_D_ROUTER_GATEWAY.chart}
    )
    assert "inference-gateway" not in releases(stacks.apps)
    assert "gateway_api_config" not in stacks.cluster
    assert "REGIONAL_MANAGED_PROXY" not in stacks.cluster


def test_a_pool_selects_its_model_s_engines_and_routes_on_its_served_name() -> None:
    env = environment(**GKE, **gateway())
    pool = InferencePoolValues.for_model(env, env.apps.vllm.models[0])
    assert pool.to_yaml() == yaml.safe_dump(
        {
            "router": {
                "modelServers": {"matchLabels": {"model": "qwen", "helm-release-name": "vllm-stack"}},
                "epp": {"resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "1024Mi"}}},
            },
            "provider": {"name": "gke"},
            "httpRoute": {
                "create": True,
                "inferenceGatewayName": "inference-gateway",
                "inferenceGatewayNamespace": "vllm",
                "baseModel": "Qwen/Qwen2.5-1.5B-Instruct",
            },
        },
        sort_keys=False,
    )


def test_outside_gke_the_chart_s_own_provider_none_stays() -> None:
    env = environment(**gateway())
    assert "provider" not in yaml.safe_load(InferencePoolValues.for_model(env, env.apps.vllm.models[0]).to_yaml())


def test_each_pool_s_metrics_secret_is_its_own_and_gke_scrapes_with_our_prometheus() -> None:
    env = environment(**GKE, **gateway(monitoring=True))
    pools = [yaml.safe_load(InferencePoolValues.for_model(env, model).to_yaml()) for model in env.apps.vllm.models]
    secrets = [pool["router"]["monitoring"]["prometheus"]["auth"]["secretName"] for pool in pools]
    assert secrets == ["llm-d-router-qwen-epp-metrics-reader", "llm-d-router-opt-epp-metrics-reader"]
    assert all(pool["router"]["monitoring"]["prometheus"]["enabled"] is True for pool in pools)
    assert all(pool["router"]["monitoring"]["provider"] == {"name": "prometheusoperator"} for pool in pools)
    aws = environment(**gateway(monitoring=True))
    assert (
        "provider"
        not in yaml.safe_load(InferencePoolValues.for_model(aws, aws.apps.vllm.models[0]).to_yaml())["router"][
            "monitoring"
        ]
    )


def test_without_monitoring_no_monitor_is_asked_for() -> None:
    env = environment(**GKE, **gateway())
    assert (
        "monitoring"
        not in yaml.safe_load(InferencePoolValues.for_model(env, env.apps.vllm.models[0]).to_yaml())["router"]
    )


def test_the_vllm_release_keeps_its_engines_and_turns_its_router_off() -> None:
    stacks = synth(**GKE, **gateway())
    vllm = values(releases(stacks.apps)["vllm-stack"])
    assert vllm["routerSpec"] == {"enableRouter": False}
    assert [model["name"] for model in vllm["servingEngineSpec"]["modelSpec"]] == ["qwen", "opt"]


def test_router_mode_values_are_today_s() -> None:
    env = environment(gpu={"enabled": True}, apps={"vllm": {"enabled": True, "models": [QWEN]}})
    router = yaml.safe_load(VllmStackValues.for_environment(env, runtime_class_name="").to_yaml())["routerSpec"]
    assert "enableRouter" not in router
    assert router["tag"]


# --- the Gateway ------------------------------------------------------------------------------------------------


def objects_of(fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The custom-objects release's objects, by kind."""
    found = [yaml.safe_load(item.to_yaml()) for item in gateway_objects(environment(**fields))]
    return {item["kind"]: item for item in found}


PUBLIC = {"exposure": "public", "sourceRanges": ["0.0.0.0/0"]}


@pytest.mark.parametrize(
    ("cloud", "exposure", "class_name"),
    [
        (GKE, {}, "gke-l7-rilb"),
        (GKE, PUBLIC, "gke-l7-regional-external-managed"),
        ({"cloud": "aws"}, {}, "agentgateway"),
        ({"cloud": "azure"}, PUBLIC, "agentgateway"),
    ],
)
def test_the_gateway_class_is_the_cloud_s_for_the_exposure(
    cloud: dict[str, str], exposure: dict[str, Any], class_name: str
) -> None:
    found = objects_of({**cloud, **gateway(gateway=exposure)})["Gateway"]
    assert found["metadata"] == {"name": "inference-gateway", "namespace": "vllm"}
    assert found["spec"]["gatewayClassName"] == class_name
    assert found["spec"]["listeners"] == [
        {"name": "http", "protocol": "HTTP", "port": 80, "allowedRoutes": {"namespaces": {"from": "Same"}}}
    ]


def test_gke_s_gateway_has_no_proxy_service_to_shape() -> None:
    found = objects_of({**GKE, **gateway()})
    assert set(found) == {"Gateway"}
    assert "infrastructure" not in found["Gateway"]["spec"]


AWS_NLB = {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
INTERNAL = {
    "aws": {**AWS_NLB, "service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
    "azure": {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
}


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_the_proxy_service_is_internal_unless_public_as_traefik_s(cloud: str) -> None:
    internal = objects_of({"cloud": cloud, **gateway()})["Gateway"]["spec"]["infrastructure"]
    assert internal == {"annotations": INTERNAL[cloud]}
    public = objects_of({"cloud": cloud, **gateway(gateway=PUBLIC)})["Gateway"]["spec"]
    assert public.get("infrastructure", {}).get("annotations") == (AWS_NLB if cloud == "aws" else None)


def test_source_ranges_reach_the_proxy_service_through_agentgateway_parameters() -> None:
    found = objects_of(gateway(gateway={"sourceRanges": ["10.0.0.0/8"]}))
    assert found["Gateway"]["spec"]["infrastructure"]["parametersRef"] == {
        "group": "agentgateway.dev",
        "kind": "AgentgatewayParameters",
        "name": "inference-gateway",
    }
    assert found["AgentgatewayParameters"]["spec"] == {
        "service": {"spec": {"loadBalancerSourceRanges": ["10.0.0.0/8"]}}
    }
    assert set(objects_of(gateway())) == {"Gateway", "AgentgatewayPolicy"}
    assert "parametersRef" not in objects_of(gateway())["Gateway"]["spec"]["infrastructure"]


def test_agentgateway_routes_on_the_body_s_model_before_matching_routes() -> None:
    assert objects_of(gateway())["AgentgatewayPolicy"]["spec"] == {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "inference-gateway"}],
        "traffic": {
            "phase": "PreRouting",
            "transformation": {
                "request": {"set": [{"name": "X-Gateway-Base-Model-Name", "value": "json(request.body).model"}]}
            },
        },
    }


# --- GKE's cluster side -----------------------------------------------------------------------------------------


def test_gke_turns_on_its_gateway_api_and_a_proxy_only_subnet_in_the_cluster_s_region_and_vpc() -> None:
    stacks = synth(**GKE, region="us-central1", **gateway())
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster, "google_container_cluster", {"gateway_api_config": {"channel": "CHANNEL_STANDARD"}}
    )
    (subnet,) = [s for s in resources_of(stacks.cluster_json, "google_compute_subnetwork") if s.get("purpose")]
    (nodes,) = [s for s in resources_of(stacks.cluster_json, "google_compute_subnetwork") if not s.get("purpose")]
    assert subnet == {
        "name": "test-proxy-only",
        "network": nodes["network"],
        "region": "us-central1",
        "ip_cidr_range": GKE_PROXY_ONLY_CIDR,
        "purpose": "REGIONAL_MANAGED_PROXY",
        "role": "ACTIVE",
    }
    # GKE's Gateway needs HttpLoadBalancing, which the cluster leaves at GKE's default (on)
    assert "http_load_balancing" not in stacks.cluster


def test_the_proxy_only_subnet_overlaps_no_range_of_the_cluster() -> None:
    proxies = ipaddress.ip_network(GKE_PROXY_ONLY_CIDR)
    for cidr in (NODES_CIDR, PODS_CIDR, SERVICES_CIDR, MASTER_CIDR):
        assert not proxies.overlaps(ipaddress.ip_network(cidr)), cidr


# --- outputs ----------------------------------------------------------------------------------------------------


def test_outputs_the_gateway_s_address_command_and_a_curl_per_model_through_it() -> None:
    outputs = json.loads(synth(**GKE, **gateway()).apps)["output"]
    assert outputs["vllm_gateway_address_command"]["value"] == (
        "kubectl -n vllm get gateway inference-gateway -o jsonpath='{.status.addresses[0].value}'"
    )
    assert "vllm_port_forward_command" not in outputs
    qwen = outputs["vllm_models"]["value"]["qwen"]
    assert qwen["route"] == "vllm/llm-d-router-qwen"
    address = outputs["vllm_gateway_address_command"]["value"]
    assert qwen["curl"].startswith(f'curl -s "http://$({address}):80/v1/completions"')
    # GKE's Gateway does not read the body: the curl names the model in the header its route matches too
    assert "-H 'X-Gateway-Base-Model-Name: Qwen/Qwen2.5-1.5B-Instruct'" in qwen["curl"]
    assert '"model": "Qwen/Qwen2.5-1.5B-Instruct"' in qwen["curl"]


def test_on_eks_the_curl_sends_the_openai_body_alone_and_the_gateway_waits_for_agentgateway() -> None:
    apps = json.loads(synth(**gateway()).apps)
    curl = apps["output"]["vllm_models"]["value"]["qwen"]["curl"]
    assert "X-Gateway-Base-Model-Name" not in curl  # agentgateway reads `model` from the body
    keys = {r["name"]: key for key, r in apps["resource"]["helm_release"].items()}
    gateway_release = apps["resource"]["helm_release"][keys["inference-gateway"]]
    assert f"helm_release.{keys['agentgateway']}" in gateway_release["depends_on"]
    kinds = [item["kind"] for item in yaml.safe_load(gateway_release["values"][0])["objects"]]
    assert kinds == ["Gateway", "AgentgatewayPolicy"]


# --- capacity ---------------------------------------------------------------------------------------------------


def test_the_capacity_plan_counts_one_endpoint_picker_per_model_and_no_router() -> None:
    env = environment(**GKE, **gateway())
    pods = [pod.name for pod in pool_pods(env, system_pool(env))]
    assert [name for name in pods if name.endswith("-epp")] == ["llm-d-router-qwen-epp", "llm-d-router-opt-epp"]
    assert "deployment-router" not in pods
    assert DECLARATION.pool_workloads(env, system_pool(env))[0].cpu_m == EPP_CPU_M
    assert DECLARATION.pool_workloads(env, system_pool(env))[0].memory_mi == EPP_MEMORY_MI
    assert all(DECLARATION.pool_workloads(env, pool) == () for pool in node_pools(env) if pool.gpu)
    router_mode = environment(**GKE, gpu={"enabled": True}, apps={"vllm": {"enabled": True, "models": [QWEN]}})
    assert "deployment-router" in [pod.name for pod in pool_pods(router_mode, system_pool(router_mode))]


def test_the_releases_declared_are_one_per_model() -> None:
    env = environment(**GKE, **gateway())
    assert DECLARATION.releases(env) == ("llm-d-router-qwen", "llm-d-router-opt")
    assert [pool_name(m) for m in env.apps.vllm.models] == list(DECLARATION.releases(env))


def test_the_endpoint_picker_name_is_the_chart_s_cut_release_name() -> None:
    long = environment(**GKE, **gateway({"name": "a" * 37, "model": "facebook/opt-125m"}))
    assert epp_name(long.apps.vllm.models[0]) == f"{('llm-d-router-' + 'a' * 37)[:40]}-epp"


def test_vllm_enforces_baseline_in_gateway_mode_only() -> None:
    assert dict(VLLM.pod_security_levels(environment(**gateway()))) == {"vllm": "baseline"}
    assert dict(VLLM.pod_security_levels(environment(apps={"vllm": {"enabled": True}}))) == {"vllm": "restricted"}
    assert dict(DECLARATION.pod_security_levels(environment(**gateway()))) == {"vllm": "baseline"}


# --- network policies -------------------------------------------------------------------------------------------


def policies(fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = resources_of(json.loads(synth(**fields).apps), "kubernetes_network_policy_v1")
    return {policy["metadata"]["name"]: policy["spec"] for policy in found}


def test_on_gke_the_proxy_only_subnet_and_health_checks_reach_the_pickers_and_engines() -> None:
    found = policies({**GKE, **gateway()})
    assert set(found) == {"default-deny", "allow-every-pod", "allow-endpoint-pickers", "allow-engines"}
    pickers, engines = found["allow-endpoint-pickers"], found["allow-engines"]
    assert {"from": [{"ip_block": {"cidr": GKE_PROXY_ONLY_CIDR}}], "ports": [{"port": "9002", "protocol": "TCP"}]} in (
        pickers["ingress"]
    )
    for cidr in GOOGLE_HEALTH_CHECK_CIDRS:
        assert {"from": [{"ip_block": {"cidr": cidr}}], "ports": [{"port": "9003", "protocol": "TCP"}]} in (
            pickers["ingress"]
        )
        assert {"from": [{"ip_block": {"cidr": cidr}}], "ports": [{"port": "8000", "protocol": "TCP"}]} in (
            engines["ingress"]
        )
    assert {"from": [{"ip_block": {"cidr": GKE_PROXY_ONLY_CIDR}}], "ports": [{"port": "8000", "protocol": "TCP"}]} in (
        engines["ingress"]
    )
    assert {"ports": [{"port": "443", "protocol": "TCP"}]} in pickers["egress"]  # the Kubernetes API


def test_on_eks_and_aks_the_proxy_beside_the_gateway_takes_clients_and_reaches_pickers_engines_and_xds() -> None:
    needed = flows(environment(**gateway()))
    outgoing = [(flow.destination, flow.port) for flow in needed if flow.source == GATEWAY_PROXY]
    assert outgoing == [(ENDPOINT_PICKERS, 9002), (ENGINES, 8000), (AGENTGATEWAY_CONTROLLER, 9978)]
    assert [(flow.source, flow.port) for flow in needed if flow.destination == GATEWAY_PROXY] == [(ANYWHERE, 80)]
    on_gke = flows(environment(**GKE, **gateway()))
    assert not [flow for flow in on_gke if GATEWAY_PROXY in (flow.source, flow.destination)]


def test_prometheus_scrapes_the_pickers_only_with_monitoring_on() -> None:
    scrapes = [f for f in flows(environment(**GKE, **gateway(monitoring=True))) if f.destination == ENDPOINT_PICKERS]
    assert 9090 in {f.port for f in scrapes}
    assert 9090 not in {f.port for f in flows(environment(**GKE, **gateway())) if f.destination == ENDPOINT_PICKERS}


# --- what the loader refuses ------------------------------------------------------------------------------------


def fields_of(problems: list[Any]) -> list[str]:
    return [problem.field for problem in problems]


@pytest.mark.parametrize(
    ("vllm", "field"),
    [
        ({"routingLogic": "roundrobin"}, "apps.vllm.routingLogic"),
        ({"routingLogic": "session", "sessionKey": "x-user"}, "apps.vllm.sessionKey"),
    ],
)
def test_router_settings_are_refused_with_the_gateway(vllm: dict[str, Any], field: str) -> None:
    assert field in fields_of(routing_problems(environment(**gateway(**vllm))))
    router = environment(gpu={"enabled": True}, apps={"vllm": {"enabled": True, "models": [QWEN], **vllm}})
    assert routing_problems(router) == []


def test_scale_to_zero_is_refused_with_the_gateway_saying_why() -> None:
    scaled = {**QWEN, "autoscaling": {"minReplicas": 0, "maxReplicas": 1}}
    (problem,) = routing_problems(environment(**gateway(scaled, monitoring=True)))
    assert problem.field == "apps.vllm.models.0.autoscaling.minReplicas"
    assert "would never wake" in problem.problem
    one = {**QWEN, "autoscaling": {"minReplicas": 1, "maxReplicas": 2}}
    assert routing_problems(environment(**gateway(one, monitoring=True))) == []


def test_gke_before_the_inference_pool_minor_is_refused() -> None:
    (problem,) = gateway_problems(environment(**GKE, version="1.33", **gateway()))
    assert problem.field == "version"
    assert "1.34 or later" in problem.problem
    assert gateway_problems(environment(**GKE, version="1.34", **gateway())) == []
    assert gateway_problems(environment(cloud="aws", version="1.33", **gateway())) == []


@pytest.mark.parametrize(("ranges", "refused"), [([], False), (["0.0.0.0/0"], False), (["10.0.0.0/8"], True)])
def test_gke_refuses_source_ranges_its_gateway_cannot_enforce(ranges: list[str], refused: bool) -> None:
    exposure = "public" if ranges == ["0.0.0.0/0"] else "internal"
    problems = gateway_problems(environment(**GKE, **gateway(gateway={"exposure": exposure, "sourceRanges": ranges})))
    assert fields_of(problems) == (["apps.vllm.gateway.sourceRanges"] if refused else [])
    assert gateway_problems(environment(**gateway(gateway={"sourceRanges": ranges}))) == []


def test_gateway_settings_without_gateway_routing_are_refused() -> None:
    router = environment(apps={"vllm": {"enabled": True, "gateway": {"exposure": "internal"}}})
    assert fields_of(gateway_problems(router)) == ["apps.vllm.gateway"]
    assert gateway_problems(environment(apps={"vllm": {"enabled": True}})) == []


def test_two_models_whose_endpoint_pickers_would_share_a_name_are_refused() -> None:
    first, second = ({"name": f"{'m' * 30}{end}", "model": "facebook/opt-125m"} for end in ("-a", "-b"))
    (problem,) = gateway_problems(environment(**gateway(first, second)))
    assert problem.field == "apps.vllm.models.1.name"


def test_the_loader_names_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(
        yaml.safe_dump({"name": "gw", "cloud": "aws", **gateway(routingLogic="prefixaware")}, sort_keys=False)
    )
    with pytest.raises(ConfigError) as error:
        load_environment_file(path)
    (expected,) = routing_problems(environment(**gateway(routingLogic="prefixaware")))
    assert error.value.lines == [f"{path}: apps.vllm.routingLogic: {expected.problem}"]


# --- the endpoint pickers' dashboard


def test_with_monitoring_grafana_gets_the_endpoint_pickers_dashboard() -> None:
    config_map = objects_of(gateway(monitoring=True))["ConfigMap"]
    assert config_map["metadata"]["labels"] == {"grafana_dashboard": "1"}  # what Grafana's sidecar loads
    (document,) = config_map["data"].values()
    dashboard = json.loads(document)
    assert dashboard["uid"] == "inference-gateway-pools"
    assert len(dashboard["panels"]) == 5


def test_without_monitoring_there_is_no_dashboard() -> None:
    assert "ConfigMap" not in objects_of(gateway(monitoring=False))


def test_every_panel_reads_a_metric_the_endpoint_picker_exports() -> None:
    dashboard = json.loads(dashboard_json())
    for panel in dashboard["panels"]:
        (target,) = panel["targets"]
        names = set(re.findall(r"[a-z_]+(?=[\[{)\s]|$)", target["expr"])) - {"sum", "by", "rate", "model_name"}
        assert names, panel["title"]
        assert names <= EPP_METRICS, (panel["title"], names - EPP_METRICS)


def test_panels_do_not_overlap() -> None:
    cells = set()
    for panel in json.loads(dashboard_json())["panels"]:
        grid = panel["gridPos"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, panel["title"]
                cells.add((x, y))
