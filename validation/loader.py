"""Reads environment files (native or dot-kubernetes `Cluster` manifests) into validated environments.

Every problem becomes one line of a `ConfigError`: `<file>: <field>: <what is wrong>`; all of a file's problems
are reported at once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from apps.external_secrets import external_secrets_problems
from apps.inference_gateway import gateway_problems
from apps.vllm.cache import cache_problems
from apps.vllm.engine_args import engine_arg_problems
from apps.vllm.memory import memory_problems
from apps.vllm.routing import routing_problems
from apps.vllm.serving import autoscaling_problems, fit_problems
from apps.vllm.weights import weights_problems
from capacity.plan import scaling_problems
from catalogue.node_sizes import Cloud
from spec.environment import Environment
from spec.fields import PATTERN_MEANINGS
from spec.pools import pool_problems

MAX_FILE_BYTES = 256 * 1024
MANIFEST_API_VERSION = "devopstoolkit.ai/v2"
MANIFEST_KIND = "Cluster"
# dot-kubernetes names the cluster flavour next to the provider; they must agree.
MANIFEST_CLUSTER_FLAVOUR = {Cloud.AWS: "eks", Cloud.GOOGLE: "gke", Cloud.AZURE: "aks"}
# dot-kubernetes' static cloud keys for External Secrets: accepted with a warning, then ignored.
STATIC_CREDENTIAL_FIELDS = (
    "creds",
    "apps.externalSecrets.awsAccessKeyIDKey",
    "apps.externalSecrets.awsSecretAccessKeyKey",
    "apps.externalSecrets.googleCredentialsKey",
)
# Kubernetes metadata that does not change what we build.
IGNORED_METADATA = ("namespace", "labels", "annotations")
# An unknown key holding one of these words is most likely a secret someone tried to put in the file.
CREDENTIAL_WORDS = (
    "access_key",
    "accesskey",
    "secret_key",
    "secretkey",
    "client_secret",
    "clientsecret",
    "token",
    "password",
    "credential",
)

# Values that are secrets whatever key holds them (a field such as `model` or `extraArgs` takes any text).
SECRET_VALUES = {"a Hugging Face token": re.compile(r"\bhf_[A-Za-z0-9]{30,}")}


# Maps a native field path (gpu.nodeSize) to where the user wrote it (spec.parameters.gpu.nodeSize).
Locate = Callable[[str], str]


def _one_line(path: Path | str, field: str, problem: str) -> str:
    field = " ".join(field.split())  # a YAML key may hold a line break; the message stays one line
    location = f"{path}: {field}: " if field else f"{path}: "
    return location + " ".join(problem.split())


class ConfigError(Exception):
    """A bad environment file: one line per problem found (`lines`), each naming the file and the field."""

    def __init__(self, path: Path | str, field: str, problem: str, *, more: Sequence[tuple[str, str]] = ()) -> None:
        self.lines = [_one_line(path, field, problem), *(_one_line(path, f, p) for f, p in more)]
        super().__init__("\n".join(self.lines))


@dataclass(frozen=True)
class EnvironmentFile:
    path: Path
    environment: Environment
    warnings: tuple[str, ...]


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; a config file with both is a mistake."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` merge keys: SafeLoader resolves them, explicit keys override merged ones
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # SafeLoader reports "found unhashable key" itself
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def resolve_environment_paths(selection: str | None, default_folder: Path) -> list[Path]:
    """`ENVIRONMENTS` is a comma-separated list of files or folders; unset means the default folder."""
    entries = [Path(part.strip()) for part in selection.split(",") if part.strip()] if selection else []
    if selection is not None and not entries:
        raise ConfigError("ENVIRONMENTS", "", "is set but names no file or folder")
    paths: list[Path] = []
    for entry in entries or [default_folder]:
        if entry.is_dir():
            found = sorted([*entry.glob("*.yaml"), *entry.glob("*.yml")])
            if not found:
                raise ConfigError(entry, "", "folder holds no .yaml environment files")
            paths.extend(found)
        elif entry.exists():
            paths.append(entry)
        else:
            raise ConfigError(entry, "", "file not found")
    return paths


def load_environments(paths: Iterable[Path]) -> list[EnvironmentFile]:
    loaded: list[EnvironmentFile] = []
    owners: dict[str, Path] = {}
    for path in paths:
        environment_file = load_environment_file(path)
        name = environment_file.environment.name
        if name in owners:
            raise ConfigError(path, "name", f"{name!r} is already used by {owners[name]}; stack names must be unique")
        owners[name] = path
        loaded.append(environment_file)
    return loaded


def load_environment_file(path: Path) -> EnvironmentFile:
    document = _parse(path)
    _refuse_secret_values(path, document)  # the whole file, so manifest metadata is covered too
    if "kind" in document or "apiVersion" in document:
        fields, locate, warnings = _from_cluster_manifest(path, document)
    else:
        fields, locate, warnings = dict(document), (lambda loc: loc), []
    warnings += _strip_static_credentials(fields, locate)
    try:
        environment = Environment.model_validate(fields)
    except ValidationError as error:
        raise _config_error(path, error, locate) from None
    problems = [
        *pool_problems(environment),
        *fit_problems(environment),
        *memory_problems(environment),
        *engine_arg_problems(environment),
        *autoscaling_problems(environment),
        *routing_problems(environment),
        *gateway_problems(environment),
        *external_secrets_problems(environment),
        *weights_problems(environment),
        *cache_problems(environment),
        *scaling_problems(environment),
    ]
    if problems:
        first, *rest = problems
        more = [(locate(problem.field), problem.problem) for problem in rest]
        raise ConfigError(path, locate(first.field), first.problem, more=more)
    return EnvironmentFile(path=path, environment=environment, warnings=tuple(f"{path}: {w}" for w in warnings))


def _parse(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(path, "", f"cannot read file ({error.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(path, "", f"file is {len(raw)} bytes; an environment file is at most {MAX_FILE_BYTES}")
    if b"\0" in raw:
        raise ConfigError(path, "", "file is binary, not YAML")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(path, "", "file is not UTF-8 text") from None
    if not text.strip():  # blank, or only tabs, which YAML would call a syntax error
        raise ConfigError(path, "", "file is empty")
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)
    except RecursionError:
        raise ConfigError(path, "", "YAML is nested too deeply") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(path, where, f"YAML syntax error: {problem}") from None
    if document is None:
        raise ConfigError(path, "", "file is empty")
    if not isinstance(document, dict):
        raise ConfigError(path, "(top level)", f"expected a mapping of fields, got a {_yaml_type(document)}")
    return document


def _from_cluster_manifest(path: Path, manifest: Mapping[str, Any]) -> tuple[dict[str, Any], Locate, list[str]]:
    """Maps a dot-kubernetes `Cluster` onto native fields, keeping manifest paths for error messages."""
    warnings: list[str] = []
    _expect_keys(path, "", manifest, {"apiVersion", "kind", "metadata", "spec"})
    if manifest.get("apiVersion") != MANIFEST_API_VERSION:
        raise ConfigError(
            path, "apiVersion", f"expected {MANIFEST_API_VERSION!r}, got {_shown(manifest.get('apiVersion'))}"
        )
    if manifest.get("kind") != MANIFEST_KIND:
        raise ConfigError(path, "kind", f"expected {MANIFEST_KIND!r}, got {_shown(manifest.get('kind'))}")
    metadata = _mapping(path, "metadata", manifest.get("metadata"))
    _expect_keys(path, "metadata", metadata, {"name", *IGNORED_METADATA})
    spec = _mapping(path, "spec", manifest.get("spec"))
    _expect_keys(path, "spec", spec, {"crossplane", "parameters", "writeConnectionSecretToRef"})
    if "writeConnectionSecretToRef" in spec:
        warnings.append("spec.writeConnectionSecretToRef is not implemented; use the stack outputs instead")
    cloud = _manifest_cloud(path, _mapping(path, "spec.crossplane", spec.get("crossplane")))
    parameters = _mapping(path, "spec.parameters", spec.get("parameters", {}))
    for native_only in ("name", "cloud"):
        if native_only in parameters:
            raise ConfigError(path, f"spec.parameters.{native_only}", "unknown field in a Cluster manifest")
    fields = {"cloud": cloud, **parameters}
    if "name" in metadata:  # absent: the model reports metadata.name as missing
        fields["name"] = metadata["name"]
    provider_path = "spec.crossplane.compositionSelector.matchLabels.provider"

    def locate(loc: str) -> str:
        root = loc.split(".", 1)[0]
        return {"name": "metadata.name", "cloud": provider_path}.get(root, f"spec.parameters.{loc}")

    return fields, locate, warnings


def _manifest_cloud(path: Path, crossplane: Mapping[str, Any]) -> str:
    _expect_keys(path, "spec.crossplane", crossplane, {"compositionSelector", "compositionRef"})
    clouds = [cloud.value for cloud in Cloud]
    if "compositionSelector" in crossplane:
        where = "spec.crossplane.compositionSelector"
        selector = _mapping(path, where, crossplane["compositionSelector"])
        _expect_keys(path, where, selector, {"matchLabels"})
        labels = _mapping(path, f"{where}.matchLabels", selector.get("matchLabels"))
        provider = labels.get("provider")
        if provider not in clouds:
            raise ConfigError(
                path, f"{where}.matchLabels.provider", f"expected one of {', '.join(clouds)}, got {_shown(provider)}"
            )
        expected_flavour = MANIFEST_CLUSTER_FLAVOUR[Cloud(provider)]
        flavour = labels.get("cluster", expected_flavour)
        if flavour != expected_flavour:
            problem = f"{flavour!r} does not match provider {provider!r} (expected {expected_flavour!r})"
            raise ConfigError(path, f"{where}.matchLabels.cluster", problem)
        return str(provider)
    if "compositionRef" in crossplane:
        reference = _mapping(path, "spec.crossplane.compositionRef", crossplane["compositionRef"])
        name = reference.get("name")
        expected = [f"cluster-{cloud}" for cloud in clouds]
        if name not in expected:
            raise ConfigError(
                path,
                "spec.crossplane.compositionRef.name",
                f"expected one of {', '.join(expected)}, got {_shown(name)}",
            )
        return str(name).removeprefix("cluster-")
    raise ConfigError(path, "spec.crossplane", "needs compositionSelector.matchLabels.provider or compositionRef.name")


def _refuse_secret_values(path: Path, value: Any, where: str = "") -> None:
    if isinstance(value, str):
        for label, pattern in SECRET_VALUES.items():
            if pattern.search(value):
                problem = f"holds {label}; secrets never belong in an environment file (reference a Kubernetes Secret)"
                raise ConfigError(path, where or "(top level)", problem)
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        _refuse_secret_values(path, child, f"{where}.{key}" if where else str(key))


def _strip_static_credentials(fields: dict[str, Any], locate: Locate) -> list[str]:
    warnings = []
    for dotted in STATIC_CREDENTIAL_FIELDS:
        *parents, key = dotted.split(".")
        section = _copied_section(fields, parents)
        if section is not None and key in section:
            del section[key]
            warnings.append(
                f"{locate(dotted)} is ignored: External Secrets authenticates with the cluster's workload identity, "
                "never with static cloud keys"
            )
    return warnings


def _copied_section(fields: dict[str, Any], path: list[str]) -> dict[str, Any] | None:
    """The mapping at `path`, copied level by level so the parsed document itself stays untouched."""
    section = fields
    for key in path:
        child = section.get(key)
        if not isinstance(child, dict):
            return None
        section[key] = dict(child)
        section = section[key]
    return section


def _config_error(path: Path, error: ValidationError, locate: Locate) -> ConfigError:
    (field, problem), *more = [(_error_field(detail, locate), _problem(detail)) for detail in error.errors()]
    return ConfigError(path, field, problem, more=more)


def _error_field(detail: ErrorDetails, locate: Locate) -> str:
    loc = detail["loc"]
    if detail["type"] != "extra_forbidden":
        # a default validated by the model is reported under its Python name (max_node_count)
        loc = tuple(to_camel(part) if isinstance(part, str) else part for part in loc)
    if detail["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc = (*loc, "type")  # the discriminator (backend.type) is what is wrong
    return locate(_dotted(loc)) if loc else "(top level)"


def _dotted(loc: tuple[int | str, ...]) -> str:
    # a discriminated union puts the chosen tag into the path (backend.s3.bucket): drop it
    parts = [str(part) for index, part in enumerate(loc) if not (index == 1 and loc[0] == "backend" and len(loc) > 2)]
    return ".".join(parts)


def _problem(error: ErrorDetails) -> str:
    kind, message, value = error["type"], error["msg"].removeprefix("Value error, "), error.get("input")
    context = error.get("ctx", {})
    if kind == "extra_forbidden":
        problem = _unknown_field(error["loc"])
    elif kind in ("missing", "union_tag_not_found"):
        problem = "required field is missing"
    elif kind in ("value_error", "too_short", "too_long"):
        problem = message  # these say what they got
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        problem = f"expected a mapping of fields (got {_shown(value)})"
    elif kind == "union_tag_invalid":
        problem = f"expected one of {context.get('expected_tags')} (got {_shown(context.get('tag'))})"
    elif kind == "string_type" and _yaml_type(value) == "number":
        unquoted = " (YAML reads an unquoted 1.30 as the number 1.3)" if isinstance(value, float) else ""
        problem = f"expected text, got the number {value!r}{unquoted}; put the value in quotes"
    elif kind == "string_pattern_mismatch" and str(context.get("pattern")) in PATTERN_MEANINGS:
        problem = f"should be {PATTERN_MEANINGS[str(context.get('pattern'))]} (got {_shown(value)})"
    else:
        problem = f"{message} (got {_shown(value)})"
    return problem


def _unknown_field(loc: tuple[int | str, ...]) -> str:
    key = str(loc[-1])
    close = difflib.get_close_matches(key, _field_names_at(loc[:-1]), n=1)
    did_you_mean = f" (did you mean {close[0]!r}?)" if close else ""
    if any(word in key.lower() for word in CREDENTIAL_WORDS):
        advice = "use the cloud's own login or a Kubernetes Secret"
        return f"unknown field; credentials never belong in an environment file ({advice}){did_you_mean}"
    return "unknown field" + did_you_mean


def _shown(value: Any) -> str:
    """The offending value as YAML would spell it, cut short if long."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        text = repr(value)
        return text if len(text) <= 80 else text[:76] + ("...'" if isinstance(value, str) else "...")
    return f"a {_yaml_type(value)}"


def _field_names_at(loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the section at `loc` (a list index or a union tag in the path keeps the section)."""
    models: list[type[BaseModel]] = [Environment]
    for part in loc:
        inner = [
            candidate
            for model in models
            for name, info in model.model_fields.items()
            if part in (name, info.alias)
            for candidate in _models_in(info.annotation)
        ]
        models = inner or models
    return sorted({info.alias or name for model in models for name, info in model.model_fields.items()})


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation holds, through `X | None`, `list[X]` and unions."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for argument in getattr(annotation, "__args__", ()) for model in _models_in(argument)]


def _mapping(path: Path, field: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(path, field, f"expected a mapping, got {_shown(value)}")
    return value


def _expect_keys(path: Path, where: str, mapping: Mapping[str, Any], allowed: set[str]) -> None:
    for key in mapping:
        if key not in allowed:
            field = f"{where}.{key}" if where else str(key)
            raise ConfigError(
                path, field, f"unknown field in a Cluster manifest (expected one of {', '.join(sorted(allowed))})"
            )


def _yaml_type(value: Any) -> str:
    return {dict: "mapping", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), "null" if value is None else type(value).__name__
    )
