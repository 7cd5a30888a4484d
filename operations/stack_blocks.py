"""The resource blocks of a synthesised stack (cdk.tf.json), read as `make adopt` needs them: in dependency order, and
with each `${type.name.path}` reference resolved against what is already known of the resources it names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from graphlib import TopologicalSorter
from typing import Any

# `${aws_vpc.network_vpc_4E8F0223.id}` or `${aws_eks_cluster.x.identity[0].oidc[0].issuer}`
REFERENCE = re.compile(r"\$\{(?P<address>[a-z0-9_]+\.[\w-]+)\.(?P<path>[\w.\[\]]+)\}")
PATH_STEP = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


class Unresolved(Exception):
    """A value of the block refers to a resource that is neither in the state nor found in the cloud."""


class NotText(Exception):
    """A value a finder needs as a string resolved to something else."""


@dataclass
class Block:
    """A resource block of cdk.tf.json whose references are resolved against what is already known."""

    address: str
    body: Mapping[str, Any]
    known: Mapping[str, Mapping[str, Any]]  # address -> attributes, from the state or found in the cloud
    default_tags: Mapping[str, str]
    bodies: Mapping[str, Mapping[str, Any]]  # every block of the stack, by address

    def value(self, key: str) -> Any:
        return self._resolve(self.body.get(key))

    def text(self, key: str) -> str:
        value = self.value(key)
        if not isinstance(value, str):
            raise NotText(f"{self.address}: {key} is {value!r}, not a string")
        return value

    def tags(self) -> dict[str, str]:
        """Every tag the object carries once created: the provider's default tags and the block's own literal ones."""
        own = self.body.get("tags") or {}
        return {**self.default_tags, **{key: value for key, value in own.items() if "${" not in str(value)}}

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = REFERENCE.fullmatch(value)
            if whole:
                return self._lookup(whole["address"], whole["path"])
            return REFERENCE.sub(lambda match: str(self._lookup(match["address"], match["path"])), value)
        if isinstance(value, list):
            return [self._resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: self._resolve(item) for key, item in value.items()}
        return value

    def _lookup(self, address: str, path: str) -> Any:
        literal = self.bodies.get(address, {}).get(path)
        if address not in self.known and isinstance(literal, str) and "${" not in literal:
            return literal  # e.g. the cluster's name, which the configuration states whether the cluster exists or not
        if address not in self.known:
            raise Unresolved(address)
        current: Any = self.known[address]
        for name, index in PATH_STEP.findall(path):
            try:
                current = current[name] if name else current[int(index)]
            except (KeyError, IndexError, TypeError):
                raise Unresolved(f"{address}.{path}") from None
        return current


def references(body: Mapping[str, Any]) -> set[str]:
    """The addresses of the resources a block's values refer to."""
    return {match["address"] for match in REFERENCE.finditer(json.dumps(body))}


def resource_bodies(config: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Address -> (type, body) of every resource block of the stack."""
    return {
        f"{kind}.{name}": (kind, body)
        for kind, named in config.get("resource", {}).items()
        for name, body in named.items()
    }


def blocks_in_order(config: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(type, address, body) with every resource after the ones it refers to."""
    bodies = resource_bodies(config)
    graph = {address: references(body) & bodies.keys() for address, (_, body) in bodies.items()}
    for address in TopologicalSorter(graph).static_order():
        kind, body = bodies[address]
        yield kind, address, body


def default_tags(config: Mapping[str, Any]) -> dict[str, str]:
    """The tags the stack's aws provider puts on every taggable object (its `default_tags`)."""
    providers = config.get("provider", {}).get("aws", [{}])
    tags: dict[str, str] = {}
    for entry in providers[0].get("default_tags", []):
        tags |= entry.get("tags", {})
    return tags
