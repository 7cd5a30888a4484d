"""A Helm release the way every app in the apps stack is installed: pinned, atomic, with its own namespace."""

from __future__ import annotations

from cdktf_cdktf_provider_helm.release import Release

from config.charts import ChartPin
from constructs import Construct
from constructs.apps.helm_values import HelmValues


class PinnedHelmRelease(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, pin: ChartPin, values: HelmValues) -> None:
        super().__init__(scope, construct_id)
        self.pin = pin
        self.release = Release(
            self,
            "release",
            name=pin.release,
            chart=pin.chart,
            repository=pin.repository,
            version=pin.version,
            namespace=pin.namespace,
            create_namespace=True,
            # atomic rolls a failed install back instead of leaving half a release behind
            atomic=True,
            cleanup_on_fail=True,
            wait=True,
            timeout=pin.timeout_seconds,
            values=[values.to_yaml()],
        )
