"""Applies each CRD bundle of catalogue/gateway.py at deploy: the release asset read by Terraform's http data source
and checked against its pin, then one `kubernetes_manifest` per document of the bundle's kinds.

Why this way:
- The product commits no fetched YAML and synth stays offline, so Terraform reads the file. The data source's URL
  is a constant, so Terraform reads it during the plan: every document, and every for_each key, is known there.
- A file that is not the pinned release (another version, a CRD missing) fails the data source's postcondition in
  the plan, before anything is applied, with one line that names the file, the version and the HTTP status.
- `kubernetes_manifest` applies server-side: HTTPRoute's CRD is ~242 KB as compact JSON, at the edge of the 256 KiB
  that client-side apply's last-applied annotation may hold; agentgateway applies these CRDs server-side for that
  reason (research/gateway.md section 1).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from cdktf import (
    ITerraformDependable,
    Postcondition,
    TerraformIterator,
    TerraformLocal,
    TerraformResourceLifecycle,
    TerraformStack,
    Token,
)
from cdktf_cdktf_provider_http.data_http import DataHttp
from cdktf_cdktf_provider_http.provider import HttpProvider
from cdktf_cdktf_provider_kubernetes.manifest import (
    Manifest,
    ManifestFieldManager,
    ManifestWait,
    ManifestWaitCondition,
)

from apps.declaration import GATEWAY_CRDS
from apps.gateway_crds import DECLARATION
from apps.installer import InstallContext, Installed
from catalogue.gateway import CRD_BUNDLES, CrdBundle
from constructs import Construct

CRD_KIND = "CustomResourceDefinition"


def documents_expression(body: str) -> str:
    """The objects of a multi-document YAML file, decoded. The release assets put each document after a `---`
    line; a part without a top-level `kind:` holds only comments (the licence header), which yamldecode refuses."""
    return (
        f'${{[for text in split("\\n---\\n", {body}) : yamldecode(text) if length(regexall("(?m)^kind:", text)) > 0]}}'
    )


def manifests_expression(documents: str, kind: str, names: Sequence[str] = ()) -> str:
    """The documents of one kind (and of those names, when given) by name, each without its top-level `status`:
    kubernetes_manifest refuses one (hashicorp/terraform-provider-kubernetes#1428), and the GAIE CRDs carry an
    empty one that the API server would ignore anyway."""
    named = f" && contains({json.dumps(list(names))}, document.metadata.name)" if names else ""
    return (
        f"${{{{ for document in {documents} : document.metadata.name => "
        f'{{ for key, value in document : key => value if key != "status" }} if document.kind == "{kind}"{named} }}}}'
    )


def pinned_release_condition(bundle: CrdBundle) -> str:
    """The body is the pinned release: answered 200, names every CRD the stack relies on, and every bundle-version
    annotation of its CRDs (`<group>/bundle-version`) is the pinned version, with at least one of them."""
    # In HCL's strings `\\S` is the regex's \S and `\n` a newline (each CRD's name ends its line)
    versions = r'regexall("bundle-version: (\\S+)", self.response_body)'
    return (
        "${self.status_code == 200"
        f" && alltrue([for name in {json.dumps(list(bundle.crds))} :"
        r' strcontains(self.response_body, format("name: %s\n", name))])'
        f" && length({versions}) > 0"
        f' && alltrue([for found in {versions} : found[0] == "{bundle.version}"])}}'
    )


class CrdBundleManifests(Construct):
    """One bundle: its file, checked, and a `kubernetes_manifest` resource per kind, one instance per document."""

    def __init__(
        self, scope: Construct, construct_id: str, *, bundle: CrdBundle, after: Sequence[ITerraformDependable]
    ) -> None:
        super().__init__(scope, construct_id)
        # No depends_on here: it would defer the read to the apply, and the for_each keys below with it.
        self.file = DataHttp(
            self,
            "file",
            url=bundle.url,
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=pinned_release_condition(bundle),
                        error_message=(
                            f"{bundle.file_name}: {bundle.url} answered HTTP ${{self.status_code}} without the "
                            f"{bundle.version} CRDs catalogue/gateway.py pins ({', '.join(bundle.crds)}, every "
                            f"bundle-version annotation {bundle.version})"
                        ),
                    )
                ]
            ),
        )
        # Decoded once for all the kinds below.
        documents = TerraformLocal(self, "documents", documents_expression(self.file.response_body))
        self.manifests = []
        for kind in bundle.kinds:
            by_name = TerraformIterator.from_map(
                Token.as_any_map(manifests_expression(documents.fqn, kind, bundle.names))
            )
            self.manifests.append(
                Manifest(
                    self,
                    kind,
                    for_each=by_name,
                    manifest=Token.as_any_map(by_name.value),
                    # An object of this name that another tool applied (an earlier install, kubectl) must be
                    # imported first (kubernetes_manifest creates, never adopts); once imported, Terraform's apply
                    # takes over the fields that tool's field manager owns instead of stopping on the conflict.
                    field_manager=ManifestFieldManager(force_conflicts=True),
                    # The next apps create objects of these kinds at once: wait until the API server serves them.
                    wait=ManifestWait(condition=[ManifestWaitCondition(type="Established", status="True")])
                    if kind == CRD_KIND
                    else None,
                    depends_on=list(after) or None,
                )
            )


class GatewayCrds(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, after: Sequence[ITerraformDependable]) -> None:
        super().__init__(scope, construct_id)
        HttpProvider(self, "http")  # no settings: the assets are public
        self.bundles = [CrdBundleManifests(self, bundle.name, bundle=bundle, after=after) for bundle in CRD_BUNDLES]


def install(stack: TerraformStack, context: InstallContext) -> Installed:
    crds = GatewayCrds(stack, DECLARATION.construct_id, after=context.after)
    return Installed(provides={GATEWAY_CRDS: [manifest for bundle in crds.bundles for manifest in bundle.manifests]})
