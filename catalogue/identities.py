"""Kubernetes service accounts that a cloud identity is bound to: what every cloud's federation matches."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KubernetesServiceAccount:
    namespace: str
    name: str

    @property
    def subject(self) -> str:
        # The `sub` claim of the service account's projected token; IRSA, GKE and AKS federation all match it.
        return f"system:serviceaccount:{self.namespace}:{self.name}"
