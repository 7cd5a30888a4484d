"""Faults on the moto emulator, with the state on S3: concurrent deploys, interrupted applies and destroys, drift.

One emulator for the module and one environment, a shipped example whose backend is `s3`. Each interruption
point (INTERRUPTIONS) starts from an emptied emulator: apply, interrupt, recover the way the README says, and
race that recovery apply with a second plan and apply. The last recovery's cluster then drifts by hand and is
cured, and a destroy is killed and resumed. Tests only read what the module-scoped fixtures saw.
The emulator's endpoint and path-style addressing reach the S3 backend only through this module's
-backend-config file; the synthesised JSON is the product's, unchanged.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from config.loader import load_environment_file
from config.model import Environment, S3Backend
from stacks.backends import state_key
from tests.aws_emulator import client, emulator, leftovers, terraform_environment
from tests.terraform_tools import PROJECT_ROOT, TERRAFORM_TIMEOUT_SECONDS, Terraform, TerraformResult, synthesize

pytestmark = pytest.mark.e2e

ENVIRONMENT_FILE = PROJECT_ROOT / "examples" / "aws-eks-inference.yaml"
NO_CHANGES, CHANGES = 0, 2  # `terraform plan -detailed-exitcode`: 0 = no changes, 1 = error, 2 = changes
LOCK_TIMEOUT = "2s"
# The bounded lock wait plus Terraform's start-up next to a running apply: 8-14 s measured on a loaded 2-core machine.
FAIL_FAST_SECONDS = 30.0
EXIT_SECONDS = 120.0  # a generous bound for Terraform to exit after a signal
PERSIST_INTERVAL_SECONDS = 20  # Terraform >= 1.5 also saves remote state during an apply, at most this often
# Where each interrupted apply is stopped: right after this resource's creation is reported.
INTERRUPTIONS = (
    (signal.SIGINT, "aws_iam_role.node-role"),
    (signal.SIGKILL, "aws_vpc.network_vpc"),
    (signal.SIGKILL, "aws_eks_cluster.control-plane_cluster"),
)
SIGKILL_DESTROY_AT = "aws_eks_node_group.gpu-pool"
# The cloud objects counted for duplicates, by resource type; the expected number is the synthesised JSON's.
COUNTED_TYPES = ("aws_vpc", "aws_eks_cluster", "aws_eks_node_group", "aws_iam_role", "aws_kms_key")
RECOVERY_IMPORTS = "recovery_imports.tf.json"  # the README's recovery file, next to cdk.tf.json
LOG_LINE = re.compile(r"^(?P<address>[\w.-]+): (?P<event>Creating\.\.\.|Creation complete|Destruction complete)")
CREATED_ID = re.compile(r"^(?P<address>[\w.-]+): Creation complete after \S+ \[id=(?P<id>[^\]]+)\]")
LOCK_ID = re.compile(r"^\s*ID:\s+(?P<id>\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    """A Terraform run read line by line, possibly interrupted; what it reported is all a user has after a kill."""

    lines: tuple[str, ...]
    returncode: int
    signalled_after_seconds: float | None
    exited_after_signal_seconds: float | None

    def started(self, event: str) -> list[str]:
        return [match["address"] for line in self.lines if (match := LOG_LINE.match(line)) and match["event"] == event]

    @property
    def created(self) -> dict[str, str]:
        """Address -> the ID the provider reported, for every creation the run saw complete."""
        return {match["address"]: match["id"] for line in self.lines if (match := CREATED_ID.match(line))}

    @property
    def in_flight(self) -> list[str]:
        """Creations begun and never reported complete: the objects may exist, and nothing names their IDs."""
        return [address for address in self.started("Creating...") if address not in self.created]

    def describe(self) -> str:
        return f"exit {self.returncode}\n" + "\n".join(self.lines[-60:])


@dataclass
class Rig:
    environment: Environment
    backend: S3Backend
    endpoint: str
    stacks_dir: Path
    terraform: Terraform
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return self.environment.resolved_region

    @property
    def stack(self) -> str:
        return self.environment.cluster_stack_name

    @property
    def stack_dir(self) -> Path:
        return self.stacks_dir / self.stack

    @property
    def key(self) -> str:
        return state_key(self.backend.key_prefix, self.stack)

    def client(self, service: str) -> Any:
        return client(self.endpoint, service, self.region)

    def reset(self) -> None:
        """Empties the emulator (moto's own reset call) and creates the state bucket again."""
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")).close()
        self.client("s3").create_bucket(
            Bucket=self.backend.bucket, CreateBucketConfiguration={"LocationConstraint": self.backend.region}
        )

    def config(self) -> dict[str, Any]:
        return dict(json.loads((self.stack_dir / "cdk.tf.json").read_text()))

    def _object(self, key: str) -> dict[str, Any] | None:
        s3 = self.client("s3")
        try:
            return dict(json.loads(s3.get_object(Bucket=self.backend.bucket, Key=key)["Body"].read()))
        except s3.exceptions.NoSuchKey:
            return None

    def state(self) -> dict[str, Any] | None:
        return self._object(self.key)

    def lock(self) -> dict[str, Any] | None:
        """The S3-native lock object Terraform writes next to the state (`use_lockfile`)."""
        return self._object(f"{self.key}.tflock")

    def recorded(self) -> dict[str, str]:
        """Address -> ID of every managed resource the state in the bucket records."""
        state = self.state() or {"resources": []}
        return {
            f"{resource['type']}.{resource['name']}": instance["attributes"]["id"]
            for resource in state["resources"]
            if resource["mode"] == "managed"
            for instance in resource["instances"]
        }

    def expected_addresses(self) -> set[str]:
        return {f"{kind}.{name}" for kind, resources in self.config()["resource"].items() for name in resources}

    def timed(self, phase: str, *arguments: str) -> TerraformResult:
        started = time.monotonic()
        result = self.terraform.run(self.stack_dir, *arguments)
        self.seconds[phase] = round(time.monotonic() - started, 1)
        return result

    def interrupted(self, phase: str, arguments: tuple[str, ...], *, at: str, event: str, signal_number: int) -> Run:
        """Runs Terraform and sends it the signal once it reports `event` for the address starting with `at`."""
        started = time.monotonic()
        process = self.terraform.start(self.stack_dir, *arguments)
        assert process.stdout is not None
        lines: list[str] = []
        signalled: float | None = None
        for line in process.stdout:
            lines.append(line.rstrip())
            match = LOG_LINE.match(line)
            if signalled is None and match and match["event"] == event and match["address"].startswith(at):
                # to the whole group, as Ctrl-C or a CI timeout does: a SIGKILL to Terraform alone leaves its providers
                os.killpg(process.pid, signal_number)
                signalled = time.monotonic()
        returncode = process.wait(timeout=EXIT_SECONDS)
        ended = time.monotonic()
        self.seconds[phase] = round(ended - started, 1)
        return Run(
            tuple(lines),
            returncode,
            None if signalled is None else round(signalled - started, 1),
            None if signalled is None else round(ended - signalled, 1),
        )

    def unlock(self, lock_id: str) -> subprocess.CompletedProcess[str]:
        """The README's command, `make unlock`, pointed at this module's synthesised stacks."""
        return subprocess.run(
            [
                *("make", "-s", "-C", str(PROJECT_ROOT), "unlock"),
                *(f"ENV={self.environment.name}", f"LOCK_ID={lock_id}", f"STACKS_DIR={self.stacks_dir}"),
            ],
            env=self.terraform.environment(without_backend=False),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def tagged(self) -> dict[str, dict[str, str | None]]:
        """Per resource type: the import ID -> name of every cloud object carrying the environment's tag."""
        name = self.environment.name
        return {kind: lookup(self, name) for kind, lookup in TAGGED_LOOKUPS.items()}


def _tag_value(tags: list[dict[str, str]], key: str, *, key_field: str = "Key", value_field: str = "Value") -> str:
    return next((tag[value_field] for tag in tags if tag[key_field] == key), "")


def _tagged_vpcs(rig: Rig, name: str) -> dict[str, str | None]:
    found = rig.client("ec2").describe_vpcs(Filters=[{"Name": "tag:environment", "Values": [name]}])["Vpcs"]
    return {vpc["VpcId"]: None for vpc in found}


def _tagged_eips(rig: Rig, name: str) -> dict[str, str | None]:
    found = rig.client("ec2").describe_addresses(Filters=[{"Name": "tag:environment", "Values": [name]}])
    return {address["AllocationId"]: None for address in found["Addresses"]}


def _tagged_nat_gateways(rig: Rig, name: str) -> dict[str, str | None]:
    found = rig.client("ec2").describe_nat_gateways(Filters=[{"Name": "tag:environment", "Values": [name]}])
    return {gateway["NatGatewayId"]: None for gateway in found["NatGateways"] if gateway["State"] != "deleted"}


def _tagged_launch_templates(rig: Rig, name: str) -> dict[str, str | None]:
    found = rig.client("ec2").describe_launch_templates(Filters=[{"Name": "tag:environment", "Values": [name]}])
    return {template["LaunchTemplateId"]: template["LaunchTemplateName"] for template in found["LaunchTemplates"]}


def _tagged_kms_keys(rig: Rig, name: str) -> dict[str, str | None]:
    kms = rig.client("kms")
    return {
        key["KeyId"]: None
        for key in kms.list_keys()["Keys"]
        if kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"
        and _tag_value(
            kms.list_resource_tags(KeyId=key["KeyId"])["Tags"],
            "environment",
            key_field="TagKey",
            value_field="TagValue",
        )
        == name
    }


def _tagged_roles(rig: Rig, name: str) -> dict[str, str | None]:
    iam = rig.client("iam")
    return {
        role["RoleName"]: role["RoleName"]
        for role in iam.list_roles()["Roles"]
        if _tag_value(iam.list_role_tags(RoleName=role["RoleName"])["Tags"], "environment") == name
    }


def _tagged_clusters(rig: Rig, name: str) -> dict[str, str | None]:
    eks = rig.client("eks")
    return {
        cluster: cluster
        for cluster in eks.list_clusters()["clusters"]
        if eks.describe_cluster(name=cluster)["cluster"].get("tags", {}).get("environment") == name
    }


def _tagged_node_groups(rig: Rig, name: str) -> dict[str, str | None]:
    eks = rig.client("eks")
    return {
        f"{cluster}:{group}": group
        for cluster in eks.list_clusters()["clusters"]
        for group in eks.list_nodegroups(clusterName=cluster)["nodegroups"]
        if eks.describe_nodegroup(clusterName=cluster, nodegroupName=group)["nodegroup"]
        .get("tags", {})
        .get("environment")
        == name
    }


# The README's "find it by its tags", per resource type: each object's import ID and, if it has one, its name.
TAGGED_LOOKUPS: dict[str, Callable[[Rig, str], dict[str, str | None]]] = {
    "aws_vpc": _tagged_vpcs,
    "aws_eip": _tagged_eips,
    "aws_nat_gateway": _tagged_nat_gateways,
    "aws_launch_template": _tagged_launch_templates,
    "aws_kms_key": _tagged_kms_keys,
    "aws_iam_role": _tagged_roles,
    "aws_eks_cluster": _tagged_clusters,
    "aws_eks_node_group": _tagged_node_groups,
}


def _address_name(config: dict[str, Any], address: str) -> str | None:
    kind, name = address.split(".", 1)
    resource = config["resource"][kind][name]
    given: str | None = resource.get("node_group_name") or resource.get("name")
    return given


def _reference_id(reference: str, known: dict[str, str]) -> str:
    """`${aws_subnet.x.id}` -> the ID of aws_subnet.x, from the state or the killed runs' logs."""
    address = reference.removeprefix("${").removesuffix(".id}")
    return known[address]


@dataclass(frozen=True)
class Orphans:
    """What a hard kill left in the cloud that the state does not record, and the import blocks that adopt it."""

    reported: dict[str, str]  # the killed run printed their IDs
    found_by_tag: dict[str, str]  # in flight at the kill, found in the cloud by the environment's tag
    not_found: list[str]  # in flight at the kill, and neither found by tag nor present

    @property
    def imports(self) -> dict[str, str]:
        return self.reported | self.found_by_tag


def find_orphans(rig: Rig, killed: Run) -> Orphans:
    """The README's recovery, step 2: what the killed runs created (their log, then the tags) minus the state."""
    config, recorded = rig.config(), rig.recorded()
    created = killed.created
    known = created | recorded
    reported: dict[str, str] = {}
    for address, reported_id in created.items():
        kind, name = address.split(".", 1)
        if address in recorded or kind == "aws_iam_role_policy_attachment":
            continue  # attaching a policy again is a no-op, not a duplicate; nothing to adopt
        resource = config["resource"][kind][name]
        reported[address] = (  # a route table association is imported as <subnet-id>/<route-table-id>
            f"{_reference_id(resource['subnet_id'], known)}/{_reference_id(resource['route_table_id'], known)}"
            if kind == "aws_route_table_association"
            else reported_id
        )
    tagged = rig.tagged()
    found_by_tag: dict[str, str] = {}
    not_found: list[str] = []
    for address in sorted(set(killed.in_flight) - set(recorded) - set(created)):
        kind = address.split(".", 1)[0]
        adopted = set(recorded.values()) | set(reported.values()) | set(found_by_tag.values())
        given = _address_name(config, address)
        candidates = [
            object_id
            for object_id, object_name in tagged.get(kind, {}).items()
            if object_id not in adopted and (given is None or object_name == given)
        ]
        if len(candidates) == 1:
            found_by_tag[address] = candidates[0]
        else:
            not_found.append(address)
    return Orphans(reported, found_by_tag, not_found)


def lock_id_in(result: TerraformResult) -> str:
    """The ID Terraform prints in its lock error, which the README tells the user to pass to `make unlock`."""
    match = LOCK_ID.search(result.stdout + result.stderr)
    assert match, f"no lock ID in the error:\n{result.describe()}"
    return match["id"]


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """The example synthesised as shipped, its S3 bucket in the emulator, the stack initialised against it."""
    loaded = load_environment_file(ENVIRONMENT_FILE).environment
    if not isinstance(loaded.backend, S3Backend):
        pytest.fail(f"{ENVIRONMENT_FILE.name} must keep its s3 backend: these tests exercise its lock")
    root = tmp_path_factory.mktemp("faults")
    outdir = synthesize([ENVIRONMENT_FILE], root / "out").outdir
    with emulator() as endpoint:
        rig = Rig(
            environment=loaded,
            backend=loaded.backend,
            endpoint=endpoint,
            stacks_dir=outdir / "stacks",
            terraform=Terraform.offline(root / "terraform", terraform_environment(endpoint, loaded.resolved_region)),
        )
        rig.reset()
        # The emulator only: the product's backend block names the bucket, key, region and lock, and no endpoint.
        overrides = root / "emulator.s3.tfbackend"
        overrides.write_text(f'endpoints = {{ s3 = "{endpoint}" }}\nuse_path_style = true\n')
        rig.terraform.must(rig.stack_dir, "init", "-input=false", "-no-color", f"-backend-config={overrides}")
        yield rig


@dataclass(frozen=True)
class Interruption:
    """One interrupted apply on an empty account, then the README's recovery and a second deploy racing it."""

    signal_number: int
    point: str
    run: Run
    recorded: dict[str, str]  # what the state in the bucket records after the interrupted run
    lock_left: dict[str, Any] | None
    lock_error: TerraformResult | None  # the next run's error, whose lock ID the user passes to `make unlock`
    unlock: subprocess.CompletedProcess[str] | None
    lock_after_unlock: dict[str, Any] | None
    orphans: Orphans
    tagged_before_recovery: dict[str, dict[str, str | None]]
    recovery: Recovery


@dataclass(frozen=True)
class Recovery:
    """The apply after an interruption, raced by a second plan and a second apply of the same stack."""

    first: TerraformResult
    first_was_running: bool
    lock_seen: dict[str, Any] | None
    blocked: dict[str, tuple[TerraformResult, float]]
    seconds: float
    serial_before: int
    serial_after: int | None
    recorded: dict[str, str]
    lock_after: dict[str, Any] | None
    tagged: dict[str, dict[str, str | None]]
    convergence: TerraformResult


def _finish(command: str, process: subprocess.Popen[str], started: float) -> tuple[TerraformResult, float]:
    output, _ = process.communicate(timeout=EXIT_SECONDS)
    return TerraformResult((command,), process.returncode, output, ""), round(time.monotonic() - started, 1)


def raced_apply(rig: Rig, phase: str) -> Recovery:
    """`make deploy` while a second `make diff` and `make deploy` of the same stack start once it holds the lock."""
    serial_before = (rig.state() or {}).get("serial", 0)
    started = time.monotonic()
    first = rig.terraform.start(rig.stack_dir, "apply", "-auto-approve", "-input=false", "-no-color")
    lock_seen = None
    while lock_seen is None and first.poll() is None and time.monotonic() - started < EXIT_SECONDS:
        lock_seen = rig.lock()
        time.sleep(0.2)
    racers = {
        command: (rig.terraform.start(rig.stack_dir, command, *arguments), time.monotonic())
        for command, arguments in {
            "plan": ("-input=false", "-no-color", f"-lock-timeout={LOCK_TIMEOUT}"),
            "apply": ("-auto-approve", "-input=false", "-no-color", f"-lock-timeout={LOCK_TIMEOUT}"),
        }.items()
    }
    with ThreadPoolExecutor(max_workers=len(racers)) as pool:  # each racer timed to its own exit
        finishing = {command: pool.submit(_finish, command, *racer) for command, racer in racers.items()}
    blocked = {command: future.result() for command, future in finishing.items()}
    first_was_running = first.poll() is None
    first_output, _ = first.communicate(timeout=TERRAFORM_TIMEOUT_SECONDS)
    seconds = rig.seconds[phase] = round(time.monotonic() - started, 1)
    return Recovery(
        first=TerraformResult(("apply",), first.returncode, first_output, ""),
        first_was_running=first_was_running,
        lock_seen=lock_seen,
        blocked=blocked,
        seconds=seconds,
        serial_before=serial_before,
        serial_after=(rig.state() or {}).get("serial"),
        recorded=rig.recorded(),
        lock_after=rig.lock(),
        tagged=rig.tagged(),
        convergence=rig.timed(f"plan after {phase}", "plan", "-detailed-exitcode", "-input=false", "-no-color"),
    )


def interrupt_and_recover(rig: Rig, signal_number: int, point: str) -> Interruption:
    label = f"{signal.Signals(signal_number).name} at {point}"
    rig.reset()
    run = rig.interrupted(
        f"apply, {label}",
        ("apply", "-auto-approve", "-input=false", "-no-color"),
        at=point,
        event="Creation complete",
        signal_number=signal_number,
    )
    recorded, lock_left = rig.recorded(), rig.lock()
    lock_error = unlock = None
    if lock_left is not None:  # the README: the next `make diff` fails with the lock's ID; `make unlock` with it
        lock_error = rig.terraform.run(
            rig.stack_dir, "plan", "-input=false", "-no-color", f"-lock-timeout={LOCK_TIMEOUT}"
        )
        if lock_error.returncode != 0:
            unlock = rig.unlock(lock_id_in(lock_error))
    lock_after_unlock = rig.lock()
    # the README: adopt what the state lost (even Ctrl-C loses the creations in flight), then deploy again
    orphans = find_orphans(rig, run)
    tagged_before_recovery = rig.tagged()
    imports = rig.stack_dir / RECOVERY_IMPORTS
    imports.write_text(json.dumps({"import": [{"to": to, "id": id_} for to, id_ in orphans.imports.items()]}))
    try:
        recovery = raced_apply(rig, f"recovery after {label}")
    finally:
        imports.unlink()  # the README: the import file has done its work once the apply went through
    return Interruption(
        signal_number=signal_number,
        point=point,
        run=run,
        recorded=recorded,
        lock_left=lock_left,
        lock_error=lock_error,
        unlock=unlock,
        lock_after_unlock=lock_after_unlock,
        orphans=orphans,
        tagged_before_recovery=tagged_before_recovery,
        recovery=recovery,
    )


@pytest.fixture(scope="module")
def interruptions(rig: Rig) -> list[Interruption]:
    """Each interruption point on an emptied emulator, so one point's leftovers cannot hide or cause another's."""
    return [interrupt_and_recover(rig, signal_number, point) for signal_number, point in INTERRUPTIONS]


@pytest.fixture(scope="module")
def graceful(interruptions: list[Interruption]) -> list[Interruption]:
    return [each for each in interruptions if each.signal_number == signal.SIGINT]


@pytest.fixture(scope="module")
def hard(interruptions: list[Interruption]) -> list[Interruption]:
    return [each for each in interruptions if each.signal_number == signal.SIGKILL]


@dataclass(frozen=True)
class Drift:
    changes: dict[str, dict[str, Any]]  # address -> Terraform's planned change, for every resource not left as is
    plan: TerraformResult
    cure: TerraformResult
    scaling_after_cure: dict[str, int]
    cluster_tags_after_cure: dict[str, str]
    after_cure: TerraformResult


HAND_MADE_TAG = {"managed-by": "someone-by-hand"}


@pytest.fixture(scope="module")
def drift(rig: Rig, interruptions: list[Interruption]) -> Drift:
    """The GPU node group's scaling and the cluster's tag changed by hand; `make diff`, `make deploy`, `make diff`."""
    environment, eks = rig.environment, rig.client("eks")
    gpu = environment.gpu
    # named gpu-<hash of what forces its replacement> (config/node_pools.py)
    gpu_group = next(n for n in eks.list_nodegroups(clusterName=environment.name)["nodegroups"] if n.startswith("gpu-"))
    eks.update_nodegroup_config(
        clusterName=environment.name,
        nodegroupName=gpu_group,
        scalingConfig={
            "minSize": gpu.min_node_count + 1,
            "maxSize": gpu.max_node_count + 1,
            "desiredSize": gpu.min_node_count + 1,
        },
    )
    eks.tag_resource(resourceArn=eks.describe_cluster(name=environment.name)["cluster"]["arn"], tags=HAND_MADE_TAG)
    # `make diff` is `cdktf diff`, which is `terraform plan` in the stack's folder
    plan = rig.timed("plan with drift", "plan", "-detailed-exitcode", "-input=false", "-no-color", "-out=drift.tfplan")
    shown = json.loads(rig.terraform.must(rig.stack_dir, "show", "-json", "drift.tfplan").stdout)
    cure = rig.timed("apply to cure drift", "apply", "-auto-approve", "-input=false", "-no-color")
    group = eks.describe_nodegroup(clusterName=environment.name, nodegroupName=gpu_group)["nodegroup"]
    return Drift(
        changes={
            change["address"]: change["change"]
            for change in shown["resource_changes"]
            if change["change"]["actions"] != ["no-op"]
        },
        plan=plan,
        cure=cure,
        scaling_after_cure={key: group["scalingConfig"][key] for key in ("minSize", "maxSize")},
        cluster_tags_after_cure=eks.describe_cluster(name=environment.name)["cluster"]["tags"],
        after_cure=rig.timed("plan after cure", "plan", "-detailed-exitcode", "-input=false", "-no-color"),
    )


@dataclass(frozen=True)
class InterruptedDestroy:
    run: Run
    lock_error: TerraformResult
    unlock: subprocess.CompletedProcess[str]
    resumed: TerraformResult
    recorded: dict[str, str]
    bucket: list[str]
    left: dict[str, list[str]]


@pytest.fixture(scope="module")
def interrupted_destroy(rig: Rig, drift: Drift) -> InterruptedDestroy:
    """`make destroy` killed with SIGKILL once the GPU node group is gone, then unlocked and run again."""
    run = rig.interrupted(
        "destroy SIGKILL",
        ("destroy", "-auto-approve", "-input=false", "-no-color"),
        at=SIGKILL_DESTROY_AT,
        event="Destruction complete",
        signal_number=signal.SIGKILL,
    )
    destroy = ("destroy", "-auto-approve", "-input=false", "-no-color")
    lock_error = rig.terraform.run(rig.stack_dir, *destroy, f"-lock-timeout={LOCK_TIMEOUT}")
    unlock = rig.unlock(lock_id_in(lock_error))
    resumed = rig.timed("destroy resumed", *destroy)
    listed = rig.client("s3").list_objects_v2(Bucket=rig.backend.bucket).get("Contents", [])
    return InterruptedDestroy(
        run=run,
        lock_error=lock_error,
        unlock=unlock,
        resumed=resumed,
        recorded=rig.recorded(),
        bucket=[entry["Key"] for entry in listed],
        left=leftovers(rig.endpoint, rig.region),
    )


def _is_lock_error(result: TerraformResult) -> bool:
    return result.returncode == 1 and "Error acquiring the state lock" in result.stdout + result.stderr


# --- Ctrl-C (SIGINT): Terraform stops gracefully ------------------------------------------------------------------


def test_sigint_stops_the_apply_with_an_error(graceful: list[Interruption]) -> None:
    for stopped in graceful:
        assert stopped.run.signalled_after_seconds is not None, (
            f"never reached {stopped.point}:\n{stopped.run.describe()}"
        )
        assert stopped.run.returncode == 1, stopped.run.describe()
        assert any("Interrupt received" in line for line in stopped.run.lines), stopped.run.describe()


def test_sigint_releases_the_lock(graceful: list[Interruption]) -> None:
    for stopped in graceful:
        assert stopped.lock_left is None


def test_sigint_records_every_creation_it_reported(graceful: list[Interruption]) -> None:
    for stopped in graceful:
        assert set(stopped.run.created) <= set(stopped.recorded), stopped.run.describe()


# --- SIGKILL: the lock stays, and so do objects the state never recorded -----------------------------------------


def test_sigkill_leaves_the_lock_and_the_next_run_fails_with_its_id(hard: list[Interruption]) -> None:
    for killed in hard:
        assert killed.run.signalled_after_seconds is not None, f"never reached {killed.point}:\n{killed.run.describe()}"
        assert killed.run.returncode == -signal.SIGKILL
        assert killed.lock_left is not None
        assert killed.lock_error is not None
        assert _is_lock_error(killed.lock_error), killed.lock_error.describe()
        assert lock_id_in(killed.lock_error) == killed.lock_left["ID"]


def test_make_unlock_releases_the_stale_lock(hard: list[Interruption]) -> None:
    for killed in hard:
        assert killed.unlock is not None
        assert killed.unlock.returncode == 0, killed.unlock.stdout + killed.unlock.stderr
        assert killed.lock_after_unlock is None


def test_interruption_orphans_are_measured(
    interruptions: list[Interruption], record_property: Callable[[str, object], None]
) -> None:
    """Not a guarantee but a finding: what each interruption left that the state lacks, and how it was found."""
    measured = [
        {
            "signal": signal.Signals(each.signal_number).name,
            "after": each.point,
            "seconds into the run": each.run.signalled_after_seconds,
            "exited seconds after the signal": each.run.exited_after_signal_seconds,
            "creations reported": len(each.run.created),
            "recorded in the state": len(each.recorded),
            "adopted from the log": len(each.orphans.reported),
            "in flight, found by tag": sorted(each.orphans.found_by_tag),
            "in flight, not found": each.orphans.not_found,
            "raced plan/apply refused after seconds": [seconds for _, seconds in each.recovery.blocked.values()],
            "recovery apply seconds": each.recovery.seconds,
        }
        for each in interruptions
    ]
    record_property("interruption_orphans", measured)
    print(f"\ninterruptions: {json.dumps(measured, indent=1)}")
    assert all(each.orphans.imports for each in interruptions if each.signal_number == signal.SIGKILL), (
        "a hard kill left nothing to adopt: the recovery went untested"
    )


# --- The recovery apply, raced by a second deploy ------------------------------------------------------------------


def test_second_plan_fails_fast_with_the_lock_error(interruptions: list[Interruption]) -> None:
    for recovery in (each.recovery for each in interruptions):
        result, seconds = recovery.blocked["plan"]
        assert recovery.first_was_running, "the first apply had finished: the race never happened"
        assert _is_lock_error(result), result.describe()
        assert seconds < FAIL_FAST_SECONDS


def test_second_apply_fails_fast_with_the_lock_error(interruptions: list[Interruption]) -> None:
    for recovery in (each.recovery for each in interruptions):
        result, seconds = recovery.blocked["apply"]
        assert recovery.first_was_running, "the first apply had finished: the race never happened"
        assert _is_lock_error(result), result.describe()
        assert seconds < FAIL_FAST_SECONDS


def test_blocked_runs_do_nothing(interruptions: list[Interruption]) -> None:
    for recovery in (each.recovery for each in interruptions):
        for result, _ in recovery.blocked.values():
            acted = [line for line in result.stdout.splitlines() if LOG_LINE.match(line) or "Refreshing state" in line]
            assert acted == []


def test_recovery_apply_records_every_resource(rig: Rig, interruptions: list[Interruption]) -> None:
    for recovery in (each.recovery for each in interruptions):
        assert recovery.first.returncode == 0, recovery.first.describe()
        assert set(recovery.recorded) == rig.expected_addresses()


def test_state_serial_advances_once_per_apply_and_once_per_intermediate_save(
    interruptions: list[Interruption], record_property: Callable[[str, object], None]
) -> None:
    advanced = {each.point: (each.recovery.serial_before, each.recovery.serial_after) for each in interruptions}
    record_property("serial_before_after_recovery", advanced)
    for recovery in (each.recovery for each in interruptions):
        assert recovery.serial_after is not None
        saves = 1 + int(recovery.seconds // PERSIST_INTERVAL_SECONDS)
        assert 1 <= recovery.serial_after - recovery.serial_before <= saves, advanced


def test_lock_object_is_gone_after_the_apply(interruptions: list[Interruption]) -> None:
    for recovery in (each.recovery for each in interruptions):
        assert recovery.lock_seen is not None
        assert recovery.lock_after is None


def test_recovery_converges(interruptions: list[Interruption]) -> None:
    for each in interruptions:
        assert each.recovery.convergence.returncode == NO_CHANGES, each.recovery.convergence.describe()


def test_recovery_leaves_no_duplicate_objects(rig: Rig, interruptions: list[Interruption]) -> None:
    expected = {kind: len(rig.config()["resource"][kind]) for kind in COUNTED_TYPES}
    for each in interruptions:
        assert {kind: len(each.recovery.tagged[kind]) for kind in COUNTED_TYPES} == expected, each.point


# --- Drift ---------------------------------------------------------------------------------------------------------


def _changed_attributes(change: dict[str, Any]) -> set[str]:
    before, after = change["before"] or {}, change["after"] or {}
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def test_drift_plan_shows_exactly_the_hand_made_changes(rig: Rig, drift: Drift) -> None:
    assert drift.plan.returncode == CHANGES, drift.plan.describe()
    config = rig.config()["resource"]
    cluster = f"aws_eks_cluster.{next(iter(config['aws_eks_cluster']))}"
    gpu_group = next(
        f"aws_eks_node_group.{name}"
        for name, group in config["aws_eks_node_group"].items()
        if group["node_group_name"].startswith("gpu-")
    )
    assert {address: change["actions"] for address, change in drift.changes.items()} == {
        cluster: ["update"],
        gpu_group: ["update"],
    }
    assert {address: _changed_attributes(change) for address, change in drift.changes.items()} == {
        cluster: {"tags", "tags_all"},  # a default tag with another value shows in the resource's own tags too
        gpu_group: {"scaling_config"},
    }
    assert drift.changes[cluster]["before"]["tags_all"]["managed-by"] == HAND_MADE_TAG["managed-by"]


def test_deploy_restores_the_node_group_and_the_tag(rig: Rig, drift: Drift) -> None:
    assert drift.cure.returncode == 0, drift.cure.describe()
    gpu = rig.environment.gpu
    assert drift.scaling_after_cure == {"minSize": gpu.min_node_count, "maxSize": gpu.max_node_count}
    assert drift.cluster_tags_after_cure["managed-by"] != HAND_MADE_TAG["managed-by"]


def test_no_drift_after_the_restore(drift: Drift) -> None:
    assert drift.after_cure.returncode == NO_CHANGES, drift.after_cure.describe()


# --- Interrupted destroy -------------------------------------------------------------------------------------------


def test_sigkilled_destroy_leaves_a_lock_that_make_unlock_releases(interrupted_destroy: InterruptedDestroy) -> None:
    run = interrupted_destroy.run
    assert run.signalled_after_seconds is not None, run.describe()
    assert run.returncode == -signal.SIGKILL
    assert _is_lock_error(interrupted_destroy.lock_error), interrupted_destroy.lock_error.describe()
    assert interrupted_destroy.unlock.returncode == 0, interrupted_destroy.unlock.stderr


def test_resumed_destroy_leaves_nothing_behind(
    rig: Rig, interrupted_destroy: InterruptedDestroy, record_property: Callable[[str, object], None]
) -> None:
    assert interrupted_destroy.resumed.returncode == 0, interrupted_destroy.resumed.describe()
    assert interrupted_destroy.recorded == {}
    assert interrupted_destroy.left == {}
    # what stays on purpose: the state object (now empty) in the user's bucket, and no lock
    assert interrupted_destroy.bucket == [rig.key]
    record_property("fault_seconds", rig.seconds)
    print(f"\n{rig.stack}: seconds per phase {rig.seconds}")
