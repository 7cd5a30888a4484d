"""A Helm release the way every app in the apps stack is installed: pinned, atomic, into a namespace made first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_helm.release import Release, ReleaseSet, ReleaseSetSensitive

from catalogue.charts import ChartPin
from constructs import Construct
from constructs.helm.values import HelmValues


class PinnedHelmRelease(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pin: ChartPin,
        values: HelmValues,
        computed: Mapping[str, str] | None = None,
        sensitive: Mapping[str, str] | None = None,
        after: Sequence[ITerraformDependable] = (),
    ) -> None:
        """`computed` and `sensitive` take chart value paths to Terraform references, which typed values cannot hold;
        sensitive ones stay out of plans and logs. `after`: what must exist before the install starts, the
        release's namespace among them."""
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
            # The stack creates the namespace first, with its Pod Security labels (constructs/helm/namespaces.py):
            # one Helm created would carry none.
            create_namespace=False,
            # atomic rolls a failed install back instead of leaving half a release behind
            atomic=True,
            cleanup_on_fail=True,
            wait=True,
            timeout=pin.timeout_seconds,
            values=[values.to_yaml()],
            set=[ReleaseSet(name=path, value=value, type="string") for path, value in (computed or {}).items()] or None,
            set_sensitive=[
                ReleaseSetSensitive(name=path, value=value, type="string") for path, value in (sensitive or {}).items()
            ]
            or None,
            depends_on=list(after) or None,
        )
