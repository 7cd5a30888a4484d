"""A Grafana dashboard of the endpoint pickers, ours: what each model's pool holds and how the picker sees it.

Built from data and serialised once; apps/inference_gateway/install.py ships it in a ConfigMap with the label Grafana's
dashboard sidecar loads (`grafana_dashboard: "1"`; apps/monitoring/install.py watches ConfigMaps in every namespace).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

# The endpoint picker's own metrics that the panels read (llm-d-router v0.10.0 docs/metrics.md, research/gateway.md
# section 5): pool gauges carry the label `name` (the pool), request counters `model_name`.
EPP_METRICS = frozenset(
    {
        "llm_d_epp_average_queue_size",
        "llm_d_epp_average_running_requests",
        "llm_d_epp_average_kv_cache_utilization",
        "llm_d_epp_ready_endpoints",
        "llm_d_epp_request_total",
    }
)
DASHBOARD_LABEL = {"grafana_dashboard": "1"}
DASHBOARD_UID = "inference-gateway-pools"


@dataclass(frozen=True)
class Panel:
    title: str
    expression: str
    legend: str
    unit: str = "short"


PANELS = (
    Panel("Requests waiting per engine", "llm_d_epp_average_queue_size", "{{name}}"),
    Panel("Requests running per engine", "llm_d_epp_average_running_requests", "{{name}}"),
    Panel("KV cache in use", "llm_d_epp_average_kv_cache_utilization", "{{name}}", "percentunit"),
    Panel("Engines the picker can send to", "llm_d_epp_ready_endpoints", "{{name}}"),
    Panel("Requests per second", "sum by (model_name) (rate(llm_d_epp_request_total[5m]))", "{{model_name}}", "reqps"),
)
PANEL_WIDTH, PANEL_HEIGHT, COLUMNS = 12, 8, 2


def dashboard_json() -> str:
    panels = [
        {
            "id": index + 1,
            "type": "timeseries",
            "title": panel.title,
            "datasource": {"type": "prometheus", "uid": "prometheus"},
            "gridPos": {
                "x": (index % COLUMNS) * PANEL_WIDTH,
                "y": (index // COLUMNS) * PANEL_HEIGHT,
                "w": PANEL_WIDTH,
                "h": PANEL_HEIGHT,
            },
            "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
            "targets": [{"refId": "A", "expr": panel.expression, "legendFormat": panel.legend}],
        }
        for index, panel in enumerate(PANELS)
    ]
    dashboard = {
        "uid": DASHBOARD_UID,
        "title": "Inference gateway: endpoint pickers",
        "schemaVersion": 39,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "30s",
        "panels": panels,
    }
    return json.dumps(dashboard, sort_keys=True)
