"""The preflight of the Terraform targets (operations/preflight.py, operations/credentials.py), the credential words
of the runner's errors, the deploy check's refusal of a documentation range, and `make diff`'s summary.

The checks are pure functions over an environment and a home folder; two tests run the real Terraform and AWS
provider without credentials, to show that the SDK's own errors come out in the same words as the preflight's.
tests/operations/test_make_targets.py runs the make targets themselves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from catalogue.node_sizes import Cloud
from operations import credentials, deploy_check, diff, preflight, terraform
from tests.conftest import PROJECT_ROOT, environment
from tests.support.terraform_tools import Terraform
from validation.loader import EnvironmentFile

pytestmark = pytest.mark.slow(seconds=15)  # two real Terraform plans; the start order: tests/conftest.py

AWS_WORDS = "no AWS credentials: set AWS_PROFILE or run aws sso login"
GOOGLE_WORDS = "no Google credentials: run gcloud auth application-default login"
AZURE_WORDS = "no Azure credentials: run az login or set ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home folder, on a machine that is no cloud instance (the DMI files point into it)."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setattr(credentials, "DMI", tmp_path / "dmi")
    monkeypatch.setattr(credentials, "XEN_UUID", tmp_path / "xen-uuid")
    return folder


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- credentials, offline


@pytest.mark.parametrize(
    ("cloud", "words"), [(Cloud.AWS, AWS_WORDS), (Cloud.GOOGLE, GOOGLE_WORDS), (Cloud.AZURE, AZURE_WORDS)]
)
def test_no_credential_source_gives_the_cloud_s_words(home: Path, cloud: Cloud, words: str) -> None:
    assert credentials.missing(cloud, {"HOME": str(home), "PATH": "/usr/bin"}) == words


@pytest.mark.parametrize(
    "variables",
    [
        {"AWS_PROFILE": "work"},
        {"AWS_ACCESS_KEY_ID": "AKIA..."},
        {"AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/secrets/token"},
        {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials"},
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"},  # an emulator: the endpoint decides
    ],
    ids=["profile", "keys", "web-identity", "pod-identity", "endpoint"],
)
def test_an_aws_variable_is_a_credential_source(home: Path, variables: dict[str, str]) -> None:
    assert credentials.missing(Cloud.AWS, {"HOME": str(home), **variables}) is None


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (".aws/credentials", "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"),
        (".aws/config", "[default]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://x/start\n"),
        (".aws/config", "[profile default]\ncredential_process = vault-aws\n"),
        (".aws/sso/cache/0123.json", "{}"),
    ],
    ids=["credentials-file", "sso-profile", "credential-process", "sso-cache"],
)
def test_an_aws_file_is_a_credential_source(home: Path, path: str, text: str) -> None:
    _write(home / path, text)
    assert credentials.missing(Cloud.AWS, {"HOME": str(home)}) is None


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (".aws/credentials", "[ci]\naws_access_key_id = AKIA\n"),  # another profile: unused without AWS_PROFILE
        (".aws/config", "[default]\nregion = us-east-1\n"),  # settings, no credentials
    ],
    ids=["other-profile", "region-only"],
)
def test_an_aws_file_without_default_credentials_is_no_source(home: Path, path: str, text: str) -> None:
    _write(home / path, text)
    assert credentials.missing(Cloud.AWS, {"HOME": str(home)}) == AWS_WORDS


def test_an_ec2_instance_counts_unless_its_metadata_is_switched_off(home: Path, tmp_path: Path) -> None:
    _write(tmp_path / "dmi" / "sys_vendor", "Amazon EC2\n")
    assert credentials.missing(Cloud.AWS, {"HOME": str(home)}) is None
    assert credentials.missing(Cloud.AWS, {"HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true"}) == AWS_WORDS


@pytest.mark.parametrize(
    "variables",
    [{"GOOGLE_APPLICATION_CREDENTIALS": "/keys/sa.json"}, {"GOOGLE_OAUTH_ACCESS_TOKEN": "ya29.x"}],
    ids=["key-file", "access-token"],
)
def test_a_google_variable_is_a_credential_source(home: Path, variables: dict[str, str]) -> None:
    assert credentials.missing(Cloud.GOOGLE, {"HOME": str(home), **variables}) is None


def test_the_application_default_credentials_file_is_a_google_source(home: Path, tmp_path: Path) -> None:
    _write(home / ".config/gcloud/application_default_credentials.json", "{}")
    assert credentials.missing(Cloud.GOOGLE, {"HOME": str(home)}) is None
    moved = {"HOME": str(home), "CLOUDSDK_CONFIG": str(tmp_path / "elsewhere")}  # gcloud's folder moved: not there
    assert credentials.missing(Cloud.GOOGLE, moved) == GOOGLE_WORDS


def test_a_gce_instance_counts_unless_its_check_is_switched_off(home: Path, tmp_path: Path) -> None:
    _write(tmp_path / "dmi" / "product_name", "Google Compute Engine\n")
    assert credentials.missing(Cloud.GOOGLE, {"HOME": str(home)}) is None
    assert credentials.missing(Cloud.GOOGLE, {"HOME": str(home), "NO_GCE_CHECK": "True"}) == GOOGLE_WORDS


@pytest.mark.parametrize(
    "variables",
    [{"ARM_CLIENT_ID": "00000000-0000-0000-0000-000000000000"}, {"ARM_USE_MSI": "true"}, {"ARM_USE_OIDC": "true"}],
    ids=["client-id", "managed-identity", "oidc"],
)
def test_an_azure_variable_is_a_credential_source(home: Path, variables: dict[str, str]) -> None:
    assert credentials.missing(Cloud.AZURE, {"HOME": str(home), **variables}) is None


def test_an_az_login_counts_and_an_az_logout_does_not(home: Path) -> None:
    profile = home / ".azure" / "azureProfile.json"
    # az writes the file with a byte order mark
    _write(profile, "\ufeff" + json.dumps({"subscriptions": [{"id": "s", "isDefault": True}]}))
    assert credentials.missing(Cloud.AZURE, {"HOME": str(home)}) is None
    _write(profile, "\ufeff" + json.dumps({"subscriptions": []}))
    assert credentials.missing(Cloud.AZURE, {"HOME": str(home)}) == AZURE_WORDS
    assert credentials.missing(Cloud.AZURE, {"HOME": str(home), "ARM_USE_MSI": "false"}) == AZURE_WORDS


# --- credentials, after the fact: the SDKs' errors


@pytest.mark.parametrize(
    ("output", "words"),
    [
        # Terraform 1.11 with hashicorp/aws 5.100.0 and no credentials, as measured
        ("Error: No valid credential sources found\n\n  with provider[...]", AWS_WORDS),
        (
            "Error: failed to refresh cached credentials, no EC2 IMDS role found,\noperation error ec2imds: "
            "GetMetadata, http response error StatusCode: 403,\nrequest to EC2 IMDS failed",
            AWS_WORDS,
        ),
        ("Error: failed to get shared config profile, ghost", AWS_WORDS),
        ("api error ExpiredToken: The security token included in the request is expired", AWS_WORDS),
        ("google: could not find default credentials. See https://cloud.google.com/docs/authentication", GOOGLE_WORDS),
        ('oauth2: "invalid_grant" "reauth related error (invalid_rapt)"', GOOGLE_WORDS),
        ("running Azure CLI: exit status 1: ERROR: Please run 'az login' to setup account.", AZURE_WORDS),
        ("AADSTS700082: The refresh token has expired due to inactivity.", AZURE_WORDS),
    ],
    ids=[
        "aws-none",
        "aws-imds",
        "aws-profile",
        "aws-expired",
        "google-adc",
        "google-reauth",
        "azure-cli",
        "azure-expired",
    ],
)
def test_an_sdk_credential_error_is_explained_in_the_same_words(output: str, words: str) -> None:
    assert credentials.explained(output) == words


def test_other_errors_are_left_as_they_are() -> None:
    assert credentials.explained("Error: Error acquiring the state lock") is None


def _no_credentials(monkeypatch: pytest.MonkeyPatch, home: Path, terraform_: Terraform) -> None:
    """The process environment of a user without credentials; Terraform takes the AWS provider from the mirror."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "TF_")):
            monkeypatch.delenv(name)
    for name, value in terraform_.environment(without_backend=False).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # whatever machine this runs on, no instance role


def _caller_identity_stack(folder: Path) -> Path:
    """A stack whose plan needs AWS credentials (it reads the caller's identity)."""
    config = {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}}},
        "provider": {"aws": [{"region": "us-east-1"}]},
        "data": {"aws_caller_identity": {"me": {}}},
    }
    _write(folder / terraform.CONFIG_FILE, json.dumps(config))
    return folder


SSO_PROFILE = (
    "[default]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = admin\n"
    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
)


# None: what the preflight refuses. An SSO profile whose login was never made or has expired (its token cache is
# gone): the preflight lets it through, and the SDK fails in Terraform (its detail: "failed to refresh cached
# credentials, failed to read cached SSO token file").
@pytest.mark.parametrize("files", [{}, {".aws/config": SSO_PROFILE}], ids=["none", "sso-login-gone"])
def test_real_terraform_without_usable_credentials_fails_in_the_preflight_s_words(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]
) -> None:
    for path, text in files.items():
        _write(home / path, text)
    offline = Terraform.offline(tmp_path / "terraform")
    _no_credentials(monkeypatch, home, offline)
    assert credentials.missing(Cloud.AWS) == (None if files else AWS_WORDS)
    stack_dir = _caller_identity_stack(tmp_path / "stack")
    terraform.run(stack_dir, "init", "-input=false")
    with pytest.raises(terraform.TerraformFailed) as failed:
        terraform.run(stack_dir, "plan", "-input=false")
    assert str(failed.value) == (
        f"terraform plan in {stack_dir} failed: {AWS_WORDS} (Terraform: No valid credential sources found)"
    )


# --- never deployed


def _env(**fields: Any) -> Any:
    return environment(**{"name": "pf", "cloud": "aws", **fields})


def _state(path: Path, resources: list[dict[str, Any]]) -> None:
    _write(path, json.dumps({"version": 4, "serial": 3, "lineage": "l", "resources": resources, "outputs": {}}))


# Resources as Terraform 1.11 writes them in a state (it drops an entry without its provider when it reads one).
AWS_PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]'
VPC = {
    "mode": "managed",
    "type": "aws_vpc",
    "name": "vpc",
    "provider": AWS_PROVIDER,
    "instances": [{"schema_version": 1, "attributes": {"id": "vpc-1"}}],
}
ZONES = {
    "mode": "data",
    "type": "aws_availability_zones",
    "name": "z",
    "provider": AWS_PROVIDER,
    "instances": [{"schema_version": 0, "attributes": {"id": "us-east-1"}}],
}


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    """<project>/cdktf.out/stacks in a scratch project: the local states go to <project>/state."""
    return tmp_path / "project" / "cdktf.out" / "stacks"


def test_the_local_state_sits_beside_cdktf_out(stacks: Path, tmp_path: Path) -> None:
    env = _env(backend={"type": "local", "path": "states/team"})
    assert preflight.local_state_file(stacks, "pf-cluster", env.backend) == Path(
        os.path.normpath(tmp_path / "project" / "states" / "team" / "pf-cluster.tfstate")
    )


@pytest.mark.parametrize(
    "contents",
    [None, "", json.dumps({"version": 4, "resources": []}), json.dumps({"version": 4, "resources": [ZONES]})],
    ids=["absent", "empty-file", "no-resources", "only-data-sources"],
)
@pytest.mark.parametrize("target", ["output", "destroy"])
def test_output_and_destroy_of_a_never_deployed_environment_say_so(
    stacks: Path, home: Path, target: str, contents: str | None
) -> None:
    state = stacks.parent.parent / "state"
    if contents is not None:
        _write(state / "pf-cluster.tfstate", contents)
    outcome, line = preflight.preflight(target, _env(), stacks)
    assert outcome is preflight.Outcome.NOTHING_DEPLOYED
    assert line is not None
    assert line.startswith("nothing deployed for pf yet (no resources in ")
    assert str(state / "pf-cluster.tfstate") in line


@pytest.mark.parametrize("stack", ["pf-cluster", "pf-apps"])
def test_a_state_with_a_resource_is_deployed(
    stacks: Path, home: Path, stack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "work")
    _state(stacks.parent.parent / "state" / f"{stack}.tfstate", [ZONES, VPC])
    assert preflight.preflight("output", _env(), stacks) == (preflight.Outcome.GO, None)


def test_a_state_terraform_cannot_read_either_is_left_to_terraform(
    stacks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "work")
    _write(stacks.parent.parent / "state" / "pf-cluster.tfstate", "{not json")
    assert preflight.preflight("destroy", _env(), stacks) == (preflight.Outcome.GO, None)


@pytest.mark.parametrize("target", ["deploy", "review", "diff"])
def test_targets_that_create_do_not_ask_whether_anything_was_deployed(
    stacks: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "work")
    assert preflight.preflight(target, _env(), stacks) == (preflight.Outcome.GO, None)


def test_output_of_a_local_state_needs_no_cloud_credentials_and_destroy_does(
    stacks: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    _state(stacks.parent.parent / "state" / "pf-cluster.tfstate", [VPC])
    assert preflight.preflight("output", _env(), stacks) == (preflight.Outcome.GO, None)
    assert preflight.preflight("destroy", _env(), stacks) == (preflight.Outcome.STOPPED, AWS_WORDS)


def test_a_remote_backend_s_cloud_needs_credentials_too(
    home: Path, stacks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(("AWS_", "GOOGLE_", "ARM_", "CLOUDSDK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.x")  # the environment's cloud is covered
    env = _env(cloud="google", project="team-gpu", backend={"type": "s3", "bucket": "b", "region": "us-east-1"})
    assert preflight.preflight("diff", env, stacks) == (preflight.Outcome.STOPPED, AWS_WORDS)
    assert preflight.preflight("output", env, stacks) == (preflight.Outcome.STOPPED, AWS_WORDS)
    monkeypatch.delenv("GOOGLE_OAUTH_ACCESS_TOKEN")
    monkeypatch.setenv("AWS_PROFILE", "state")
    assert preflight.preflight("output", env, stacks) == (preflight.Outcome.GO, None)  # reads the state only
    assert preflight.preflight("diff", env, stacks) == (preflight.Outcome.STOPPED, GOOGLE_WORDS)


S3 = {"type": "s3", "bucket": "b", "region": "us-east-1"}


def test_a_remote_state_is_not_read_through_a_folder_never_initialised(
    stacks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "work")
    monkeypatch.setattr(terraform, "run", lambda *arguments: pytest.fail(f"ran terraform {arguments}"))
    assert preflight.preflight("destroy", _env(backend=S3), stacks) == (preflight.Outcome.GO, None)


def _pulled(*resources: dict[str, Any]) -> str:
    return json.dumps({"version": 4, "serial": 1, "resources": list(resources), "outputs": {}})


@pytest.mark.parametrize(
    ("pulled", "outcome"),
    [
        ({"pf-cluster": "", "pf-apps": ""}, preflight.Outcome.NOTHING_DEPLOYED),  # no state written yet
        ({"pf-cluster": _pulled(ZONES), "pf-apps": _pulled()}, preflight.Outcome.NOTHING_DEPLOYED),
        ({"pf-cluster": _pulled(ZONES, VPC), "pf-apps": ""}, preflight.Outcome.GO),
        ({"pf-cluster": terraform.TerraformFailed("no access"), "pf-apps": ""}, preflight.Outcome.GO),
    ],
    ids=["never-written", "only-data-sources", "a-resource", "unreadable"],
)
def test_a_remote_state_is_pulled_through_an_initialised_folder(
    stacks: Path, monkeypatch: pytest.MonkeyPatch, pulled: dict[str, Any], outcome: preflight.Outcome
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "work")
    for stack in pulled:
        _write(stacks / stack / preflight.INITIALISED, "{}")

    def state_pull(stack_dir: Path, command: str, *arguments: str) -> str:
        assert (command, arguments) == ("state pull", ())
        answer = pulled[stack_dir.name]
        if isinstance(answer, Exception):
            raise answer
        return str(answer)

    monkeypatch.setattr(terraform, "run", state_pull)
    result, line = preflight.preflight("output", _env(backend=S3), stacks)
    assert result is outcome
    if outcome is preflight.Outcome.NOTHING_DEPLOYED:
        assert line == "nothing deployed for pf yet (no resources in the s3 state of pf-cluster or pf-apps): no outputs"


def test_a_never_written_state_pulls_as_nothing_from_real_terraform(tmp_path: Path) -> None:
    # What deployed_remotely relies on: `state pull` of a folder initialised for a backend whose state was never
    # written prints nothing. A backend block (here a local one) is what makes init record the backend.
    config = {"terraform": {"backend": {"local": {"path": "../pf-cluster.tfstate"}}}}
    stack_dir = _write(tmp_path / "pf-cluster" / terraform.CONFIG_FILE, json.dumps(config)).parent
    terraform.run(stack_dir, "init", "-input=false")
    assert preflight.deployed_remotely([stack_dir]) is False
    _state(tmp_path / "pf-cluster.tfstate", [VPC])
    assert preflight.deployed_remotely([stack_dir]) is True


# --- the command line


def _preflight(tmp_path: Path, *arguments: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env_file = _write(tmp_path / "env.yaml", "name: pf\ncloud: aws\n")
    return subprocess.run(
        [sys.executable, "-m", "operations.preflight", *arguments],
        cwd=PROJECT_ROOT,
        env={
            "PATH": os.environ["PATH"],
            "HOME": environ.pop("HOME"),
            "ENVIRONMENTS": str(env_file),
            "STACKS_DIR": str(tmp_path / "out" / "stacks"),
            **environ,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


RUNS = [sys.executable, "-c", "print('the command ran')"]


def test_the_command_after_the_dashes_runs_once_the_checks_pass(tmp_path: Path, home: Path) -> None:
    _state(tmp_path / "state" / "pf-cluster.tfstate", [VPC])
    ran = _preflight(tmp_path, "destroy", "pf", "--", *RUNS, environ={"HOME": str(home), "AWS_PROFILE": "work"})
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "the command ran\n", "")


def test_nothing_deployed_exits_0_without_running_the_command(tmp_path: Path, home: Path) -> None:
    ran = _preflight(tmp_path, "output", "pf", "--", *RUNS, environ={"HOME": str(home)})
    assert ran.returncode == 0
    assert ran.stdout.startswith("nothing deployed for pf yet")
    assert "the command ran" not in ran.stdout


def test_missing_credentials_exit_1_without_running_the_command(tmp_path: Path, home: Path) -> None:
    _state(tmp_path / "state" / "pf-cluster.tfstate", [VPC])
    ran = _preflight(tmp_path, "destroy", "pf", "--", *RUNS, environ={"HOME": str(home)})
    assert ran.returncode == 1
    assert ran.stderr == f"error: {AWS_WORDS}; make destroy stopped before starting Terraform\n"
    assert ran.stdout == ""


@pytest.mark.parametrize(
    ("arguments", "error"),
    [(("apply", "pf"), "usage:"), (("diff",), "usage:"), (("diff", "nope"), "no environment named 'nope'")],
    ids=["unknown-target", "no-name", "unknown-environment"],
)
def test_bad_input_exits_2(tmp_path: Path, home: Path, arguments: tuple[str, ...], error: str) -> None:
    ran = _preflight(tmp_path, *arguments, environ={"HOME": str(home), "AWS_PROFILE": "work"})
    assert ran.returncode == 2
    assert error in ran.stderr


# --- the deploy check refuses a documentation range


def _checked(monkeypatch: pytest.MonkeyPatch, cidrs: list[str]) -> str | None:
    monkeypatch.setattr(deploy_check, "deployed_outputs", lambda stack_dir: {})  # a new environment
    env = _env(endpointAccess={"publicAccessCidrs": cidrs})
    return deploy_check.check(EnvironmentFile(path=Path("pf.yaml"), environment=env, warnings=()))


@pytest.mark.parametrize("cidr", ["203.0.113.0/24", "198.51.100.7/32", "192.0.2.10/32"])
def test_the_deploy_check_refuses_a_documentation_range(monkeypatch: pytest.MonkeyPatch, cidr: str) -> None:
    problem = _checked(monkeypatch, ["192.168.0.0/16", cidr])
    assert problem is not None
    assert problem.startswith(f"pf.yaml: endpointAccess.publicAccessCidrs: {cidr} is a documentation range")
    assert "put your egress address here" in problem


def test_the_deploy_check_lets_a_real_address_through(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _checked(monkeypatch, ["192.168.0.0/16", "100.24.7.1/32"]) is None


# --- make diff's summary


def _entry(address: str, actions: list[str], **change: Any) -> dict[str, Any]:
    kind = address.split(".", maxsplit=1)[0]
    return {"address": address, "type": kind, "change": {"actions": actions, **change}}


def test_the_summary_counts_as_terraform_does_and_names_what_changes() -> None:
    plan = {
        "resource_changes": [
            _entry("aws_vpc.vpc", ["create"], after={"cidr_block": "10.0.0.0/16"}),
            _entry("aws_eks_node_group.gpu", ["update"], before={"a": 1, "b": 2}, after={"a": 1, "b": 3}),
            _entry("aws_launch_template.t", ["delete", "create"], replace_paths=[["image_id"]]),
            _entry("aws_eip.nat", ["delete"]),
            _entry("aws_iam_role.r", ["no-op"]),
            _entry("data.aws_eks_cluster.c", ["read"]),
        ]
    }
    assert diff.summary("pf-cluster", plan) == [
        "pf-cluster: 2 to add, 1 to change, 2 to destroy",
        "  + aws_vpc.vpc",
        "  ~ aws_eks_node_group.gpu (b)",
        "  -/+ aws_launch_template.t (image_id)",
        "  - aws_eip.nat",
    ]


def test_a_plan_without_changes_says_so() -> None:
    assert diff.summary("pf-cluster", {"resource_changes": [_entry("aws_vpc.vpc", ["no-op"])]}) == [
        "pf-cluster: no changes"
    ]


def test_the_apps_stack_waits_for_a_cluster_being_created(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    planned: list[str] = []

    def plan(stack_dir: Path, plan_file: str) -> dict[str, Any]:
        planned.append(stack_dir.name)
        return {"resource_changes": [_entry("aws_eks_cluster.c", ["create"], after={"name": "pf"})]}

    monkeypatch.setattr(diff, "plan_json", plan)
    assert diff.diff("pf-cluster", "pf-apps") == 0
    assert planned == ["pf-cluster"]
    assert "pf-apps: planned once the cluster exists" in capsys.readouterr().out


def test_the_apps_stack_is_planned_once_the_cluster_exists(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    planned: list[str] = []

    def plan(stack_dir: Path, plan_file: str) -> dict[str, Any]:
        planned.append(stack_dir.name)
        return {"resource_changes": [_entry("aws_eks_cluster.c", ["no-op"])]}

    monkeypatch.setattr(diff, "plan_json", plan)
    assert diff.diff("pf-cluster", "pf-apps") == 0
    assert planned == ["pf-cluster", "pf-apps"]
    assert capsys.readouterr().out == "pf-cluster: no changes\npf-apps: no changes\n"
