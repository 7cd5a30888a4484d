"""GKE's own Gateway policy CRDs, which its cluster serves beside the Gateway API and InferencePool CRDs that
tests/support/rendering.py `cluster_bundles` stands in for: HealthCheckPolicy and GCPBackendPolicy
(networking.gke.io/v1), which llm-d-router-gateway renders with `provider.name: gke`. The schemas are our own, written
from GKE's documentation of the fields (tests/data/gke-gateway-policy-crds.yaml says which).
Nothing here imports the render harness, so the harness can import it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.support.synthesized_stacks import SynthesizedStack

GKE_GATEWAY_CRDS = Path(__file__).resolve().parents[1] / "data" / "gke-gateway-policy-crds.yaml"


@cache
def _gke_gateway_crds() -> tuple[dict[str, Any], ...]:
    return tuple(item for item in yaml.safe_load_all(GKE_GATEWAY_CRDS.read_text()) if item)


def gke_policy_crds(cluster: SynthesizedStack) -> list[dict[str, Any]]:
    """GKE's policy CRDs where the cluster serves the Gateway API (its gateway_api_config, as `cluster_bundles`)."""
    served = any(resource.get("gateway_api_config") for resource in cluster.resources("google_container_cluster"))
    return list(_gke_gateway_crds()) if served else []
