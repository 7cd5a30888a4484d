"""Faults on the moto emulator, with the state on S3: interrupted applies recovered by `make adopt`, locks, drift.

One emulator and one synthesised stack for the module (a shipped example whose backend is `s3`). Every interruption
is placed by what the run is doing, not by a delay: the emulator holds chosen create calls after it carried them
out and before it answers (support/aws_emulator.py `hold`), so the objects exist and Terraform has not heard of them.
Once every held call has arrived, the whole process group gets the signal.

KILL_POINTS run one after another on the same environment, each deploy resuming the last: kill, `make unlock`,
`make adopt`, and the next deploy (itself killed at the next point, until the last one finishes). Then the
environment converges (plan: no changes) and holds exactly one object per resource block. A graceful Ctrl-C runs
first on its own, a second deploy races the last one for the lock, drift is cured, and a killed destroy resumed.
The emulator's endpoint reaches the S3 backend only through this module's -backend-config file.
Runs that are killed or raced have providers of their own; every other command reattaches one debug provider.
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

from operations.adopt import RECOVERY_IMPORTS
from spec.backends import S3Backend
from spec.environment import Environment
from stacks.backends import state_key
from tests.support.aws_emulator import Hold, client, emulator, hold, leftovers, release_all, terraform_environment
from tests.support.terraform_tools import (
    PROJECT_ROOT,
    TERRAFORM_TIMEOUT_SECONDS,
    Terraform,
    TerraformResult,
    synthesize,
)
from validation.loader import load_environment_file

pytestmark = pytest.mark.e2e(seconds=230)  # the start order: tests/conftest.py

ENVIRONMENT_FILE = PROJECT_ROOT / "examples" / "aws-eks-inference.yaml"
NO_CHANGES, CHANGES = 0, 2  # `terraform plan -detailed-exitcode`: 0 = no changes, 1 = error, 2 = changes
LOCK_TIMEOUT = "2s"
# The bounded lock wait plus Terraform's start-up next to a running apply: 8-14 s measured on a loaded 2-core machine.
FAIL_FAST_SECONDS = 30.0
EXIT_SECONDS = 120.0  # a generous bound for Terraform to exit after a signal
HELD_SECONDS = 300.0  # a generous bound for a run to reach its held calls
PERSIST_INTERVAL_SECONDS = 20  # Terraform >= 1.5 also saves remote state during an apply, at most this often
APPLY = ("apply", "-auto-approve", "-input=false", "-no-color")
DESTROY = ("destroy", "-auto-approve", "-input=false", "-no-color")
PLAN = ("plan", "-detailed-exitcode", "-input=false", "-no-color")
NODE_GROUPS = "node groups"  # held as many times as the stack has node groups


@dataclass(frozen=True)
class KillPoint:
    """Where a deploy is killed: once every one of these create calls has reached the emulator."""

    name: str
    held: dict[str, str]  # API action -> the resource type it creates


# In the order a deploy reaches them; each point's calls do not depend on one another, so all of them arrive.
KILL_POINTS = (
    KillPoint(
        "VPC, KMS key, Elastic IP", {"CreateVpc": "aws_vpc", "CreateKey": "aws_kms_key", "AllocateAddress": "aws_eip"}
    ),
    KillPoint(
        "NAT gateway, flow log, cluster",
        {"CreateNatGateway": "aws_nat_gateway", "CreateFlowLogs": "aws_flow_log", "CreateCluster": "aws_eks_cluster"},
    ),
    # What starts the moment the cluster reports `Creation complete`: its OIDC provider and the launch templates.
    KillPoint(
        "right after the cluster",
        {
            "CreateOpenIDConnectProvider": "aws_iam_openid_connect_provider",
            "CreateLaunchTemplate": "aws_launch_template",
        },
    ),
    KillPoint(NODE_GROUPS, {"CreateNodegroup": "aws_eks_node_group"}),
    KillPoint("add-on", {"CreateAddon": "aws_eks_addon"}),
)
LOG_LINE = re.compile(r"^(?P<address>[\w.-]+): (?P<event>Creating\.\.\.|Creation complete|Destruction complete)")
CREATED_ID = re.compile(r"^(?P<address>[\w.-]+): Creation complete after \S+ \[id=(?P<id>[^\]]+)\]")
LOCK_ID = re.compile(r"^\s*ID:\s+(?P<id>\S+)\s*$", re.MULTILINE)
PLANNED_CREATIONS = re.compile(r"^plan: (?P<count>\d+) to create", re.MULTILINE)  # operations/adopt.py's last line


@dataclass(frozen=True)
class Run:
    """A Terraform run read line by line, possibly interrupted; what it reported is all a user has after a kill."""

    lines: tuple[str, ...]
    returncode: int
    signalled_after_seconds: float | None

    @property
    def created(self) -> dict[str, str]:
        """Address -> the ID the provider reported, for every creation the run saw complete."""
        return {match["address"]: match["id"] for line in self.lines if (match := CREATED_ID.match(line))}

    @property
    def errors(self) -> list[str]:
        return [line for line in self.lines if line.startswith("Error:")]

    def describe(self) -> str:
        return f"exit {self.returncode}\n" + "\n".join(self.lines[-60:])


@dataclass(frozen=True)
class Command:
    """A `make` target run as a user would, with its exit status and output."""

    returncode: int
    output: str

    def describe(self) -> str:
        return f"exit {self.returncode}\n{self.output[-6000:]}"


def _wait_for_holds(process: subprocess.Popen[str], holds: list[Hold]) -> bool:
    """True once every held call has arrived; False if the run ended first (an error) or took HELD_SECONDS."""
    deadline = time.monotonic() + HELD_SECONDS
    pending = list(holds)
    while pending and process.poll() is None and time.monotonic() < deadline:
        pending[0].wait_reached(0.05)  # wakes at once when the call arrives; the short bound notices an early exit
        pending = [each for each in pending if not each.reached.is_set()]
    return not pending


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
    def stack_dir(self) -> Path:
        return self.stacks_dir / self.environment.cluster_stack_name

    @property
    def key(self) -> str:
        return state_key(self.backend.key_prefix, self.environment.cluster_stack_name)

    def client(self, service: str) -> Any:
        return client(self.endpoint, service, self.region)

    def reset(self) -> None:
        """Empties the emulator (moto's own reset call) and creates the state bucket again."""
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")).close()
        (self.stack_dir / RECOVERY_IMPORTS).unlink(missing_ok=True)
        self.client("s3").create_bucket(
            Bucket=self.backend.bucket, CreateBucketConfiguration={"LocationConstraint": self.backend.region}
        )

    def config(self) -> dict[str, Any]:
        return dict(json.loads((self.stack_dir / "cdk.tf.json").read_text()))

    def addresses(self, kind: str) -> set[str]:
        return {f"{kind}.{name}" for name in self.config()["resource"].get(kind, {})}

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

    def held_run(self, phase: str, arguments: tuple[str, ...], holds: list[Hold], signal_number: int) -> Run:
        """Runs Terraform; once every held call has reached the emulator, signals its process group, then releases."""
        started = time.monotonic()
        process = self.terraform.start(self.stack_dir, *arguments)
        assert process.stdout is not None
        with ThreadPoolExecutor(max_workers=1) as reader:  # read while waiting, so a full pipe cannot stall Terraform
            output = reader.submit(process.stdout.read)
            reached = _wait_for_holds(process, holds)
            signalled = None
            if reached:
                # to the whole group, as Ctrl-C or a CI timeout does: a SIGKILL to Terraform alone leaves its providers
                os.killpg(process.pid, signal_number)
                signalled = round(time.monotonic() - started, 1)
            release_all()  # held calls answer (to a dead process); a hold never reached cannot catch a later run
            returncode = process.wait(timeout=EXIT_SECONDS if reached else TERRAFORM_TIMEOUT_SECONDS)
            lines = tuple(output.result(timeout=EXIT_SECONDS).splitlines())
        self.seconds[phase] = round(time.monotonic() - started, 1)
        return Run(lines, returncode, signalled)

    def make(self, target: str, *variables: str) -> Command:
        """`make <target> ENV=<name> ...`, pointed at this module's synthesised stacks and the emulator."""
        started = time.monotonic()
        completed = subprocess.run(
            [
                *("make", "-s", "-C", str(PROJECT_ROOT), target),
                *(f"ENV={self.environment.name}", f"STACKS_DIR={self.stacks_dir}", *variables),
            ],
            env=self.terraform.environment(without_backend=False),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TERRAFORM_TIMEOUT_SECONDS,
            check=False,
        )
        self.seconds[f"make {target}"] = self.seconds.get(f"make {target}", 0) + round(time.monotonic() - started, 1)
        return Command(completed.returncode, completed.stdout)

    def imports_written(self) -> dict[str, str]:
        path = self.stack_dir / RECOVERY_IMPORTS
        if not path.exists():
            return {}
        return {entry["to"]: entry["id"] for entry in json.loads(path.read_text())["import"]}

    def counted(self) -> dict[str, int]:
        """How many objects of each resource type the emulator holds (it holds this one environment only)."""
        ec2, eks, iam, kms, logs = (self.client(service) for service in ("ec2", "eks", "iam", "kms", "logs"))
        vpcs = [vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"] if not vpc["IsDefault"]]
        in_vpcs = [{"Name": "vpc-id", "Values": vpcs}] if vpcs else []
        tables = ec2.describe_route_tables(Filters=in_vpcs)["RouteTables"] if vpcs else []
        clusters = eks.list_clusters()["clusters"]
        return {
            "aws_vpc": len(vpcs),
            "aws_subnet": len(ec2.describe_subnets(Filters=in_vpcs)["Subnets"]) if vpcs else 0,
            "aws_internet_gateway": len(ec2.describe_internet_gateways()["InternetGateways"]),
            "aws_route_table": sum(  # each VPC's main route table is AWS's, not ours
                1 for table in tables if not any(a.get("Main") for a in table.get("Associations", []))
            ),
            "aws_route_table_association": sum(
                1 for table in tables for a in table.get("Associations", []) if a.get("SubnetId")
            ),
            "aws_default_security_group": len(vpcs),
            "aws_eip": len(ec2.describe_addresses()["Addresses"]),
            "aws_nat_gateway": sum(1 for g in ec2.describe_nat_gateways()["NatGateways"] if g["State"] != "deleted"),
            "aws_flow_log": len(ec2.describe_flow_logs()["FlowLogs"]),
            "aws_launch_template": len(ec2.describe_launch_templates()["LaunchTemplates"]),
            "aws_cloudwatch_log_group": len(logs.describe_log_groups()["logGroups"]),
            "aws_kms_key": sum(
                1
                for key in kms.list_keys()["Keys"]
                if kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"
            ),
            "aws_iam_role": len(iam.list_roles()["Roles"]),
            "aws_iam_role_policy": sum(
                len(iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"])
                for role in iam.list_roles()["Roles"]
            ),
            "aws_iam_role_policy_attachment": sum(
                len(iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"])
                for role in iam.list_roles()["Roles"]
            ),
            "aws_iam_openid_connect_provider": len(iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]),
            "aws_eks_cluster": len(clusters),
            "aws_eks_node_group": sum(len(eks.list_nodegroups(clusterName=c)["nodegroups"]) for c in clusters),
            "aws_eks_addon": sum(len(eks.list_addons(clusterName=c)["addons"]) for c in clusters),
            # the emulator's node-group Auto Scaling groups start untagged: every tag is one of ours
            "aws_autoscaling_group_tag": len(self.client("autoscaling").describe_tags()["Tags"]),
        }

    def expected_counts(self) -> dict[str, int]:
        return {kind: len(resources) for kind, resources in self.config()["resource"].items()}


def lock_id_in(result: TerraformResult) -> str:
    """The ID Terraform prints in its lock error, which the README tells the user to pass to `make unlock`."""
    match = LOCK_ID.search(result.stdout + result.stderr)
    assert match, f"no lock ID in the error:\n{result.describe()}"
    return match["id"]


def _is_lock_error(result: TerraformResult) -> bool:
    return result.returncode == 1 and "Error acquiring the state lock" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """The example synthesised as shipped, its S3 bucket in the emulator, the stack initialised against it."""
    loaded = load_environment_file(ENVIRONMENT_FILE).environment
    if not isinstance(loaded.backend, S3Backend):
        pytest.fail(f"{ENVIRONMENT_FILE.name} must keep its s3 backend: these tests exercise its lock")
    root = tmp_path_factory.mktemp("faults")
    outdir = synthesize([ENVIRONMENT_FILE], root / "out").outdir
    with emulator() as endpoint:
        offline = Terraform.offline(root / "terraform", terraform_environment(endpoint, loaded.resolved_region))
        # every deploy that is killed or raced runs with providers of its own (Terraform.start); the rest reattach
        with offline.debug_provider() as terraform:
            rig = Rig(
                environment=loaded,
                backend=loaded.backend,
                endpoint=endpoint,
                stacks_dir=outdir / "stacks",
                terraform=terraform,
            )
            rig.reset()
            # The emulator only: the product's backend block names the bucket, key, region and lock, and no endpoint.
            overrides = root / "emulator.s3.tfbackend"
            overrides.write_text(f'endpoints = {{ s3 = "{endpoint}" }}\nuse_path_style = true\n')
            rig.terraform.must(rig.stack_dir, "init", "-input=false", "-no-color", f"-backend-config={overrides}")
            yield rig


# --- Ctrl-C (SIGINT) while the VPC's creation is in flight --------------------------------------------------------


@dataclass(frozen=True)
class Graceful:
    run: Run
    recorded: dict[str, str]
    lock_left: dict[str, Any] | None
    adopt: Command
    imports: dict[str, str]


@pytest.fixture(scope="module")
def graceful(rig: Rig) -> Graceful:
    """A first deploy stopped with SIGINT while CreateVpc is held, then `make adopt`; the emulator is emptied after."""
    rig.reset()
    run = rig.held_run("apply, SIGINT at CreateVpc", APPLY, [hold("CreateVpc")], signal.SIGINT)
    recorded, lock_left = rig.recorded(), rig.lock()
    adopted = rig.make("adopt")
    result = Graceful(run, recorded, lock_left, adopted, rig.imports_written())
    rig.reset()
    return result


def test_sigint_stops_the_apply_with_an_error(graceful: Graceful) -> None:
    assert graceful.run.signalled_after_seconds is not None, f"never reached CreateVpc:\n{graceful.run.describe()}"
    assert graceful.run.returncode == 1, graceful.run.describe()
    assert any("Interrupt received" in line for line in graceful.run.lines), graceful.run.describe()


def test_sigint_releases_the_lock(graceful: Graceful) -> None:
    assert graceful.lock_left is None


def test_sigint_records_every_creation_it_reported(graceful: Graceful) -> None:
    assert set(graceful.run.created) <= set(graceful.recorded), graceful.run.describe()


def test_adopt_after_sigint_finds_what_the_state_lacks(rig: Rig, graceful: Graceful) -> None:
    assert graceful.adopt.returncode == 0, graceful.adopt.describe()
    # the VPC's call was carried out: it is either recorded or adopted, never left for a second creation
    assert rig.addresses("aws_vpc") <= set(graceful.recorded) | set(graceful.imports), graceful.adopt.describe()
    assert not set(graceful.recorded) & set(graceful.imports)


# --- SIGKILL at every kill point, each recovered by `make unlock` and `make adopt` ---------------------------------


@dataclass(frozen=True)
class Killed:
    point: KillPoint
    run: Run
    lock_left: dict[str, Any] | None
    lock_error: TerraformResult
    unlock: Command
    lock_after_unlock: dict[str, Any] | None
    recorded: dict[str, str]
    adopt: Command
    imports: dict[str, str]
    counted_after_adopt: dict[str, int]


def _holds_for(rig: Rig, point: KillPoint) -> list[Hold]:
    """One hold per action; an action that creates several objects of a kind is held until all of them arrived."""
    return [hold(action, calls=len(rig.addresses(kind))) for action, kind in point.held.items()]


def kill_and_adopt(rig: Rig, point: KillPoint) -> Killed:
    run = rig.held_run(f"apply, SIGKILL at {point.name}", APPLY, _holds_for(rig, point), signal.SIGKILL)
    lock_left = rig.lock()
    # the README: the next `make diff` fails with the lock's ID; `make unlock` with it, then `make adopt`
    lock_error = rig.terraform.run(rig.stack_dir, "plan", "-input=false", "-no-color", f"-lock-timeout={LOCK_TIMEOUT}")
    unlock = rig.make("unlock", f"LOCK_ID={lock_id_in(lock_error) if _is_lock_error(lock_error) else 'none'}")
    lock_after_unlock = rig.lock()
    recorded = rig.recorded()
    adopted = rig.make("adopt")
    return Killed(
        point=point,
        run=run,
        lock_left=lock_left,
        lock_error=lock_error,
        unlock=unlock,
        lock_after_unlock=lock_after_unlock,
        recorded=recorded,
        adopt=adopted,
        imports=rig.imports_written(),
        counted_after_adopt=rig.counted(),
    )


@pytest.fixture(scope="module")
def killed(rig: Rig, graceful: Graceful) -> list[Killed]:
    """Every kill point in turn on one environment: each deploy after `make adopt` resumes until the next point."""
    return [kill_and_adopt(rig, point) for point in KILL_POINTS]


@dataclass(frozen=True)
class Recovery:
    """The last deploy after the last adopt, raced by a second plan and a second apply of the same stack."""

    first: TerraformResult
    lock_seen: dict[str, Any] | None
    blocked: dict[str, tuple[TerraformResult, float]]
    seconds: float
    serial_before: int
    serial_after: int | None
    recorded: dict[str, str]
    lock_after: dict[str, Any] | None
    counted: dict[str, int]
    convergence: TerraformResult


def _finish(command: str, process: subprocess.Popen[str], started: float) -> tuple[TerraformResult, float]:
    output, _ = process.communicate(timeout=EXIT_SECONDS)
    return TerraformResult((command,), process.returncode, output, ""), round(time.monotonic() - started, 1)


@pytest.fixture(scope="module")
def recovery(rig: Rig, killed: list[Killed]) -> Recovery:
    """`make deploy` while a second `make diff` and `make deploy` start: the first holds the lock (its first read of
    the VPC is held in the emulator) until both have failed."""
    serial_before = (rig.state() or {}).get("serial", 0)
    started = time.monotonic()
    refreshing = hold("DescribeVpcs")
    first = rig.terraform.start(rig.stack_dir, *APPLY)
    assert refreshing.wait_reached(HELD_SECONDS), "the deploy never read its VPC"
    lock_seen = rig.lock()
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
    refreshing.release()
    first_output, _ = first.communicate(timeout=TERRAFORM_TIMEOUT_SECONDS)
    seconds = rig.seconds["deploy after the last adopt"] = round(time.monotonic() - started, 1)
    if first.returncode == 0:  # what `make deploy` does once it went through
        (rig.stack_dir / RECOVERY_IMPORTS).unlink(missing_ok=True)
    return Recovery(
        first=TerraformResult(("apply",), first.returncode, first_output, ""),
        lock_seen=lock_seen,
        blocked=blocked,
        seconds=seconds,
        serial_before=serial_before,
        serial_after=(rig.state() or {}).get("serial"),
        recorded=rig.recorded(),
        lock_after=rig.lock(),
        counted=rig.counted(),
        convergence=rig.timed("plan after the recovery", *PLAN),
    )


def test_every_kill_point_is_reached(killed: list[Killed]) -> None:
    for each in killed:
        assert each.run.signalled_after_seconds is not None, f"never reached {each.point.name}:\n{each.run.describe()}"
        assert each.run.returncode == -signal.SIGKILL


def test_each_deploy_after_adopt_runs_without_errors_until_the_next_kill(killed: list[Killed]) -> None:
    for each in killed:
        assert each.run.errors == [], f"{each.point.name}:\n{each.run.describe()}"


def test_sigkill_leaves_the_lock_and_the_next_run_fails_with_its_id(killed: list[Killed]) -> None:
    for each in killed:
        assert each.lock_left is not None, each.point.name
        assert _is_lock_error(each.lock_error), each.lock_error.describe()
        assert lock_id_in(each.lock_error) == each.lock_left["ID"]


def test_make_unlock_releases_the_stale_lock(killed: list[Killed]) -> None:
    for each in killed:
        assert each.unlock.returncode == 0, each.unlock.describe()
        assert each.lock_after_unlock is None, each.point.name


def test_make_adopt_succeeds_at_every_kill_point(killed: list[Killed]) -> None:
    for each in killed:
        assert each.adopt.returncode == 0, f"{each.point.name}: {each.adopt.describe()}"


def test_make_adopt_imports_every_object_whose_creation_was_in_flight(rig: Rig, killed: list[Killed]) -> None:
    """The held calls were carried out and never answered: the log has no ID for them, and the state no record."""
    for each in killed:
        in_flight = {address for kind in each.point.held.values() for address in rig.addresses(kind)}
        assert in_flight <= set(each.imports), f"{each.point.name}: {each.adopt.describe()}"
        assert not in_flight & set(each.recorded), each.point.name


def test_make_adopt_plans_to_create_exactly_what_is_neither_recorded_nor_adopted(
    rig: Rig, killed: list[Killed]
) -> None:
    for each in killed:
        planned = PLANNED_CREATIONS.search(each.adopt.output)
        assert planned, f"{each.point.name}: {each.adopt.describe()}"
        assert int(planned["count"]) == len(rig.expected_addresses() - set(each.recorded) - set(each.imports))


def test_make_adopt_imports_nothing_the_state_records(killed: list[Killed]) -> None:
    for each in killed:
        assert not set(each.imports) & set(each.recorded), each.point.name


def test_no_kill_point_leaves_a_duplicate(rig: Rig, killed: list[Killed]) -> None:
    expected = rig.expected_counts()
    for each in killed:
        over = {kind: count for kind, count in each.counted_after_adopt.items() if count > expected.get(kind, 0)}
        assert over == {}, f"after {each.point.name}: {over} (expected {expected})"


def test_recovery_apply_records_every_resource(rig: Rig, recovery: Recovery) -> None:
    assert recovery.first.returncode == 0, recovery.first.describe()
    assert set(recovery.recorded) == rig.expected_addresses()


def test_recovery_converges(recovery: Recovery) -> None:
    assert recovery.convergence.returncode == NO_CHANGES, recovery.convergence.describe()


def test_recovery_leaves_exactly_one_object_per_resource(rig: Rig, recovery: Recovery) -> None:
    assert recovery.counted == rig.expected_counts()


def test_interruptions_are_measured(
    rig: Rig, killed: list[Killed], recovery: Recovery, record_property: Callable[[str, object], None]
) -> None:
    """Not a guarantee but a finding: per kill point, what the log reported and what adopt had to find."""
    measured = [
        {
            "kill point": each.point.name,
            "seconds into the run": each.run.signalled_after_seconds,
            "creations reported": len(each.run.created),
            "recorded in the state": len(each.recorded),
            "adopted": len(each.imports),
        }
        for each in killed
    ]
    record_property("kill_points", measured)
    print(f"\nkill points: {json.dumps(measured, indent=1)}")
    assert all(each.imports for each in killed), "a kill left nothing to adopt: the recovery went untested"


# --- The last deploy, raced by a second one ------------------------------------------------------------------------


def test_second_plan_fails_fast_with_the_lock_error(recovery: Recovery) -> None:
    result, seconds = recovery.blocked["plan"]
    assert _is_lock_error(result), result.describe()
    assert seconds < FAIL_FAST_SECONDS


def test_second_apply_fails_fast_with_the_lock_error(recovery: Recovery) -> None:
    result, seconds = recovery.blocked["apply"]
    assert _is_lock_error(result), result.describe()
    assert seconds < FAIL_FAST_SECONDS


def test_blocked_runs_do_nothing(recovery: Recovery) -> None:
    for result, _ in recovery.blocked.values():
        acted = [line for line in result.stdout.splitlines() if LOG_LINE.match(line) or "Refreshing state" in line]
        assert acted == []


def test_state_serial_advances_once_per_apply_and_once_per_intermediate_save(recovery: Recovery) -> None:
    assert recovery.serial_after is not None
    saves = 1 + int(recovery.seconds // PERSIST_INTERVAL_SECONDS)
    assert 1 <= recovery.serial_after - recovery.serial_before <= saves


def test_lock_object_is_held_during_the_apply_and_gone_after(recovery: Recovery) -> None:
    assert recovery.lock_seen is not None
    assert recovery.lock_after is None


# --- Drift ---------------------------------------------------------------------------------------------------------


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
def drift(rig: Rig, recovery: Recovery) -> Drift:
    """The GPU node group's scaling and the cluster's tag changed by hand; `make diff`, `make deploy`, `make diff`."""
    environment, eks = rig.environment, rig.client("eks")
    gpu = environment.gpu
    # named gpu-<hash of what forces its replacement> (spec/pools.py)
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
    # `make diff` plans the stack in its folder (operations/diff.py), as `terraform plan` does here
    plan = rig.timed("plan with drift", *PLAN, "-out=drift.tfplan")
    shown = json.loads(rig.terraform.must(rig.stack_dir, "show", "-json", "drift.tfplan").stdout)
    cure = rig.timed("apply to cure drift", *APPLY)
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
        after_cure=rig.timed("plan after cure", *PLAN),
    )


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


@dataclass(frozen=True)
class InterruptedDestroy:
    run: Run
    lock_error: TerraformResult
    unlock: Command
    resumed: TerraformResult
    recorded: dict[str, str]
    bucket: list[str]
    left: dict[str, list[str]]


@pytest.fixture(scope="module")
def interrupted_destroy(rig: Rig, drift: Drift) -> InterruptedDestroy:
    """`make destroy` killed with SIGKILL while the cluster's deletion is held, then unlocked and run again."""
    run = rig.held_run("destroy, SIGKILL at DeleteCluster", DESTROY, [hold("DeleteCluster")], signal.SIGKILL)
    lock_error = rig.terraform.run(rig.stack_dir, *DESTROY, f"-lock-timeout={LOCK_TIMEOUT}")
    unlock = rig.make("unlock", f"LOCK_ID={lock_id_in(lock_error) if _is_lock_error(lock_error) else 'none'}")
    resumed = rig.timed("destroy resumed", *DESTROY)
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


def test_sigkilled_destroy_leaves_a_lock_that_make_unlock_releases(interrupted_destroy: InterruptedDestroy) -> None:
    run = interrupted_destroy.run
    assert run.signalled_after_seconds is not None, run.describe()
    assert run.returncode == -signal.SIGKILL
    assert _is_lock_error(interrupted_destroy.lock_error), interrupted_destroy.lock_error.describe()
    assert interrupted_destroy.unlock.returncode == 0, interrupted_destroy.unlock.describe()


def test_resumed_destroy_leaves_nothing_behind(
    rig: Rig, interrupted_destroy: InterruptedDestroy, record_property: Callable[[str, object], None]
) -> None:
    assert interrupted_destroy.resumed.returncode == 0, interrupted_destroy.resumed.describe()
    assert interrupted_destroy.recorded == {}
    assert interrupted_destroy.left == {}
    # what stays on purpose: the state object (now empty) in the user's bucket, and no lock
    assert interrupted_destroy.bucket == [rig.key]
    record_property("fault_seconds", rig.seconds)
    print(f"\n{rig.environment.cluster_stack_name}: seconds per phase {rig.seconds}")
