"""Objects whose kinds another release's CRDs define (Argo CD Application, ESO ClusterSecretStore, ...).

They cannot be planned as `kubernetes_manifest` before the CRDs exist, so they ride in a release of our own
`charts/custom-objects` chart that depends on the release owning the CRDs: one apply creates both, in order,
with no kubectl or local-exec (works on Terraform Cloud, whose runs receive the chart inside the stack folder).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cdktf import AssetType, ITerraformDependable, TerraformAsset
from cdktf_cdktf_provider_helm.release import Release
from pydantic import SerializeAsAny

from constructs import Construct
from constructs.helm.values import HelmValues

CHART_DIRECTORY = Path(__file__).resolve().parents[2] / "charts" / "custom-objects"
CHART_VERSION = "1.0.0"  # charts/custom-objects/Chart.yaml; a test keeps the two equal
TIMEOUT_SECONDS = 300  # plain objects: nothing to wait for but the API server and the CRD owner's webhooks


class CustomObjectsValues(HelmValues):
    # SerializeAsAny: each object serialises with its own fields, not as the bare base model.
    objects: Sequence[SerializeAsAny[HelmValues]]


class CustomObjectsRelease(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        release_name: str,
        namespace: str,
        objects: Sequence[HelmValues],
        after: Sequence[ITerraformDependable],
    ) -> None:
        super().__init__(scope, construct_id)
        # Copied into the stack's own folder at synth time, so the stack stays self-contained.
        chart = TerraformAsset(self, "chart", path=str(CHART_DIRECTORY), type=AssetType.DIRECTORY)
        self.release = Release(
            self,
            "release",
            name=release_name,
            chart=chart.path,
            version=CHART_VERSION,
            namespace=namespace,
            atomic=True,
            cleanup_on_fail=True,
            wait=True,
            timeout=TIMEOUT_SECONDS,
            values=[CustomObjectsValues(objects=objects).to_yaml()],
            depends_on=list(after) or None,
        )
