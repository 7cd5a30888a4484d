"""`make adopt`: after a killed run, find in the cloud what the stack's state lost, and write the import blocks.

Usage: python -m operations.adopt <stack folder>  (the folder `cdktf deploy` initialised, e.g.
cdktf.out/stacks/dev-cluster).
It reads the folder's cdk.tf.json and its state (`terraform state pull`), looks up every resource the state lacks
by what identifies it (FINDERS: tags, names, parents), writes `recovery_imports.tf.json` next to cdk.tf.json and
runs `terraform plan`. Exit 0: the next `make deploy` imports the objects found and creates only what is missing;
1: something would be created twice or could not be decided (one line says what); 2: bad input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from operations import terraform
from operations.aws_finders import FINDERS, AwsClients
from operations.stack_blocks import Block, NotText, Unresolved, blocks_in_order, default_tags, resource_bodies

RECOVERY_IMPORTS = "recovery_imports.tf.json"
# A stalled backend or provider must not hang the recovery: plan and state pull take seconds to minutes.
TERRAFORM_TIMEOUT_SECONDS = 900


class AdoptError(Exception):
    """A one-line reason to stop; exit 1 unless it is bad input."""


class BadInput(AdoptError):
    """The stack folder or its cdk.tf.json is not what adopt works on; exit 2."""


@dataclass
class Outcome:
    """What adopt decided for every resource address of the stack."""

    imports: dict[str, str] = field(default_factory=dict)  # address -> import ID: missing from the state, found once
    absent: list[str] = field(default_factory=list)  # missing from the state and from the cloud: deploy creates it
    twice: dict[str, list[str]] = field(default_factory=dict)  # missing, and found more than once: not imported
    unresolved: dict[str, str] = field(default_factory=dict)  # missing; a resource it refers to is unknown
    strays: dict[str, list[str]] = field(default_factory=dict)  # in the state, and more objects like it exist


def read_stack(stack_dir: Path) -> dict[str, Any]:
    config = stack_dir / terraform.CONFIG_FILE
    if not config.is_file():
        raise BadInput(f"{config}: not found; synthesise first (`make synth`) or name the stack folder")
    parsed: dict[str, Any] = json.loads(config.read_text())
    return parsed


def _terraform(stack_dir: Path, command: str, *arguments: str) -> str:
    try:
        return terraform.run(stack_dir, command, *arguments, timeout=TERRAFORM_TIMEOUT_SECONDS)
    except terraform.TerraformFailed as error:
        raise AdoptError(str(error)) from None


def state_resources(stack_dir: Path) -> dict[str, dict[str, Any]]:
    """Address -> attributes of every managed resource the stack's state records (empty for no state).

    `state pull` reads the raw state without starting the provider, unlike `show -json`.
    """
    pulled = json.loads(_terraform(stack_dir, "state pull") or "{}")
    return {
        f"{resource['type']}.{resource['name']}": instance["attributes"]
        for resource in pulled.get("resources", [])
        if resource["mode"] == "managed" and "module" not in resource
        for instance in resource["instances"]
    }


def _region(config: Mapping[str, Any]) -> str:
    providers = config.get("provider", {}).get("aws")
    if not providers or "region" not in providers[0]:
        raise BadInput("cdk.tf.json has no aws provider with a region: adopt knows the AWS cluster stack only")
    region: str = providers[0]["region"]
    return region


def decide(config: Mapping[str, Any], state: Mapping[str, Mapping[str, Any]], aws: AwsClients) -> Outcome:
    """Looks up every resource of the stack; adopts those the state lacks and the cloud holds exactly once."""
    unknown = sorted({kind for kind in config.get("resource", {}) if kind not in FINDERS})
    if "helm_release" in unknown:  # the apps stack: its objects live in the cluster, which adopt does not read
        raise BadInput(
            "adopt knows the cluster stack only (STACK=cluster); in the apps stack import a helm_release as "
            "<namespace>/<name> and a namespace or storage class by its name"
        )
    if unknown:
        raise BadInput(f"adopt cannot find resources of type {', '.join(unknown)}")
    outcome, tags = Outcome(), default_tags(config)
    bodies = {address: body for address, (_, body) in resource_bodies(config).items()}
    known: dict[str, Mapping[str, Any]] = dict(state)
    claimed = {str(values.get("id")) for values in state.values()}
    for kind, address, body in blocks_in_order(config):
        block, finder = Block(address, body, known, tags, bodies), FINDERS[kind]
        if address in state and finder.by_key:
            continue  # nothing like it can exist beside it
        try:
            found = finder.find(aws, block)
        except NotText as error:
            raise AdoptError(str(error)) from None
        except Unresolved as missing:
            if address not in state:
                outcome.unresolved[address] = str(missing)
            continue
        if address in state:
            others = [each.import_id for each in found if str(each.attributes.get("id")) != str(state[address]["id"])]
            if others:
                outcome.strays[address] = others
            continue
        found = [each for each in found if str(each.attributes.get("id")) not in claimed]
        if len(found) == 1:
            outcome.imports[address] = found[0].import_id
            known[address] = found[0].attributes
            claimed.add(str(found[0].attributes.get("id")))
        elif found:
            outcome.twice[address] = [each.import_id for each in found]
        else:
            outcome.absent.append(address)
    return outcome


def written_imports(stack_dir: Path) -> dict[str, str]:
    """Address -> import ID of the import blocks already next to cdk.tf.json (none: {})."""
    path = stack_dir / RECOVERY_IMPORTS
    if not path.is_file():
        return {}
    return {block["to"]: block["id"] for block in json.loads(path.read_text())["import"]}


def write_imports(stack_dir: Path, imports: Mapping[str, str]) -> Path | None:
    """The import blocks next to cdk.tf.json (the next deploy applies them); an earlier run's file goes first."""
    path = stack_dir / RECOVERY_IMPORTS
    path.unlink(missing_ok=True)
    if not imports:
        return None
    path.write_text(json.dumps({"import": [{"to": to, "id": id_} for to, id_ in imports.items()]}, indent=1) + "\n")
    return path


def planned_creations(stack_dir: Path) -> list[str]:
    """Addresses the plan would create anew (not replacements), with the import blocks in place.

    Read from the plan's machine-readable stream (`plan -json`, one `planned_change` message per change): a plan
    file and `terraform show -json` would start the provider a second time (about 4 CPU-seconds for AWS).
    """
    # No refresh: what the plan creates depends on the configuration, the state and the imports, not on drift.
    stream = _terraform(stack_dir, "plan", "-json", "-input=false", "-refresh=false", "-lock-timeout=10s")
    messages = [json.loads(line) for line in stream.splitlines() if line.startswith("{")]
    changes = [m["change"] for m in messages if m.get("type") == "planned_change"]
    return [
        change["resource"]["addr"]
        for change in changes
        if change["action"] == "create" and not change["resource"]["addr"].startswith("data.")
    ]


def report(outcome: Outcome) -> None:
    for address, import_id in outcome.imports.items():
        print(f"adopt: {address} <- {import_id}")
    for address in outcome.absent:
        print(f"create: {address} (not in the cloud)")
    for address, reason in outcome.unresolved.items():
        print(f"create: {address} (refers to {reason}, which is not there yet)")
    for address, ids in outcome.twice.items():
        print(f"found twice, not imported: {address}: {', '.join(ids)}", file=sys.stderr)
    for address, ids in outcome.strays.items():
        print(f"not managed, like {address} in the state: {', '.join(ids)}", file=sys.stderr)


def adopt(stack_dir: Path) -> int:
    config = read_stack(stack_dir)
    try:
        aws = AwsClients(_region(config))
    except ImportError:
        raise AdoptError("boto3 is not installed: `make adopt` needs the AWS SDK for Python (Pipfile)") from None
    outcome = decide(config, state_resources(stack_dir), aws)
    report(outcome)
    written = write_imports(stack_dir, outcome.imports)
    if written:
        print(f"wrote {len(outcome.imports)} import blocks to {written}; `make deploy` imports them")
    if outcome.twice:
        address, ids = next(iter(outcome.twice.items()))
        raise AdoptError(
            f"{address} exists {len(ids)} times ({', '.join(ids)}): delete the extra ones, then adopt again"
        )
    created = set(planned_creations(stack_dir))
    found_again = sorted(created & set(outcome.imports))
    if found_again:
        raise AdoptError(f"the plan would still create {found_again[0]}, which exists; see `terraform plan`")
    print(f"plan: {len(created)} to create, none of them found in the cloud")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m operations.adopt <stack folder, e.g. cdktf.out/stacks/dev-cluster>", file=sys.stderr)
        return 2
    try:
        return adopt(Path(argv[1]))
    except AdoptError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, BadInput) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
