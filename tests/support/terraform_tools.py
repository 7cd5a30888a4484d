"""Helpers for the tests that run real tools: synthesis through main.py, and the Terraform CLI on the output.

Missing tools are a failure, not a skip: a suite that silently stops running Terraform proves nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from catalogue.node_sizes import Cloud
from validation.loader import load_environment_file

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = PROJECT_ROOT / "node_modules" / ".bin"
DEFAULT_PROVIDER_MIRROR = Path("/opt/tf-plugins")
AWS_PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
CDKTF_CLI = NODE_BIN / "cdktf"
VENV_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
SYNTH_TIMEOUT_SECONDS = 600
TERRAFORM_TIMEOUT_SECONDS = 900
# Terraform, the AWS provider and Helm are Go programs the suite starts ~1000 times on 2 cores; Go's collector took
# a third of their CPU (apply, plan and destroy of dev on the emulator: 24.6 -> 16.6 CPU-s, peak 0.9 GB; a render
# of vllm-stack: 145 -> 110 ms), so the tests let them collect only near a memory limit none of them reaches.
GO_RUNTIME = {"GOGC": "off", "GOMEMLIMIT": "2GiB"}
DEBUG_PROVIDER_START_SECONDS = 120.0  # it starts in 1-2 s; a generous bound on a loaded machine
_REATTACH_LINE = re.compile(r"TF_REATTACH_PROVIDERS='(?P<value>[^']+)'")


def shipped_environment_files(example_pattern: str = "*.yaml") -> list[Path]:
    return sorted({*(PROJECT_ROOT / "examples").glob(example_pattern), *(PROJECT_ROOT / "environments").glob("*.yaml")})


def aws_environment_files(example_pattern: str = "*.yaml") -> list[Path]:
    """The shipped environment files (examples and environments) whose cloud is AWS."""
    return [
        path
        for path in shipped_environment_files(example_pattern)
        if load_environment_file(path).environment.cloud is Cloud.AWS
    ]


@dataclass(frozen=True)
class Synthesis:
    """Where main.py wrote the stacks: `<outdir>/stacks/<stack name>/cdk.tf.json`."""

    outdir: Path

    def stack_dir(self, stack_name: str) -> Path:
        return self.outdir / "stacks" / stack_name

    def stack_names(self) -> list[str]:
        return sorted(path.parent.name for path in (self.outdir / "stacks").glob("*/cdk.tf.json"))


@dataclass(frozen=True)
class TerraformResult:
    command: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return f"$ {' '.join(self.command)} -> exit {self.returncode}\n{self.stdout[-6000:]}\n{self.stderr[-6000:]}"


def _node_path() -> str:
    # node_modules/.bin holds Node 22 (jsii has dropped the machine's Node 20); it must come first.
    return os.pathsep.join([str(NODE_BIN), os.environ.get("PATH", "")])


def run_main(environment_files: Iterable[Path], outdir: Path) -> subprocess.CompletedProcess[str]:
    """Runs main.py the way `cdktf synth` does, in its own process, for the given environment files; fails the test
    on a non-zero exit. Its stderr holds the annotations (info and warning lines) a direct run prints."""
    files = [str(path) for path in environment_files]
    if not files:
        pytest.fail("no environment files to synthesise")
    outdir.parent.mkdir(parents=True, exist_ok=True)  # cdktf's App creates only the last folder
    environment = {
        # a direct run, even when the tests themselves run under cdktf: main.py then prints its annotations
        **{key: value for key, value in os.environ.items() if key != "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"},
        "PATH": _node_path(),
        "ENVIRONMENTS": ",".join(files),
        "CDKTF_OUTDIR": str(outdir),
        "CHECKPOINT_DISABLE": "1",
        "NODE_NO_WARNINGS": "1",
    }
    completed = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py")],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SYNTH_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"main.py failed (exit {completed.returncode}):\n{completed.stderr[-6000:]}")
    return completed


def synthesize(environment_files: Iterable[Path], outdir: Path) -> Synthesis:
    run_main(environment_files, outdir)
    return Synthesis(outdir)


def cdktf_synth(outdir: Path, environments: str, *options: str) -> subprocess.CompletedProcess[str]:
    """`make synth`'s real path: the cdktf CLI runs cdktf.json's app command (.venv/bin/python main.py)."""
    if not CDKTF_CLI.exists() or not VENV_PYTHON.exists():
        pytest.fail("cdktf-cli or the project's .venv is not installed; run the tests through `make test`")
    # As the Makefile does: no NODE_OPTIONS, and no TF_CLI_CONFIG_FILE that names a missing file.
    dangling = not Path(os.environ.get("TF_CLI_CONFIG_FILE") or "/").exists()
    dropped = {"NODE_OPTIONS", *(["TF_CLI_CONFIG_FILE"] if dangling else [])}
    environment = {
        **{key: value for key, value in os.environ.items() if key not in dropped},
        "PATH": os.pathsep.join([str(NODE_BIN), os.environ.get("PATH", "")]),
        "ENVIRONMENTS": environments,
        "NODE_NO_WARNINGS": "1",
        "CHECKPOINT_DISABLE": "1",
        "CI": "1",
    }
    return subprocess.run(
        [str(CDKTF_CLI), "synth", "--output", str(outdir), *options],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SYNTH_TIMEOUT_SECONDS,
        check=False,
    )


def terraform_binary() -> str:
    binary = shutil.which("terraform")
    if binary is None:
        pytest.fail("terraform is not on PATH; these tests need Terraform 1.11 (see the README's prerequisites)")
    return binary


def provider_mirror() -> Path:
    """The filesystem mirror root that holds registry.terraform.io/hashicorp/aws/<version>/<platform>/."""
    mirror = Path(os.environ.get("TF_PROVIDER_MIRROR", str(DEFAULT_PROVIDER_MIRROR)))
    if not any((mirror / AWS_PROVIDER_ADDRESS).glob("*/*/terraform-provider-aws_*")):
        pytest.fail(
            f"no hashicorp/aws provider binary under {mirror / AWS_PROVIDER_ADDRESS}; "
            "set TF_PROVIDER_MIRROR to a filesystem mirror that holds it"
        )
    return mirror


def aws_provider_binary() -> Path:
    """The one hashicorp/aws build the mirror holds (the version and platform `terraform init` installs)."""
    found = sorted((provider_mirror() / AWS_PROVIDER_ADDRESS).glob("*/*/terraform-provider-aws_*"))
    if len(found) != 1:
        pytest.fail(f"expected one hashicorp/aws build in the mirror, found {[str(path) for path in found]}")
    return found[0]


def write_cli_config(path: Path, mirror: Path) -> Path:
    """A CLI config that installs hashicorp/aws from the mirror only and never reaches a registry."""
    path.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        f'    include = ["{AWS_PROVIDER_ADDRESS}"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/*/*"]\n'
        "  }\n"
        "}\n"
    )
    return path


@dataclass(frozen=True)
class Terraform:
    """Runs the Terraform CLI with a clean environment: only what it needs, plus the caller's extras."""

    cli_config: Path
    plugin_cache: Path
    extra_environment: Mapping[str, str] | None = None
    reattach: str | None = None  # TF_REATTACH_PROVIDERS, set by debug_provider()

    @classmethod
    def offline(cls, workdir: Path, extra_environment: Mapping[str, str] | None = None) -> Terraform:
        terraform_binary()
        cache = workdir / "plugin-cache"
        cache.mkdir(parents=True, exist_ok=True)
        config = write_cli_config(workdir / "terraformrc", provider_mirror())
        return cls(cli_config=config, plugin_cache=cache, extra_environment=extra_environment)

    @contextmanager
    def debug_provider(self) -> Iterator[Terraform]:
        """This Terraform, with one AWS provider process serving its commands (TF_REATTACH_PROVIDERS) but `init`
        and `start`.

        Each command otherwise hashes the 700 MB provider against the lock file and starts it two or three times
        (validate: 3.8 -> 1.4 CPU-s). It is the provider's documented debug mode, which Terraform's own provider
        acceptance tests run in. `init` still installs the provider and writes the lock file a user gets; a run
        that is raced or killed (`start`) gets providers of its own, in its process group, as a user's run has.
        """
        log = self.cli_config.parent / "debug-provider.log"  # beside the CLI config, in this Terraform's folder
        environment = self.environment(without_backend=False)
        with log.open("w") as output:
            process = subprocess.Popen(
                [str(aws_provider_binary()), "-debug"], env=environment, stdout=output, stderr=subprocess.STDOUT
            )
        try:
            deadline = time.monotonic() + DEBUG_PROVIDER_START_SECONDS
            while not (match := _REATTACH_LINE.search(log.read_text())):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the AWS provider's debug mode did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.05)
            yield replace(self, reattach=match["value"])
        finally:
            process.terminate()
            process.wait(timeout=30)

    def environment(self, *, without_backend: bool, own_providers: bool = False) -> dict[str, str]:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_PLUGIN_CACHE_DIR": str(self.plugin_cache),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            **GO_RUNTIME,
            **(self.extra_environment or {}),
        }
        if without_backend:
            environment["TF_CLI_ARGS_init"] = "-backend=false"
        if self.reattach and not own_providers:
            environment["TF_REATTACH_PROVIDERS"] = self.reattach
        return environment

    def run(self, stack_dir: Path, *arguments: str, without_backend: bool = False) -> TerraformResult:
        command = (terraform_binary(), *arguments)
        completed = subprocess.run(
            command,
            cwd=stack_dir,
            env=self.environment(without_backend=without_backend, own_providers=arguments[:1] == ("init",)),
            capture_output=True,
            text=True,
            timeout=TERRAFORM_TIMEOUT_SECONDS,
            check=False,
        )
        return TerraformResult(command, completed.returncode, completed.stdout, completed.stderr)

    def start(self, stack_dir: Path, *arguments: str) -> subprocess.Popen[str]:
        """Starts a command without waiting, stdout and stderr as one stream: for runs a test races or interrupts.

        It leads its own process group, like a job in a shell or CI, so a signal can reach it and its provider plugins
        (its own: never the debug provider, which would carry on with its calls after a kill).
        """
        return subprocess.Popen(
            (terraform_binary(), *arguments),
            cwd=stack_dir,
            env=self.environment(without_backend=False, own_providers=True),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def must(self, stack_dir: Path, *arguments: str, without_backend: bool = False) -> TerraformResult:
        """Runs a command that has to succeed; a failure ends the test with Terraform's own output."""
        result = self.run(stack_dir, *arguments, without_backend=without_backend)
        if result.returncode != 0:
            pytest.fail(f"in {stack_dir}:\n{result.describe()}")
        return result
