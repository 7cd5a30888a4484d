"""Every `helm_release` of a synthesised apps stack rendered the way the helm provider installs it, then checked.

Rebuilt from the synthesised JSON: the chart archive its pin names (checked against the pin's digest), the
values documents in order, then `set` and `set_sensitive` as `--set-string` (the provider passes `type =
"string"` entries through the same parser). Rendered with `helm template --kube-version` of the cluster and
`--api-versions` for the CRDs the other releases of the stack install, and those of the CRD bundles the stack
applies at deploy or the cluster serves itself (catalogue/gateway.py; read from the shared copies, ../shared/charts/,
checked against their pins).

What the checks use, each a function of its own so other tests (capacity, issue 20) can reuse them:
`rendered_stacks()` renders every release of every stack; `pod_templates()` gives each rendered workload's pod
spec with its requests; `node_pools()` the pools of the paired cluster stack, with what each cloud and the
installed software add; `placement_problems()` and `object_problems()` say what would not schedule or validate.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.resources
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml
from referencing import Registry, Resource

from catalogue import charts
from catalogue.charts import ChartPin
from catalogue.gateway import CRD_BUNDLES, CrdBundle
from catalogue.machines import MACHINES, Cloud
from tests.support.cluster_crds import gke_policy_crds
from tests.support.synthesized_stacks import SynthesizedStack
from tests.support.terraform_tools import GO_RUNTIME

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HELM = Path(os.environ.get("GPU_CLUSTERS_HELM", PROJECT_ROOT / ".tools" / "bin" / "helm"))
CHART_CACHE = Path(os.environ.get("GPU_CLUSTERS_CHART_CACHE", PROJECT_ROOT / ".chart-cache"))
# The CRD bundles are no charts, so `make charts` does not fetch them: the tests read the shared copies.
SHARED_CHARTS = Path(os.environ.get("GPU_CLUSTERS_SHARED_CHARTS", PROJECT_ROOT.parent / "shared" / "charts"))
RENDER_TIMEOUT_SECONDS = 120
GPU_RESOURCE = "nvidia.com/gpu"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet")

# Terraform references in `set`/`set_sensitive` are unknown until apply; the chart gets a value of the same shape.
REFERENCE_PLACEHOLDERS: tuple[tuple[str, str], ...] = (
    (".rfc3339}", "2026-01-01T00:00:00Z"),  # time_static: the chart formats it as a date
    (".bcrypt_hash}", "$2a$10$" + "x" * 53),  # random_password: Argo CD reads a bcrypt hash
)
GENERIC_PLACEHOLDER = "terraform-reference-placeholder"


class RenderError(Exception):
    pass


# --- tools -----------------------------------------------------------------------------------------------------


def require_helm() -> Path:
    if not HELM.is_file():
        pytest.fail(f"no helm at {HELM}: run `make install-dev` (it unpacks the pinned one)", pytrace=False)
    return HELM


@cache
def helm_digest() -> str:
    return hashlib.sha256(require_helm().read_bytes()).hexdigest()


def chart_pins() -> list[ChartPin]:
    return [value for value in vars(charts).values() if isinstance(value, ChartPin)]


def pin_of(chart: str, version: str) -> ChartPin:
    pins = [pin for pin in chart_pins() if pin.chart == chart and pin.version == version]
    if not pins:
        pytest.fail(f"{chart} {version} is installed but not pinned in catalogue/charts.py", pytrace=False)
    return pins[0]


@cache
def pinned_archive(chart: str, version: str) -> Path:
    """The cached archive of a pinned chart; a test that finds none fails naming `make charts`."""
    pin = pin_of(chart, version)
    archive = CHART_CACHE / pin.archive_name
    if not archive.is_file():
        pytest.fail(f"no chart archive {archive}: run `make charts`", pytrace=False)
    if hashlib.sha256(archive.read_bytes()).hexdigest() != pin.digest:
        pytest.fail(f"{archive} does not match its catalogue/charts.py digest: run `make charts`", pytrace=False)
    return archive


@cache
def pinned_chart(chart: str, version: str) -> Path:
    """The pinned archive unpacked once, in a folder named by its digest: Helm loads a chart folder in 40-60 ms
    less than its archive (vllm-stack 166 -> 104 ms), and the value checks render ~700 times."""
    archive = pinned_archive(chart, version)  # checked against its pin's digest, which names the folder
    folder = CHART_CACHE / "unpacked" / pin_of(chart, version).digest
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=folder.parent))
        try:
            with tarfile.open(archive) as bundle:
                bundle.extractall(scratch, filter="data")
            scratch.rename(folder)  # whole or not at all, whichever xdist worker gets there first
        except OSError:
            if not folder.is_dir():
                raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    (unpacked,) = [path for path in folder.iterdir() if (path / "Chart.yaml").is_file()]
    return unpacked


@cache
def bundle_documents(bundle: CrdBundle) -> tuple[dict[str, Any], ...]:
    """The objects of a CRD bundle that the deploy applies (its kinds, and its names where it lists some), from the
    shared copy; a copy that is missing or differs from the pin fails the test."""
    path = SHARED_CHARTS / bundle.file_name
    if not path.is_file():
        pytest.fail(f"no CRD bundle {path} (set GPU_CLUSTERS_SHARED_CHARTS to the shared archives)", pytrace=False)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != bundle.sha256:
        pytest.fail(f"{path} does not match its catalogue/gateway.py sha256", pytrace=False)
    return tuple(
        item
        for item in parse_manifest(data.decode())
        if item.get("kind") in bundle.kinds and (not bundle.names or item["metadata"]["name"] in bundle.names)
    )


def applied_bundles(apps: SynthesizedStack) -> list[CrdBundle]:
    """The CRD bundles a stack applies at deploy: those whose file one of its http data sources reads."""
    urls = {str(source.get("url")) for source in apps.json.get("data", {}).get("http", {}).values()}
    return [bundle for bundle in CRD_BUNDLES if bundle.url in urls]


def cluster_bundles(cluster: SynthesizedStack) -> list[CrdBundle]:
    """The CRD bundles standing in for CRDs the cluster serves itself: GKE's managed Gateway API (gateway_api_config,
    CHANNEL_STANDARD) installs the standard Gateway API CRDs and, on every GKE version the product runs, InferencePool
    (catalogue/gateway.py GKE_INFERENCE_POOL_SINCE). GKE chooses their versions; the bundles are the nearest we pin."""
    channels = {
        (resource.get("gateway_api_config") or {}).get("channel")
        for resource in cluster.resources("google_container_cluster")
    }
    return list(CRD_BUNDLES) if "CHANNEL_STANDARD" in channels else []


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# --- what the provider passes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseInput:
    """One helm_release as the provider hands it to Helm."""

    stack: str
    name: str
    namespace: str
    chart: str  # the chart's name ("custom-objects" for the product's own)
    version: str
    chart_path: Path
    chart_digest: str
    values: tuple[str, ...]  # YAML documents, in order
    set_strings: tuple[tuple[str, str], ...]  # `set` then `set_sensitive`
    kube_version: str
    api_versions: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.stack}/{self.name}"

    def with_values(self, values: Sequence[str], set_strings: Sequence[tuple[str, str]]) -> ReleaseInput:
        return ReleaseInput(**{**self.__dict__, "values": tuple(values), "set_strings": tuple(set_strings)})

    def helm_arguments(self, values_files: Sequence[Path]) -> list[str]:
        arguments = [
            "template",
            self.name,
            str(self.chart_path),
            "--namespace",
            self.namespace,
            "--kube-version",
            self.kube_version,
            "--include-crds",  # the provider installs a chart's crds/ folder (skip_crds defaults to false)
        ]
        for api_version in self.api_versions:
            arguments += ["--api-versions", api_version]
        for path in values_files:
            arguments += ["--values", str(path)]
        for name, value in self.set_strings:
            arguments += ["--set-string", f"{name}={value}"]
        return arguments

    def cache_key(self) -> str:
        material = [helm_digest(), self.chart_digest, self.name, self.namespace, self.kube_version]
        return hashlib.sha256(
            json.dumps([*material, self.api_versions, self.values, self.set_strings]).encode()
        ).hexdigest()


def placeholder_for(value: str) -> str:
    if "${" not in value:
        return value
    return next(
        (stand_in for suffix, stand_in in REFERENCE_PLACEHOLDERS if value.endswith(suffix)), GENERIC_PLACEHOLDER
    )


def cluster_version(cluster: Mapping[str, Any]) -> str:
    resources = cluster.get("resource", {})
    for resource_type, attribute in (
        ("aws_eks_cluster", "version"),
        ("google_container_cluster", "min_master_version"),
        ("azurerm_kubernetes_cluster", "kubernetes_version"),
    ):
        for resource in resources.get(resource_type, {}).values():
            return str(resource[attribute])
    raise AssertionError("cluster stack without a Kubernetes cluster")


def release_inputs(apps: SynthesizedStack, cluster: SynthesizedStack) -> list[ReleaseInput]:
    kube_version = cluster_version(cluster.json)
    inputs = []
    for release in apps.resources("helm_release"):
        chart = str(release["chart"])
        if chart.startswith("assets/"):  # the product's own chart, copied into the stack folder by CDKTF
            local = apps.path.parent / chart
            name, version = yaml.safe_load((local / "Chart.yaml").read_text())["name"], str(release.get("version", ""))
            path, digest = local, _tree_digest(local)
        else:
            name, version = chart, str(release["version"])
            path = pinned_chart(name, version)
            digest = pin_of(name, version).digest
        entries = [*(release.get("set") or []), *(release.get("set_sensitive") or [])]
        assert all(entry.get("type", "string") == "string" for entry in entries), release["name"]
        inputs.append(
            ReleaseInput(
                stack=apps.name,
                name=str(release["name"]),
                namespace=str(release["namespace"]),
                chart=name,
                version=version,
                chart_path=path,
                chart_digest=digest,
                values=tuple(release.get("values") or ()),
                set_strings=tuple((str(entry["name"]), placeholder_for(str(entry["value"]))) for entry in entries),
                kube_version=kube_version,
            )
        )
    return inputs


# --- rendering -------------------------------------------------------------------------------------------------


class Renderer:
    """`helm template`, memoised by content (chart digest, values, arguments) in memory and in `cache_dir`.

    The disk cache is keyed by a hash of everything that decides the output, so xdist workers may share it;
    each entry is written to a temporary file and renamed, never seen half-written.
    """

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.renders = 0
        self._objects: dict[str, list[dict[str, Any]]] = {}

    def objects(self, key: str, text: str) -> list[dict[str, Any]]:
        """Parsed once per distinct render (many stacks install the same release): shared, so read-only."""
        if key not in self._objects:
            self._objects[key] = parse_manifest(text)
        return self._objects[key]

    def render(self, release: ReleaseInput) -> str:
        """The rendered manifest; a chart that refuses the values raises RenderError with Helm's message."""
        key = release.cache_key()
        done, failed = self.cache_dir / f"{key}.yaml", self.cache_dir / f"{key}.error"
        if done.is_file():
            return done.read_text()
        if failed.is_file():
            raise RenderError(failed.read_text())
        with tempfile.TemporaryDirectory(dir=self.cache_dir) as scratch:
            files = []
            for index, document in enumerate(release.values):
                files.append(Path(scratch) / f"values-{index}.yaml")
                files[-1].write_text(document)
            result = subprocess.run(
                [str(require_helm()), *release.helm_arguments(files)],
                check=False,  # a refused render is a result, cached like an output
                capture_output=True,
                text=True,
                timeout=RENDER_TIMEOUT_SECONDS,
                env={
                    **os.environ,
                    **GO_RUNTIME,
                    "HELM_CACHE_HOME": scratch,
                    "HELM_CONFIG_HOME": scratch,
                    "HELM_DATA_HOME": scratch,
                },
            )
            self.renders += 1
            target, text = (done, result.stdout) if result.returncode == 0 else (failed, result.stderr.strip())
            partial = Path(scratch) / "out"
            partial.write_text(text)
            partial.replace(target)
        if result.returncode != 0:
            raise RenderError(text)
        return text

    def render_all(self, releases: Sequence[ReleaseInput]) -> list[str | RenderError]:
        def one(release: ReleaseInput) -> str | RenderError:
            try:
                return self.render(release)
            except RenderError as error:
                return error

        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            return list(pool.map(one, releases))


_DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
_CRD_DOCUMENT = re.compile(r"^kind:\s*CustomResourceDefinition\s*$", re.MULTILINE)


class _ManifestLoader(yaml.CSafeLoader):
    """YAML 1.1's `=` (value) tag is a plain string to Kubernetes: prometheus-operator CRDs list it in enums."""


def _value_tag(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node)) if isinstance(node, yaml.ScalarNode) else "="


_ManifestLoader.add_constructor("tag:yaml.org,2002:value", _value_tag)


def parse_manifest(text: str, *, crds_only: bool = False) -> list[dict[str, Any]]:
    """The objects of a rendered manifest (libyaml: the pure-Python parser takes ~8 s for Argo CD's CRDs)."""
    documents = _DOCUMENT_SEPARATOR.split(text)
    if crds_only:
        documents = [document for document in documents if _CRD_DOCUMENT.search(document)]
    parsed = (_parsed_document(document) for document in documents)
    return _flattened(document for document in parsed if isinstance(document, dict) and document)


@cache
def _parsed_document(document: str) -> Any:
    """Each distinct document parsed once per process, so read-only: a chart's CRDs come out the same in every
    stack that installs it (kube-prometheus-stack's ~2 s of parsing, in six stacks, each rendered twice)."""
    return yaml.load(document, Loader=_ManifestLoader)


def _flattened(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """`kind: List` documents as their items, as kubectl applies them (kube-prometheus-stack renders its
    additionalServiceMonitors as one List)."""
    flat: list[dict[str, Any]] = []
    for item in objects:
        flat += _flattened(item.get("items") or []) if item.get("kind") == "List" else [item]
    return flat


@dataclass
class RenderedRelease:
    input: ReleaseInput
    objects: list[dict[str, Any]]
    error: str | None = None

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [item for item in self.objects if item.get("kind") in kinds]


def crd_api_versions(crds: Iterable[Mapping[str, Any]]) -> list[str]:
    """What `--api-versions` needs for Capabilities.APIVersions.Has to see these CRDs: group/version[/Kind]."""
    found = set()
    for crd in crds:
        spec = crd["spec"]
        for version in spec.get("versions", []):
            if version.get("served", True):
                found |= {
                    f"{spec['group']}/{version['name']}",
                    f"{spec['group']}/{version['name']}/{spec['names']['kind']}",
                }
    return sorted(found)


@dataclass
class RenderedStack:
    apps: SynthesizedStack
    cluster: SynthesizedStack
    releases: list[RenderedRelease]
    applied: list[dict[str, Any]] = field(default_factory=list)  # the CRD bundles' objects, applied outside Helm
    served: list[dict[str, Any]] = field(default_factory=list)  # CRDs the cluster brings (bundles stand in for them)

    @property
    def name(self) -> str:
        return self.apps.name

    @cached_property
    def cloud(self) -> Cloud:
        resources = self.cluster.json.get("resource", {})
        if "aws_eks_cluster" in resources:
            return Cloud.AWS
        if "google_container_cluster" in resources:
            return Cloud.GOOGLE
        return Cloud.AZURE

    @cached_property
    def crds(self) -> list[dict[str, Any]]:
        installed = [crd for release in self.releases for crd in release.of_kind("CustomResourceDefinition")]
        applied = [item for item in self.applied if item.get("kind") == "CustomResourceDefinition"]
        return installed + applied + self.served


def pair_stacks(stacks: Sequence[SynthesizedStack]) -> list[tuple[SynthesizedStack, SynthesizedStack]]:
    by_name = {stack.name: stack for stack in stacks}
    return [
        (stack, by_name[stack.name.removesuffix("-apps") + "-cluster"])
        for stack in stacks
        if stack.name.endswith("-apps")
    ]


def render_stack(renderer: Renderer, apps: SynthesizedStack, cluster: SynthesizedStack) -> RenderedStack:
    return render_inputs(renderer, apps, cluster, release_inputs(apps, cluster))


def render_inputs(
    renderer: Renderer, apps: SynthesizedStack, cluster: SynthesizedStack, inputs: Sequence[ReleaseInput]
) -> RenderedStack:
    """Two passes: each release alone gives the CRDs it installs, then each renders seeing the others' CRDs, those
    the stack applies from CRD bundles and those the cluster serves itself."""
    applied = [item for bundle in applied_bundles(apps) for item in bundle_documents(bundle)]
    served = [
        *(
            item
            for bundle in cluster_bundles(cluster)
            for item in bundle_documents(bundle)
            if item.get("kind") == "CustomResourceDefinition"
        ),
        *gke_policy_crds(cluster),
    ]
    known_crds = [item for item in applied if item.get("kind") == "CustomResourceDefinition"] + served
    first = renderer.render_all(inputs)
    crds_by_release = [[] if isinstance(text, RenderError) else parse_manifest(text, crds_only=True) for text in first]
    final_inputs = [
        ReleaseInput(
            **{
                **release.__dict__,
                "api_versions": tuple(
                    crd_api_versions(
                        [
                            *(crd for other, crds in enumerate(crds_by_release) if other != index for crd in crds),
                            *known_crds,
                        ]
                    )
                ),
            }
        )
        for index, release in enumerate(inputs)
    ]
    rendered = []
    for release, text in zip(final_inputs, renderer.render_all(final_inputs), strict=True):
        if isinstance(text, RenderError):
            rendered.append(RenderedRelease(release, [], error=str(text)))
        else:
            rendered.append(RenderedRelease(release, renderer.objects(release.cache_key(), text)))
    return RenderedStack(apps, cluster, rendered, applied, served)


def rendered_stacks(renderer: Renderer, stacks: Sequence[SynthesizedStack]) -> list[RenderedStack]:
    return [render_stack(renderer, apps, cluster) for apps, cluster in pair_stacks(stacks)]


# --- Kubernetes and CRD schemas --------------------------------------------------------------------------------

SCHEMA_ROOT = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"


@cache
def schema_versions() -> tuple[str, ...]:
    """The Kubernetes minors kubernetes-validate ships schemas for (1.25-1.37 in 1.37.0)."""
    names = [entry.name for entry in SCHEMA_ROOT.iterdir() if re.fullmatch(r"v\d+\.\d+\.\d+-local-strict", entry.name)]
    return tuple(
        sorted({".".join(name[1:].split(".")[:2]) for name in names}, key=lambda v: tuple(map(int, v.split("."))))
    )


def schema_version_for(cluster_version: str) -> str:
    """The cluster's own minor where shipped, else the nearest shipped one (older clusters: the oldest)."""
    wanted = tuple(map(int, cluster_version.split(".")[:2]))
    shipped = [tuple(map(int, version.split("."))) for version in schema_versions()]
    nearest = min(
        shipped, key=lambda version: (abs(version[1] - wanted[1]) + 100 * abs(version[0] - wanted[0]), version)
    )
    return ".".join(map(str, nearest))


@cache
def _definitions(version: str) -> Resource[Any]:
    text = (SCHEMA_ROOT / f"v{version}.0-local-strict" / "_definitions.json").read_text()
    return Resource.from_contents(json.loads(text))


@cache
def kubernetes_validator(version: str, kind: str, api_version: str) -> jsonschema.Draft202012Validator | None:
    """The strict schema (unknown fields are errors) of a built-in kind, or None when it is not built in."""
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = SCHEMA_ROOT / f"v{version}.0-local-strict" / f"{kind.lower()}-{group_version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    registry: Registry[Any] = Resource.from_contents(schema) @ (_definitions(version) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _crd_schema(crds: Sequence[Mapping[str, Any]], api_version: str, kind: str) -> Mapping[str, Any] | None:
    group, _, version = api_version.rpartition("/")
    for crd in crds:
        spec = crd["spec"]
        if spec["group"] == group and spec["names"]["kind"] == kind:
            for entry in spec.get("versions", []):
                if entry["name"] == version:
                    return dict(entry.get("schema", {}).get("openAPIV3Schema", {}))
    return None


def pruned_fields(value: Any, schema: Mapping[str, Any], path: str = "") -> list[str]:
    """Fields a structural CRD schema does not declare: the API server drops them without an error."""
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    if isinstance(value, dict):
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        found = []
        for key, item in value.items():
            if properties is not None and key in properties:
                found += pruned_fields(item, properties[key], f"{path}.{key}")
            elif isinstance(extra, dict):
                found += pruned_fields(item, extra, f"{path}.{key}")
            elif (properties is not None or extra is False) and not (
                path == "" and key in ("apiVersion", "kind", "metadata")
            ):
                found.append(f"{path}.{key}".lstrip("."))
        return found
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [
            problem
            for index, item in enumerate(value)
            for problem in pruned_fields(item, schema["items"], f"{path}[{index}]")
        ]
    return []


_VALIDATED: dict[tuple[int, str], list[str]] = {}


def _schema_errors(validator: Any, item: Mapping[str, Any]) -> list[str]:
    """Memoised per validator and object content: the same object is rendered by many stacks."""
    key = (id(validator), hashlib.sha256(json.dumps(item, sort_keys=True, default=str).encode()).hexdigest())
    if key not in _VALIDATED:
        _VALIDATED[key] = [error.message[:300] for error in validator.iter_errors(item)]
    return _VALIDATED[key]


def _crd_validator(schema: Mapping[str, Any]) -> jsonschema.Draft4Validator:
    # openAPIV3Schema is OpenAPI 3.0's subset of JSON Schema draft 4; x-kubernetes-* keywords are ignored here
    return jsonschema.Draft4Validator(schema)


def object_problems(rendered: RenderedStack) -> list[str]:
    """Every rendered object (and every object the stack applies from a CRD bundle) against its Kubernetes schema,
    every custom resource against its CRD."""
    version = schema_version_for(rendered.releases[0].input.kube_version) if rendered.releases else ""
    labelled = [(release.input.label, item) for release in rendered.releases for item in release.objects]
    labelled += [(f"{rendered.name}/crd-bundles", item) for item in rendered.applied]
    problems = []
    for label, item in labelled:
        where = f"{label}: {item.get('kind')} {item.get('metadata', {}).get('name')}"
        validator = kubernetes_validator(version, str(item.get("kind")), str(item.get("apiVersion")))
        if validator is not None:
            problems += [f"{where}: {message}" for message in _schema_errors(validator, item)]
            continue
        schema = _crd_schema(rendered.crds, str(item.get("apiVersion")), str(item.get("kind")))
        if schema is None:
            problems.append(
                f"{where}: no Kubernetes {version} schema and no CRD in this stack for {item.get('apiVersion')}"
            )
            continue
        # metadata is the API server's ObjectMeta, not the CRD's to describe
        schema = {**schema, "properties": {**schema.get("properties", {}), "metadata": {"type": "object"}}}
        problems += [f"{where}: {error.message[:300]}" for error in _crd_validator(schema).iter_errors(item)]
        problems += [
            f"{where}: field {path!r} is not in the CRD (the API server drops it)"
            for path in pruned_fields(item, schema)
        ]
    return problems


# --- node pools ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str


@dataclass(frozen=True)
class NodePool:
    name: str
    machine_type: str
    labels: Mapping[str, str]
    taints: tuple[Taint, ...]
    gpus_per_node: int
    min_nodes: int
    max_nodes: int


# Labels every cloud's kubelet sets on every node (kubernetes.io well-known labels).
COMMON_NODE_LABELS = {"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
# What each cloud adds to a GPU pool by itself (GKE: "GKE automatically adds the nvidia.com/gpu=present:NoSchedule
# taint" and the gke-accelerator label, cloud.google.com/kubernetes-engine/docs/how-to/gpus). EKS and AKS add no
# GPU taint or label of their own; our pools carry nvidia.com/gpu=true explicitly there.
CLOUD_GPU_TAINTS: dict[Cloud, tuple[Taint, ...]] = {
    Cloud.GOOGLE: (Taint(GPU_RESOURCE, "present", "NoSchedule"),),
    Cloud.AWS: (),
    Cloud.AZURE: (),
}
# Labels software of the stack puts on GPU nodes: NFD (gpu-operator's subchart) marks NVIDIA PCI devices, the
# operator marks GPU nodes (gpu-operator deployments/gpu-operator/values.yaml, docs "GPU Feature Discovery").
SOFTWARE_GPU_LABELS: dict[str, dict[str, str]] = {
    "gpu-operator": {"feature.node.kubernetes.io/pci-10de.present": "true", "nvidia.com/gpu.present": "true"},
}
_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def _gpus(cloud: Cloud, machine_type: str) -> int:
    machine = MACHINES[cloud].get(machine_type)
    return machine.gpus.count if machine and machine.gpus else 0


def node_pools(rendered: RenderedStack) -> list[NodePool]:
    """The pools of the cluster stack, with the labels and taints the cloud and the installed software add."""
    resources, cloud = rendered.cluster.json.get("resource", {}), rendered.cloud
    pools: list[NodePool] = []
    for group in resources.get("aws_eks_node_group", {}).values():
        machine = group["instance_types"][0]
        name = str(group.get("node_group_name", group.get("node_group_name_prefix", "pool")))
        scaling = group["scaling_config"]
        pools.append(
            NodePool(
                name=name,
                machine_type=machine,
                labels={**group.get("labels", {}), "eks.amazonaws.com/nodegroup": name},
                taints=tuple(
                    Taint(t["key"], t.get("value", ""), _EFFECTS[t["effect"]]) for t in group.get("taint", [])
                ),
                gpus_per_node=_gpus(cloud, machine),
                min_nodes=int(scaling["min_size"]),
                max_nodes=int(scaling["max_size"]),
            )
        )
    for pool in resources.get("google_container_node_pool", {}).values():
        config, scaling = pool["node_config"], pool.get("autoscaling", {})
        accelerators = config.get("guest_accelerator", [])
        gpus = sum(int(a["count"]) for a in accelerators)
        labels = {**config.get("labels", {}), "cloud.google.com/gke-nodepool": str(pool.get("name", "pool"))}
        if accelerators:
            labels["cloud.google.com/gke-accelerator"] = accelerators[0]["type"]
        pools.append(
            NodePool(
                name=str(pool.get("name", "pool")),
                machine_type=config["machine_type"],
                labels=labels,
                taints=tuple(
                    Taint(t["key"], t.get("value", ""), _EFFECTS[t["effect"]]) for t in config.get("taint", [])
                )
                + (CLOUD_GPU_TAINTS[cloud] if gpus else ()),
                gpus_per_node=gpus,
                min_nodes=int(scaling.get("total_min_node_count", pool.get("node_count", 1))),
                max_nodes=int(scaling.get("total_max_node_count", pool.get("node_count", 1))),
            )
        )
    for cluster in resources.get("azurerm_kubernetes_cluster", {}).values():
        default = cluster["default_node_pool"]
        critical = default.get("only_critical_addons_enabled")
        system_taints: tuple[Taint, ...] = (Taint("CriticalAddonsOnly", "true", "NoSchedule"),) if critical else ()
        pools.append(_aks_pool(default, "system", system_taints))
    for pool in resources.get("azurerm_kubernetes_cluster_node_pool", {}).values():
        pools.append(_aks_pool(pool, "user", tuple(_aks_taint(text) for text in pool.get("node_taints", []))))
    installed = {release.input.chart for release in rendered.releases}
    software = {key: value for chart in installed for key, value in SOFTWARE_GPU_LABELS.get(chart, {}).items()}
    return [
        NodePool(
            **{
                **pool.__dict__,
                "labels": {**COMMON_NODE_LABELS, "node.kubernetes.io/instance-type": pool.machine_type, **pool.labels}
                | (software if pool.gpus_per_node else {}),
                "taints": tuple(dict.fromkeys(pool.taints)),
            }
        )
        for pool in pools
    ]


def _aks_taint(text: str) -> Taint:
    key_value, _, effect = text.rpartition(":")
    key, _, value = key_value.partition("=")
    return Taint(key, value, effect)


def _aks_pool(pool: Mapping[str, Any], mode: str, taints: tuple[Taint, ...]) -> NodePool:
    name = str(pool.get("name", mode))
    return NodePool(
        name=name,
        machine_type=pool["vm_size"],
        labels={
            **pool.get("node_labels", {}),
            "kubernetes.azure.com/agentpool": name,
            "kubernetes.azure.com/mode": mode,
        },
        taints=taints,
        gpus_per_node=_gpus(Cloud.AZURE, pool["vm_size"]),
        min_nodes=int(pool.get("min_count", pool.get("node_count", 1)) or 0),
        max_nodes=int(pool.get("max_count", pool.get("node_count", 1)) or 0),
    )


# --- pod templates ---------------------------------------------------------------------------------------------

_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(\d+(\.\d*)?|\.\d+))(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$"
)
_SUFFIX = {
    "": Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": Decimal("1e3"),
    "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"), "P": Decimal("1e15"), "E": Decimal("1e18"),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40), "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}  # fmt: skip


def parse_quantity(value: Any) -> Decimal:
    """A Kubernetes resource.Quantity as a number of base units; ValueError for what the API server rejects."""
    match = _QUANTITY.match(str(value).strip())
    if match is None:
        raise ValueError(f"{value!r} is not a Kubernetes quantity")
    suffix = match["suffix"] or ""
    try:
        scale = Decimal(f"1{suffix}") if suffix[:1] in "eE" and suffix else _SUFFIX[suffix]
        return Decimal(match["number"]) * scale
    except (InvalidOperation, KeyError) as error:
        raise ValueError(f"{value!r} is not a Kubernetes quantity") from error


@dataclass(frozen=True)
class Requests:
    cpu_millicores: int
    memory_bytes: int
    gpus: int


@dataclass(frozen=True)
class PodTemplate:
    """One rendered workload's pod: what issue 20's capacity count needs (requests, replicas, host network)."""

    stack: str
    release: str
    chart: str
    chart_version: str
    kind: str
    name: str
    namespace: str
    replicas: int | None  # None: a DaemonSet, one pod per node it reaches
    spec: Mapping[str, Any]
    requests: Requests
    problems: tuple[str, ...] = field(default=())  # quantities the API server rejects or silently rounds
    annotations: Mapping[str, str] = field(default_factory=dict)  # the pod's (Pod Security reads AppArmor's)

    @property
    def label(self) -> str:
        return f"{self.stack}/{self.release}: {self.kind} {self.name}"


# What a quantity must not be, per resource: the API server rounds CPU up to 1m and warns on fractional bytes;
# extended resources (GPUs) must be whole.
_WHOLE_UNIT = {"cpu": Decimal("0.001"), "memory": Decimal(1), GPU_RESOURCE: Decimal(1)}
_NOT_WHOLE = {"cpu": "is finer than 1m", "memory": "is a fractional byte count", GPU_RESOURCE: "is not a whole number"}


def _checked(resource: str, raw: Any, where: str, problems: list[str]) -> Decimal:
    """The quantity; 0 with a problem recorded when Kubernetes would refuse or silently round it."""
    try:
        amount = parse_quantity(raw)
    except ValueError as error:
        problems.append(f"{where}: {error}")
        return Decimal(0)
    if (amount / _WHOLE_UNIT[resource]) != (amount / _WHOLE_UNIT[resource]).to_integral_value():
        problems.append(f"{where} {raw!r} {_NOT_WHOLE[resource]}")
    return amount


def _container_requests(container: Mapping[str, Any], problems: list[str]) -> tuple[Decimal, Decimal, int]:
    """cpu (cores), memory (bytes), GPUs; a limit without a request is the request, as the API server defaults."""
    resources = container.get("resources") or {}
    declared = {kind: resources.get(f"{kind}s") or {} for kind in ("request", "limit")}
    amounts = {
        (resource, kind): _checked(resource, raw, f"container {container.get('name')}: {resource} {kind}", problems)
        for kind, table in declared.items()
        for resource, raw in table.items()
        if resource in _WHOLE_UNIT
    }

    def effective(resource: str) -> Decimal:
        return amounts.get((resource, "request"), amounts.get((resource, "limit"), Decimal(0)))

    return effective("cpu"), effective("memory"), int(effective(GPU_RESOURCE))


def pod_requests(spec: Mapping[str, Any]) -> tuple[Requests, list[str]]:
    """The pod's effective requests (sum of containers, or the largest init container when that is more)."""
    problems: list[str] = []
    main = [_container_requests(c, problems) for c in spec.get("containers", [])]
    init = [_container_requests(c, problems) for c in spec.get("initContainers", [])]
    totals = [max(sum(c[i] for c in main), max((c[i] for c in init), default=0)) for i in range(3)]
    return Requests(int(Decimal(totals[0]) * 1000), int(totals[1]), int(totals[2])), problems


def pod_templates(rendered: RenderedStack) -> list[PodTemplate]:
    templates = []
    for release in rendered.releases:
        for item in release.of_kind(*WORKLOAD_KINDS):
            kind, spec = item["kind"], item.get("spec", {})
            if kind == "CronJob":
                spec = spec.get("jobTemplate", {}).get("spec", {})
            template = spec.get("template", {})
            pod = template.get("spec", {})
            requests, problems = pod_requests(pod)
            replicas = None if kind == "DaemonSet" else int(spec.get("replicas", spec.get("parallelism", 1)) or 0)
            templates.append(
                PodTemplate(
                    stack=rendered.name,
                    release=release.input.name,
                    chart=release.input.chart,
                    chart_version=release.input.version,
                    kind=kind,
                    name=str(item.get("metadata", {}).get("name")),
                    namespace=str(item.get("metadata", {}).get("namespace") or release.input.namespace),
                    replicas=replicas,
                    spec=pod,
                    requests=requests,
                    problems=tuple(problems),
                    annotations=template.get("metadata", {}).get("annotations") or {},
                )
            )
    return templates


# --- placement -------------------------------------------------------------------------------------------------


def _tolerates(tolerations: Sequence[Mapping[str, Any]], taint: Taint) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") not in (None, "", taint.effect):
            continue
        operator = toleration.get("operator", "Equal")
        if operator == "Exists" and toleration.get("key") in (None, "", taint.key):
            return True
        if (
            operator == "Equal"
            and toleration.get("key") == taint.key
            and str(toleration.get("value", "")) == taint.value
        ):
            return True
    return False


def _expression_holds(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, operator, values = expression["key"], expression["operator"], [str(v) for v in expression.get("values", [])]
    present = key in labels
    if operator == "In":
        return present and labels[key] in values
    if operator == "NotIn":
        return not present or labels[key] not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and labels[key].isdigit():
        return int(labels[key]) > int(values[0]) if operator == "Gt" else int(labels[key]) < int(values[0])
    return False


def unschedulable_reason(pod: PodTemplate, pool: NodePool) -> str | None:
    """Why a pod of this template can never run on a node of this pool (per pod: capacity is counted elsewhere)."""
    spec = pod.spec
    for key, value in (spec.get("nodeSelector") or {}).items():
        if pool.labels.get(key) != str(value):
            return f"nodeSelector {key}={value} is not a label of the pool"
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if required:
        terms = required.get("nodeSelectorTerms", [])
        if not any(all(_expression_holds(e, pool.labels) for e in term.get("matchExpressions", [])) for term in terms):
            return "required node affinity matches no label of the pool"
    for taint in pool.taints:
        if taint.effect in ("NoSchedule", "NoExecute") and not _tolerates(spec.get("tolerations") or [], taint):
            return f"does not tolerate taint {taint.key}={taint.value}:{taint.effect}"
    if pod.requests.gpus > pool.gpus_per_node:
        return f"requests {pod.requests.gpus} GPUs, a {pool.machine_type} node has {pool.gpus_per_node}"
    return None


@dataclass(frozen=True)
class PlacementProblem:
    pod: PodTemplate
    message: str

    def __str__(self) -> str:
        return f"{self.pod.label}: {self.message}"


def placement_problems(rendered: RenderedStack, pods: Sequence[PodTemplate] | None = None) -> list[PlacementProblem]:
    """A workload that fits no pool (a GPU pod that cannot reach the GPU pool among them), a DaemonSet that
    reaches no node, and resource quantities the API server rejects or rounds."""
    pools = node_pools(rendered)
    problems = []
    for pod in pod_templates(rendered) if pods is None else pods:
        problems += [PlacementProblem(pod, problem) for problem in pod.problems]
        reasons = {pool.name: unschedulable_reason(pod, pool) for pool in pools}
        if any(reason is None for reason in reasons.values()) or pod.replicas == 0:
            continue
        if pod.kind == "DaemonSet":
            problems.append(PlacementProblem(pod, f"a DaemonSet that reaches no node: {reasons}"))
        else:
            what = f"a pod requesting {pod.requests.gpus} GPUs" if pod.requests.gpus else "a workload"
            problems.append(PlacementProblem(pod, f"{what} that fits no pool: {reasons}"))
    return problems


# --- value effects ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueLeaf:
    """One value the product sets: `document` index and key path into the values, or a `set` entry's index."""

    path: str
    document: int | None
    keys: tuple[str | int, ...]
    set_index: int | None = None


def leaves_of(value: Any, keys: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Leaf paths: scalars, empty maps and lists; lists of maps are walked entry by entry."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves_of(item, (*keys, key))
    elif isinstance(value, list) and value and all(isinstance(item, dict) and item for item in value):
        for index, item in enumerate(value):
            yield from leaves_of(item, (*keys, index))
    else:
        yield keys, value


def dotted(keys: Sequence[str | int]) -> str:
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in keys).lstrip(".")


# Values a chart renders verbatim as whole objects: one leaf each (every key inside them lands in the output by
# construction; the objects themselves are checked against their CRDs instead).
VERBATIM_VALUES: dict[str, tuple[str, ...]] = {"custom-objects": ("objects",)}


def value_leaves(release: ReleaseInput) -> list[ValueLeaf]:
    """Each value we set, once per key path: the entries of a list of maps (models) share their template, so a
    key is checked at its first entry only."""
    verbatim = VERBATIM_VALUES.get(release.chart, ())
    leaves: dict[str, ValueLeaf] = {}
    for index, document in enumerate(release.values):
        for found, _ in leaves_of(_parsed(document)):
            cut = next((len(p.split(".")) for p in verbatim if dotted(found).startswith(p)), None)
            keys = found[:cut] if cut else found
            shape = re.sub(r"\[\d+\]", "[]", dotted(keys))
            if keys and shape not in leaves:
                leaves[shape] = ValueLeaf(dotted(keys), index, keys)
    sets = [ValueLeaf(name, None, (), set_index=index) for index, (name, _) in enumerate(release.set_strings)]
    return [*leaves.values(), *sets]


def _mutated(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "-changed"
    if isinstance(value, list | dict):
        return None if value else ["changed"]
    return "changed"


def without_leaf(release: ReleaseInput, leaf: ValueLeaf, *, replace_with: Any = ...) -> ReleaseInput:
    """The release minus one value (or with it changed, `replace_with`), everything else as the provider passes."""
    if leaf.set_index is not None:
        entries = list(release.set_strings)
        name, _value = entries.pop(leaf.set_index)
        if replace_with is not ...:
            entries.insert(leaf.set_index, (name, str(replace_with)))
        return release.with_values(release.values, entries)
    assert leaf.document is not None
    target = copy.deepcopy(_parsed(release.values[leaf.document]))
    parent = target
    for key in leaf.keys[:-1]:
        parent = parent[key]
    if replace_with is ...:
        del parent[leaf.keys[-1]]
    else:
        parent[leaf.keys[-1]] = replace_with
    documents = list(release.values)  # the other documents go to Helm as the provider passes them
    documents[leaf.document] = yaml.dump(target, Dumper=yaml.CSafeDumper, sort_keys=False)
    return release.with_values(documents, release.set_strings)


@cache
def _parsed(document: str) -> Any:
    """A values document parsed once (libyaml) for all of its leaves; callers copy before they change it."""
    return yaml.load(document, Loader=yaml.CSafeLoader) or {}


def leaf_value(release: ReleaseInput, leaf: ValueLeaf) -> Any:
    if leaf.set_index is not None:
        return release.set_strings[leaf.set_index][1]
    assert leaf.document is not None
    value: Any = _parsed(release.values[leaf.document])
    for key in leaf.keys:
        value = value[key]
    return value


def inert_values(
    renderer: Renderer, releases: Sequence[ReleaseInput], *, only: Sequence[str] | None = None
) -> dict[str, list[str]]:
    """Per release label, the values whose removal and whose change both leave the rendered output as it was.

    Removing a value that restates the chart's default changes nothing either, so an unchanged render is retried
    with the value changed; only a value the chart never reads survives both.
    """
    distinct = {release.cache_key(): release for release in releases}
    baselines = dict(zip(distinct, renderer.render_all(list(distinct.values())), strict=True))
    jobs = [
        (key, leaf, without_leaf(release, leaf))
        for key, release in distinct.items()
        for leaf in value_leaves(release)
        if only is None or leaf.path in only
    ]
    removed = renderer.render_all([job[2] for job in jobs])
    suspects = [
        (key, leaf) for (key, leaf, _), out in zip(jobs, removed, strict=True) if str(out) == str(baselines[key])
    ]
    changed = renderer.render_all(
        [
            without_leaf(distinct[key], leaf, replace_with=_mutated(leaf_value(distinct[key], leaf)))
            for key, leaf in suspects
        ]
    )
    inert: dict[str, list[str]] = {}
    for (key, leaf), out in zip(suspects, changed, strict=True):
        if str(out) == str(baselines[key]):
            for release in releases:
                if release.cache_key() == key:
                    inert.setdefault(release.label, []).append(leaf.path)
    return inert
