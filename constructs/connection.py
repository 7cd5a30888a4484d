"""How the apps stack's in-cluster providers (Helm, Kubernetes) reach one cluster: the same fields for both."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from cdktf import TerraformStack
from cdktf_cdktf_provider_helm.provider import HelmProvider, HelmProviderKubernetes
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider


@dataclass(frozen=True)
class ClusterConnection:
    """Terraform references into the cloud's cluster data sources; each cloud fills token or client certificate."""

    host: str
    cluster_ca_certificate: str | None = None  # None: the endpoint's certificate is publicly trusted (GKE DNS)
    token: str | None = None
    client_certificate: str | None = None
    client_key: str | None = None

    def configure_providers(self, stack: TerraformStack) -> None:
        fields = {name: value for name, value in asdict(self).items() if value is not None}
        HelmProvider(stack, "helm", kubernetes=HelmProviderKubernetes(**fields))
        KubernetesProvider(stack, "kubernetes", **fields)
