"""Fills the chart cache with one archive per `ChartPin` of catalogue/charts.py, each checked against its digest.

`make charts` runs it: each archive is pulled from the pin's repository (a Helm repository or an OCI registry)
where that answers within a short timeout, else copied from the shared archives (../shared/charts/, provenance in
its README). An archive whose SHA-256 differs from the pin is an error, never a warning. `--update-digests`
(renovate's post-upgrade task, `make charts-digest`) instead pulls every pin and writes the pulled archive's digest
into catalogue/charts.py.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from catalogue import charts  # noqa: E402 - the project root is on sys.path only from here on
from catalogue.charts import ChartPin  # noqa: E402

CHARTS_MODULE = PROJECT_ROOT / "catalogue" / "charts.py"
OCI_SCHEME = "oci://"


class FetchError(Exception):
    pass


def chart_pins() -> list[ChartPin]:
    """Every pin catalogue/charts.py defines, so a new chart needs no second list."""
    return [value for value in vars(charts).values() if isinstance(value, ChartPin)]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pull_command(helm: Path, pin: ChartPin) -> list[str]:
    """`helm pull` of the pin. An OCI registry serves no index.yaml for `--repo` to search: the chart is named by its
    reference, `oci://<repository>/<chart>`, and the version picks the tag."""
    if pin.repository.startswith(OCI_SCHEME):
        return [str(helm), "pull", f"{pin.repository}/{pin.chart}", "--version", pin.version]
    return [str(helm), "pull", pin.chart, "--repo", pin.repository, "--version", pin.version]


def pull(helm: Path, pin: ChartPin, destination: Path, timeout_seconds: float) -> Path | None:
    """The archive `helm pull` wrote, or None when the repository did not answer (offline machines). Both kinds of
    repository write `<chart>-<version>.tgz` (an OCI pull names it after the tag: Helm pkg/downloader DownloadTo)."""
    command = pull_command(helm, pin)
    try:
        subprocess.run(
            [*command, "--destination", str(destination)],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout_seconds,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
        return None
    pulled = destination / pin.archive_name
    return pulled if pulled.is_file() else None


def checked(path: Path, pin: ChartPin, origin: str) -> Path:
    digest = sha256_of(path)
    if digest != pin.digest:
        raise FetchError(
            f"{pin.archive_name} from {origin}: sha256 {digest}, catalogue/charts.py pins {pin.digest} "
            "(a chart bump must update the digest: make charts-digest)"
        )
    return path


def fetch(pin: ChartPin, *, cache: Path, shared: Path, helm: Path, timeout_seconds: float) -> str:
    """Puts the pinned archive into the cache; returns where it came from."""
    target = cache / pin.archive_name
    if target.is_file() and sha256_of(target) == pin.digest:
        return "cache"
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        pulled = pull(helm, pin, Path(scratch), timeout_seconds) if helm.is_file() else None
        if pulled is not None:
            checked(pulled, pin, pin.repository).replace(target)
            return pin.repository
    copy = shared / pin.archive_name
    if not copy.is_file():
        raise FetchError(f"{pin.archive_name}: {pin.repository} did not answer and {copy} does not exist")
    shutil.copyfile(checked(copy, pin, str(copy)), target)
    return str(copy)


def update_digests(*, helm: Path, timeout_seconds: float) -> list[str]:
    """Rewrites each pin's digest in catalogue/charts.py to the archive its repository serves."""
    source = CHARTS_MODULE.read_text()
    changed = []
    with tempfile.TemporaryDirectory() as scratch:
        for pin in chart_pins():
            pulled = pull(helm, pin, Path(scratch), timeout_seconds)
            if pulled is None:
                raise FetchError(f"{pin.archive_name}: {pin.repository} did not answer; its digest cannot be updated")
            digest = sha256_of(pulled)
            if digest == pin.digest:
                continue
            pattern = re.compile(
                rf'(chart="{re.escape(pin.chart)}",\s*repository="[^"]*",\s*version="{re.escape(pin.version)}",'
                rf'\s*digest=")[0-9a-f]{{64}}(")'
            )
            source, count = pattern.subn(rf"\g<1>{digest}\g<2>", source)
            if count != 1:
                raise FetchError(f"catalogue/charts.py: no single pin block for {pin.chart} {pin.version} to update")
            changed.append(f"{pin.archive_name}: {pin.digest} -> {digest}")
    CHARTS_MODULE.write_text(source)
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--shared", type=Path, required=True)
    parser.add_argument("--helm", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per helm pull")
    parser.add_argument("--update-digests", action="store_true")
    arguments = parser.parse_args()
    try:
        if arguments.update_digests:
            for line in update_digests(helm=arguments.helm, timeout_seconds=arguments.timeout) or ["no digest changed"]:
                print(line)
            return 0
        arguments.cache.mkdir(parents=True, exist_ok=True)
        for pin in chart_pins():
            origin = fetch(
                pin,
                cache=arguments.cache,
                shared=arguments.shared,
                helm=arguments.helm,
                timeout_seconds=arguments.timeout,
            )
            print(f"{pin.archive_name}: {origin}")
    except FetchError as error:
        print(f"make charts: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
