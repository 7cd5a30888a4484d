"""The make targets a user runs on an environment, run as the user runs them: `make <target> ENV=<name>` from the
project root, in its own process.

Each case has a scratch folder: its environment file (ENVIRONMENTS), its stacks (STACKS_DIR; cdktf writes to its
parent, and the local state goes to <folder>/state) and an empty home folder (no ~/.aws). Terraform takes the AWS
provider from the filesystem mirror and talks to the moto emulator (tests/support/aws_emulator.py), one provider
process serving every command (the debug-provider reattach of tests/support/terraform_tools.py). The apps stack needs
the helm and kubernetes providers, which have no binary here: `make diff` is shown to reach the apps stack's step and
to fail there on exactly that (its `terraform init` cannot find them), once the cluster exists.
`make hcl` writes into the project's hcl/ (other work may be reading it), so here only its recipe is checked;
tests/stacks/test_hcl_exit.py runs the same `cdktf synth --hcl` into a scratch folder and checks what it writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from operations import preflight
from spec.backends import LocalBackend
from tests.support.aws_emulator import client, emulator, terraform_environment
from tests.support.terraform_tools import PROJECT_ROOT, TERRAFORM_TIMEOUT_SECONDS, Terraform

# Measured alone on 2 cores: 85-125 s (load average 2.5-5), most of it four synths, and two plans and an apply of
# the cluster stack on the emulator; one make run after another (a chain), waiting on the emulator and Terraform.
pytestmark = pytest.mark.slow(seconds=100, chain=True)  # the start order: tests/conftest.py

REGION = "us-east-1"
REACHABLE = {"publicAccessCidrs": ["192.168.0.0/16"]}  # an address range that is nobody's placeholder
PLACEHOLDER = {"publicAccessCidrs": ["203.0.113.0/24"]}  # RFC 5737, as three shipped examples have it
AWS_WORDS = "no AWS credentials: set AWS_PROFILE or run aws sso login"
STOPPED_BY_DEPLOY_CHECK = "deploy stopped before creating or changing anything"


@dataclass(frozen=True)
class Made:
    """What `make` printed (stdout and stderr as one stream, in order) and its exit status."""

    returncode: int
    output: str
    seconds: float

    def lines(self, prefix: str) -> list[str]:
        return [line for line in self.output.splitlines() if line.startswith(prefix)]


@dataclass(frozen=True)
class Scratch:
    """One case's folder: its environment file, its stacks, its state and its user's home."""

    root: Path
    name: str

    @property
    def environment_file(self) -> Path:
        return self.root / "environment.yaml"

    @property
    def stacks(self) -> Path:
        return self.root / "out" / "stacks"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def initialised_folders(self) -> list[Path]:
        """Every folder Terraform initialised here: what a refused or empty-handed command must not leave."""
        return sorted(path.parent for path in self.root.rglob(".terraform"))


@dataclass
class Rig:
    """The emulator, one Terraform set-up for it, and a folder per case."""

    root: Path
    terraform: Terraform
    endpoint: str
    seconds: dict[str, float] = field(default_factory=dict)

    def scratch(self, name: str, fields: dict[str, Any] | str) -> Scratch:
        case = Scratch(self.root / name, name)
        case.home.mkdir(parents=True)
        text = fields if isinstance(fields, str) else yaml.safe_dump({"name": name, "cloud": "aws", **fields})
        case.environment_file.write_text(text)
        return case

    def environ(self, case: Scratch, *, credentials: bool) -> dict[str, str]:
        """Terraform's set-up for the emulator, the case's home; without credentials, no AWS variable at all (the
        instance metadata stays switched off, so that the machine's own role cannot count either)."""
        environ = {**self.terraform.environment(without_backend=False), "HOME": str(case.home), "CI": "1"}
        if not credentials:
            kept = {"AWS_EC2_METADATA_DISABLED"}
            environ = {key: value for key, value in environ.items() if not key.startswith("AWS_") or key in kept}
        return environ

    def make(self, target: str, case: Scratch, *variables: str, credentials: bool = True, dry: bool = False) -> Made:
        started = time.monotonic()
        completed = subprocess.run(
            [
                *("make", "--no-print-directory", *(["-n"] if dry else []), target),
                f"ENV={case.name}",
                f"ENVIRONMENTS={case.environment_file}",
                f"STACKS_DIR={case.stacks}",
                f"TF_PLUGIN_CACHE_DIR={self.terraform.plugin_cache}",  # the Makefile sets its own otherwise
                *variables,
            ],
            cwd=PROJECT_ROOT,
            env=self.environ(case, credentials=credentials),
            stdin=subprocess.DEVNULL,  # unattended: nobody answers cdktf's approval prompt
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TERRAFORM_TIMEOUT_SECONDS,
            check=False,
        )
        seconds = time.monotonic() - started
        self.seconds[f"{target} {case.name}"] = round(seconds, 1)
        return Made(completed.returncode, completed.stdout, seconds)

    def created_for(self, name: str) -> dict[str, list[str]]:
        """What the emulator holds of one environment: its cluster, and VPCs and roles named after it."""
        eks, ec2, iam = (client(self.endpoint, service, REGION) for service in ("eks", "ec2", "iam"))
        found = {
            "clusters": [c for c in eks.list_clusters()["clusters"] if c == name],
            "vpcs": [
                vpc["VpcId"]
                for vpc in ec2.describe_vpcs(Filters=[{"Name": "tag:environment", "Values": [name]}])["Vpcs"]
            ],
            "roles": [role["RoleName"] for role in iam.list_roles()["Roles"] if role["RoleName"].startswith(name)],
        }
        return {kind: objects for kind, objects in found.items() if objects}


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    root = tmp_path_factory.mktemp("make-targets")
    with emulator() as endpoint:
        offline = Terraform.offline(root / "terraform", extra_environment=terraform_environment(endpoint, REGION))
        with offline.debug_provider() as terraform:
            built = Rig(root=root, terraform=terraform, endpoint=endpoint)
            try:
                yield built
            finally:
                # moto keeps its backends in this process: the next module's emulator must start empty, not with ours
                urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
                print("\nmake targets, seconds:", built.seconds)


# --- make diff, on the emulator: a new environment, then the same one once its cluster stack is applied


@dataclass(frozen=True)
class Diffs:
    case: Scratch
    config: dict[str, Any]  # the cluster stack's cdk.tf.json
    new: Made  # make diff of the environment never deployed
    created_before_apply: dict[str, list[str]]
    applied: str  # terraform apply of the plan make diff left
    deployed: Made  # make diff once the cluster stack is applied
    apps_init: str  # terraform init in the apps stack's folder: why it fails here


@pytest.fixture(scope="module")
def diffs(rig: Rig) -> Diffs:
    case = rig.scratch("mk-diff", {"endpointAccess": REACHABLE})
    new = rig.make("diff", case)
    cluster_dir = case.stacks / "mk-diff-cluster"
    config = json.loads((cluster_dir / "cdk.tf.json").read_text())
    created = rig.created_for(case.name)
    # the plan make diff left and names, applied as it stands (what a user would see with `show diff.tfplan`)
    applied = rig.terraform.must(cluster_dir, "apply", "-input=false", "-no-color", "diff.tfplan").stdout
    deployed = rig.make("diff", case)
    apps_init = rig.terraform.run(case.stacks / "mk-diff-apps", "init", "-input=false", "-no-color")
    return Diffs(case, config, new, created, applied, deployed, apps_init.stdout + apps_init.stderr)


def test_make_diff_of_a_new_environment_shows_every_resource_the_cluster_stack_creates(diffs: Diffs) -> None:
    assert diffs.new.returncode == 0, diffs.new.output[-4000:]
    addresses = {f"{kind}.{name}" for kind, named in diffs.config["resource"].items() for name in named}
    assert diffs.new.lines("mk-diff-cluster: ") == [
        f"mk-diff-cluster: {len(addresses)} to add, 0 to change, 0 to destroy"
    ]
    assert {line.removeprefix("  + ") for line in diffs.new.lines("  + ")} == addresses


def test_make_diff_plans_the_apps_stack_once_the_cluster_exists(diffs: Diffs) -> None:
    lines = diffs.new.output.splitlines()
    cluster = lines.index(diffs.new.lines("mk-diff-cluster: ")[0])
    assert (
        lines[cluster + 1 :].count("mk-diff-apps: planned once the cluster exists (it reads the cluster to connect)")
        == 1
    )
    assert "error" not in diffs.new.output.lower()


def test_make_diff_creates_nothing_and_leaves_the_plan_it_shows(diffs: Diffs) -> None:
    assert diffs.created_before_apply == {}
    addresses = sum(len(named) for named in diffs.config["resource"].values())
    assert f"Apply complete! Resources: {addresses} added, 0 changed, 0 destroyed." in diffs.applied
    assert "every attribute: terraform -chdir=" in diffs.new.output


def test_make_diff_after_the_apply_shows_no_changes_then_reaches_the_apps_stack(diffs: Diffs) -> None:
    output = diffs.deployed.output
    assert diffs.deployed.returncode != 0  # the apps stack cannot be initialised here
    lines = output.splitlines()
    no_changes = lines.index("mk-diff-cluster: no changes")
    apps_dir = diffs.case.stacks / "mk-diff-apps"
    (error,) = diffs.deployed.lines("error: ")
    assert lines.index(error) > no_changes  # cluster first, then apps
    assert error == f"error: terraform init in {apps_dir} failed: Failed to query available provider packages"


def test_the_apps_stack_fails_here_only_for_the_providers_this_machine_lacks(diffs: Diffs) -> None:
    # what the one-line error summarises: Terraform's own detail of the same `init`
    failures = [line for line in diffs.apps_init.splitlines() if line.startswith("Error: ")]
    assert failures == ["Error: Failed to query available provider packages"] * 2, diffs.apps_init[-3000:]
    assert "hashicorp/helm" in diffs.apps_init
    assert "hashicorp/kubernetes" in diffs.apps_init
    assert "hashicorp/aws" not in "\n".join(line for line in diffs.apps_init.splitlines() if "not found" in line)


def test_the_state_the_preflight_reads_is_where_the_stack_keeps_it(diffs: Diffs) -> None:
    cluster_dir = diffs.case.stacks / "mk-diff-cluster"
    written = Path(os.path.normpath(cluster_dir / diffs.config["terraform"]["backend"]["local"]["path"]))
    assert preflight.local_state_file(diffs.case.stacks, "mk-diff-cluster", LocalBackend()) == written
    assert written == diffs.case.state / "mk-diff-cluster.tfstate"
    assert preflight.deployed_locally([written]) is True  # the apply wrote it


@pytest.mark.parametrize("target", ["output", "destroy"])
def test_once_the_cluster_stack_is_applied_output_and_destroy_go_on_to_their_command(
    rig: Rig, diffs: Diffs, target: str
) -> None:
    # The preflight exactly as the recipe runs it, with a stand-in for the cdktf command after `--`: cdktf output and
    # destroy would initialise the apps stack, whose providers this machine lacks (and destroy would destroy).
    completed = subprocess.run(
        [
            *(str(PROJECT_ROOT / ".venv" / "bin" / "python"), "-m", "operations.preflight", target, diffs.case.name),
            *("--", sys.executable, "-c", "print('the cdktf command runs')"),
        ],
        cwd=PROJECT_ROOT,
        env={
            **rig.environ(diffs.case, credentials=True),
            "ENVIRONMENTS": str(diffs.case.environment_file),
            "STACKS_DIR": str(diffs.case.stacks),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "the cdktf command runs\n", "")


# --- refusals before anything is created


def _nothing_created(rig: Rig, case: Scratch) -> None:
    assert case.initialised_folders() == []  # Terraform never started in a stack's folder
    assert not case.state.exists()
    assert rig.created_for(case.name) == {}


@pytest.fixture(scope="module")
def placeholder(rig: Rig) -> dict[str, tuple[Scratch, Made]]:
    """`make review` and `make deploy` of a file with a documentation range: refused after synth, before Terraform,
    so their stack folders are synthesised and were never initialised."""
    cases = {
        target: rig.scratch(f"mk-{target}-doc", {"endpointAccess": PLACEHOLDER}) for target in ("review", "deploy")
    }
    return {target: (case, rig.make(target, case)) for target, case in cases.items()}


@pytest.mark.parametrize("target", ["review", "deploy"])
def test_a_documentation_range_is_refused_before_anything_is_created(
    rig: Rig, placeholder: dict[str, tuple[Scratch, Made]], target: str
) -> None:
    case, made = placeholder[target]
    assert made.returncode != 0
    (error,) = made.lines("error: ")
    assert error == (
        f"error: {case.environment_file}: endpointAccess.publicAccessCidrs: 203.0.113.0/24 is a documentation "
        "range (RFC 5737), a placeholder: put your egress address here (e.g. the address https://checkip.amazonaws.com "
        "shows, as <address>/32); make deploy refuses to build a cluster the apps stack could not reach; "
        f"{STOPPED_BY_DEPLOY_CHECK}"
    )
    assert (case.stacks / f"{case.name}-cluster" / "cdk.tf.json").is_file()  # synthesised, then refused
    _nothing_created(rig, case)


@pytest.mark.parametrize("target", ["review", "deploy", "diff"])
def test_missing_credentials_are_refused_in_the_user_s_words_before_synth(rig: Rig, target: str) -> None:
    case = rig.scratch(f"mk-{target}-creds", {"endpointAccess": REACHABLE})
    made = rig.make(target, case, credentials=False)
    assert made.returncode != 0
    assert made.lines("error: ") == [f"error: {AWS_WORDS}; make {target} stopped before starting Terraform"]
    assert not case.stacks.exists()
    _nothing_created(rig, case)


@pytest.mark.parametrize("target", ["review", "deploy", "diff"])
def test_a_bad_file_is_refused_once_before_synth(rig: Rig, target: str) -> None:
    case = rig.scratch(f"mk-{target}-bad", f"name: mk-{target}-bad\ncloud: aws\nnodeSize: huge\n")
    made = rig.make(target, case)
    assert made.returncode != 0
    assert made.lines("error: ") == [
        f"error: {case.environment_file}: nodeSize: Input should be 'small', 'medium' or 'large' (got 'huge')"
    ]
    assert "cdktf" not in made.output
    _nothing_created(rig, case)


# --- output and destroy of an environment never deployed


@pytest.mark.parametrize(("target", "answer"), [("output", "no outputs"), ("destroy", "nothing to destroy")])
def test_output_and_destroy_of_a_never_deployed_environment_say_so_without_terraform(
    rig: Rig, target: str, answer: str
) -> None:
    case = rig.scratch(f"mk-{target}-new", {"endpointAccess": REACHABLE})
    # no credentials either: a local state is read without them, as a newcomer's first `make output` is
    made = rig.make(target, case, credentials=False)
    assert made.returncode == 0, made.output
    state = case.state
    assert made.lines("nothing deployed") == [
        f"nothing deployed for {case.name} yet (no resources in {state / f'{case.name}-cluster.tfstate'} or "
        f"{state / f'{case.name}-apps.tfstate'}): {answer}"
    ]
    assert not case.stacks.exists()  # cdktf never started: no synth, no init
    _nothing_created(rig, case)


# --- adopt and unlock on a stack folder that was synthesised and never initialised


def test_make_adopt_on_a_fresh_stack_folder_reports_terraform_s_own_message(
    rig: Rig, placeholder: dict[str, tuple[Scratch, Made]]
) -> None:
    case, _ = placeholder["review"]
    made = rig.make("adopt", case)
    assert made.returncode != 0
    assert made.lines("error: ") == [
        f"error: terraform state pull in {case.stacks / f'{case.name}-cluster'} failed: "
        'Backend initialization required, please run "terraform init"'
    ]


def test_make_unlock_on_a_fresh_stack_folder_reports_terraform_s_own_message(
    rig: Rig, placeholder: dict[str, tuple[Scratch, Made]]
) -> None:
    case, _ = placeholder["review"]
    made = rig.make("unlock", case, "LOCK_ID=0b5e9a1c-0000-4000-8000-000000000000")
    assert made.returncode != 0
    assert made.lines("error: ") == [
        f"error: terraform force-unlock in {case.stacks / f'{case.name}-cluster'} failed: "
        'Backend initialization required, please run "terraform init"'
    ]


# --- the recipes themselves


def test_every_terraform_target_names_both_stacks_of_the_environment_and_no_pattern(rig: Rig) -> None:
    case = rig.scratch("mk-recipes", {"endpointAccess": REACHABLE})
    for target in ("deploy", "destroy", "output"):
        recipe = rig.make(target, case, dry=True).output
        (cdktf,) = [line for line in recipe.splitlines() if f"cdktf {target}" in line]
        assert cdktf.endswith(f"'{case.name}-cluster' '{case.name}-apps'"), cdktf
        assert "-*" not in recipe


@pytest.mark.parametrize("target", ["diff", "review", "deploy"])
def test_the_file_check_and_the_preflight_come_before_synth(rig: Rig, target: str) -> None:
    case = rig.scratch(f"mk-order-{target}", {"endpointAccess": REACHABLE})
    lines = rig.make(target, case, dry=True).output.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if "main.py --check" in line),
        next(i for i, line in enumerate(lines) if f"operations.preflight {target} '{case.name}'" in line),
        next(i for i, line in enumerate(lines) if line.startswith(f"cdktf synth --output '{case.stacks.parent}'")),
    ]
    assert order == sorted(order)


def test_make_hcl_checks_the_files_then_writes_hcl_stacks(rig: Rig) -> None:
    case = rig.scratch("mk-hcl", {"endpointAccess": REACHABLE})
    lines = rig.make("hcl", case, dry=True).output.splitlines()
    check = next(i for i, line in enumerate(lines) if line.endswith("main.py --check"))
    assert lines[check + 1] == "cdktf synth --hcl --output hcl"
