"""AKS control-plane audit logs: a Log Analytics workspace and the cluster's diagnostic setting into it."""

from __future__ import annotations

from cdktf_cdktf_provider_azurerm.log_analytics_workspace import LogAnalyticsWorkspace
from cdktf_cdktf_provider_azurerm.monitor_diagnostic_setting import (
    MonitorDiagnosticSetting,
    MonitorDiagnosticSettingEnabledLog,
)

from constructs import Construct

# API writes (kube-audit-admin drops get/list, most of the volume); guard: Entra ID and Azure RBAC decisions.
AUDIT_LOG_CATEGORIES = ["kube-audit-admin", "guard"]
# Ingestion dominates the cost; keeping audit logs 90 rather than the included 31 days adds little.
LOG_RETENTION_DAYS = 90


class AksAuditLogs(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        cluster_id: str,
        location: str,
        resource_group_name: str,
        tags: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.workspace = LogAnalyticsWorkspace(
            self,
            "workspace",
            name=f"{cluster_name}-logs",
            location=location,
            resource_group_name=resource_group_name,
            sku="PerGB2018",
            retention_in_days=LOG_RETENTION_DAYS,
            tags=tags,
        )
        self.diagnostic_setting = MonitorDiagnosticSetting(
            self,
            "control-plane",
            name=f"{cluster_name}-control-plane",
            target_resource_id=cluster_id,
            log_analytics_workspace_id=self.workspace.id,
            # Resource-specific tables (AKSAudit, AKSAuditAdmin, ...) instead of the shared AzureDiagnostics.
            log_analytics_destination_type="Dedicated",
            enabled_log=[MonitorDiagnosticSettingEnabledLog(category=category) for category in AUDIT_LOG_CATEGORIES],
        )
