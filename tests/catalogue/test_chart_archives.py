"""`make charts` (tools/fetch_charts.py): one archive per pin, from its repository or the shared archives, each
checked against the pin's digest; and the digest stays tied to the version a renovate bump changes."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import tarfile
from pathlib import Path

import pytest
import yaml

from catalogue import charts
from catalogue.charts import ChartPin
from tests.conftest import PROJECT_ROOT
from tests.support import rendering
from tools import fetch_charts
from tools.fetch_charts import FetchError, chart_pins, fetch, update_digests

PIN = charts.TRAEFIK


def archive_bytes(name: str, version: str) -> bytes:
    """A minimal chart archive: only Chart.yaml, as `helm package` lays it out."""
    body = yaml.safe_dump({"apiVersion": "v2", "name": name, "version": version}).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(f"{name}/Chart.yaml")
        info.size = len(body)
        archive.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def pin_for(data: bytes) -> ChartPin:
    return dataclasses.replace(PIN, digest=hashlib.sha256(data).hexdigest())


def no_helm(tmp_path: Path) -> Path:
    return tmp_path / "no-helm"  # fetch() only pulls with a helm that exists


def test_every_chart_pin_is_fetched_so_a_new_pin_needs_no_second_list() -> None:
    pins = chart_pins()
    assert charts.VLLM_STACK in pins
    assert len(pins) == len({pin.archive_name for pin in pins})
    assert all(len(pin.digest) == 64 and int(pin.digest, 16) >= 0 for pin in pins)


def test_an_unreachable_repository_falls_back_to_the_shared_archive(tmp_path: Path) -> None:
    data = archive_bytes(PIN.chart, PIN.version)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / PIN.archive_name).write_bytes(data)
    (tmp_path / "cache").mkdir()
    origin = fetch(
        pin_for(data), cache=tmp_path / "cache", shared=tmp_path / "shared", helm=no_helm(tmp_path), timeout_seconds=1
    )
    assert origin.endswith(PIN.archive_name)
    assert (tmp_path / "cache" / PIN.archive_name).read_bytes() == data


def test_a_shared_archive_that_differs_from_the_digest_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / PIN.archive_name).write_bytes(archive_bytes(PIN.chart, "9.9.9"))
    (tmp_path / "cache").mkdir()
    with pytest.raises(FetchError, match=r"catalogue/charts\.py pins"):
        fetch(PIN, cache=tmp_path / "cache", shared=tmp_path / "shared", helm=no_helm(tmp_path), timeout_seconds=1)
    assert not (tmp_path / "cache" / PIN.archive_name).exists()


def test_a_pulled_archive_that_differs_from_the_digest_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pulled(_helm: Path, pin: ChartPin, destination: Path, _timeout: float) -> Path:
        (destination / pin.archive_name).write_bytes(archive_bytes(pin.chart, "0.0.1"))
        return destination / pin.archive_name

    monkeypatch.setattr(fetch_charts, "pull", pulled)
    (tmp_path / "helm").write_text("")
    (tmp_path / "cache").mkdir()
    with pytest.raises(FetchError, match=PIN.repository):
        fetch(PIN, cache=tmp_path / "cache", shared=tmp_path / "none", helm=tmp_path / "helm", timeout_seconds=1)


def test_a_pin_in_neither_place_names_both(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    with pytest.raises(FetchError, match=r"did not answer and .* does not exist"):
        fetch(PIN, cache=tmp_path / "cache", shared=tmp_path / "none", helm=no_helm(tmp_path), timeout_seconds=1)


def recording_helm(tmp_path: Path) -> Path:
    """A stand-in for helm that writes its arguments to `arguments` and pulls nothing."""
    helm = tmp_path / "helm"
    helm.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path / "arguments"}\n')
    helm.chmod(0o755)
    return helm


@pytest.mark.parametrize("pin", [charts.TRAEFIK, charts.AGENTGATEWAY], ids=["repository", "oci"])
def test_pull_names_the_chart_the_way_its_repository_serves_it(tmp_path: Path, pin: ChartPin) -> None:
    fetch_charts.pull(recording_helm(tmp_path), pin, tmp_path, timeout_seconds=10)
    arguments = (tmp_path / "arguments").read_text().splitlines()
    if pin.repository.startswith("oci://"):  # a registry has no index for --repo to search: the chart is a reference
        assert arguments[:4] == ["pull", f"{pin.repository}/{pin.chart}", "--version", pin.version]
    else:
        assert arguments[:6] == ["pull", pin.chart, "--repo", pin.repository, "--version", pin.version]
    assert arguments[-2:] == ["--destination", str(tmp_path)]


def test_every_oci_pin_is_pulled_by_its_reference() -> None:
    oci = [pin for pin in chart_pins() if pin.repository.startswith("oci://")]
    assert {pin.chart for pin in oci} >= {"agentgateway", "agentgateway-crds", "llm-d-router-gateway"}
    for pin in oci:
        assert "--repo" not in fetch_charts.pull_command(Path("helm"), pin)


def test_update_digests_rewrites_the_digest_of_the_bumped_pin_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = archive_bytes(PIN.chart, PIN.version)

    def pulled(_helm: Path, pin: ChartPin, destination: Path, _timeout: float) -> Path:
        (destination / pin.archive_name).write_bytes(new)
        return destination / pin.archive_name

    copy = tmp_path / "charts.py"
    copy.write_text((PROJECT_ROOT / "catalogue" / "charts.py").read_text())
    monkeypatch.setattr(fetch_charts, "CHARTS_MODULE", copy)
    monkeypatch.setattr(fetch_charts, "chart_pins", lambda: [PIN])
    monkeypatch.setattr(fetch_charts, "pull", pulled)
    assert update_digests(helm=tmp_path / "helm", timeout_seconds=1) == [
        f"{PIN.archive_name}: {PIN.digest} -> {hashlib.sha256(new).hexdigest()}"
    ]
    text = copy.read_text()
    assert hashlib.sha256(new).hexdigest() in text
    assert PIN.digest not in text
    assert charts.VLLM_STACK.digest in text


def test_each_cached_archive_is_the_chart_and_version_its_pin_names() -> None:
    """A version bump without a new digest cannot pass: the digest would name the old version's archive."""
    for pin in chart_pins():
        archive = rendering.pinned_archive(pin.chart, pin.version)
        with tarfile.open(archive) as opened:
            member = opened.extractfile(f"{pin.chart}/Chart.yaml")
            assert member is not None, pin
            chart = yaml.safe_load(member.read())
        assert (chart["name"], str(chart["version"])) == (pin.chart, pin.version)
