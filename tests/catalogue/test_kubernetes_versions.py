"""The Kubernetes support calendar: defaults in standard support today, warnings near and past its end."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from catalogue.kubernetes_versions import DEFAULT_VERSIONS, STANDARD_SUPPORT, WARNING_WINDOW, support_warning
from catalogue.node_sizes import Cloud
from spec.environment import Environment
from tests.conftest import EXAMPLES, SHIPPED_ENVIRONMENTS, synth
from validation.loader import load_environment_file

CLOUDS = list(Cloud)


@pytest.mark.parametrize("cloud", CLOUDS, ids=str)
def test_every_default_is_in_standard_support_beyond_the_warning_window_today(cloud: Cloud) -> None:
    # The real date on purpose: this fails once a default's standard support nears its end, so the calendar
    # and the defaults must be brought up to date (the failure names the cloud and the date).
    support = STANDARD_SUPPORT[cloud][DEFAULT_VERSIONS[cloud]]
    assert date.today() + WARNING_WINDOW < support.ends, (
        f"{cloud.value} default {DEFAULT_VERSIONS[cloud]}: standard support ends {support.ends}; "
        "update catalogue/kubernetes_versions.py from the cloud's calendar"
    )


@pytest.mark.parametrize("cloud", CLOUDS, ids=str)
def test_every_calendar_entry_names_its_source(cloud: Cloud) -> None:
    assert all(entry.source.startswith("https://") for entry in STANDARD_SUPPORT[cloud].values())


@pytest.mark.parametrize("cloud", CLOUDS, ids=str)
def test_an_environment_without_version_gets_its_clouds_default(cloud: Cloud) -> None:
    environment = Environment.model_validate({"name": "x", "cloud": cloud.value})
    assert environment.version == DEFAULT_VERSIONS[cloud]


def test_an_explicit_version_is_kept() -> None:
    assert Environment.model_validate({"name": "x", "cloud": "aws", "version": "1.35"}).version == "1.35"


TODAY = date(2026, 11, 27)  # fixed here so the window arithmetic below does not move


def test_a_version_well_inside_standard_support_gets_no_warning() -> None:
    assert support_warning(Cloud.AWS, "1.36", today=TODAY) is None  # ends 2027-08-02


def test_a_version_within_the_window_warns_with_its_end_date() -> None:
    warning = support_warning(Cloud.AWS, "1.34", today=TODAY)  # EKS 1.34 ends 2026-12-02
    assert warning is not None
    assert "ends on 2026-12-02 (in 5 days)" in warning
    assert "1.36" in warning


def test_the_window_is_sixty_days_inclusive() -> None:
    ends = STANDARD_SUPPORT[Cloud.AZURE]["1.35"].ends
    assert support_warning(Cloud.AZURE, "1.35", today=ends - timedelta(days=61)) is None
    assert support_warning(Cloud.AZURE, "1.35", today=ends - timedelta(days=60)) is not None


def test_a_version_past_standard_support_warns_that_it_ended() -> None:
    warning = support_warning(Cloud.AZURE, "1.33", today=TODAY)  # AKS 1.33 ended 2026-07-31
    assert warning is not None
    assert "ended on 2026-07-31" in warning


def test_the_last_day_of_support_still_counts_as_supported_but_warns() -> None:
    ends = STANDARD_SUPPORT[Cloud.GOOGLE]["1.36"].ends
    warning = support_warning(Cloud.GOOGLE, "1.36", today=ends)
    assert warning is not None
    assert "ends on" in warning
    assert "the next minor version" in warning


def test_an_unknown_version_warns_and_lists_the_known_ones() -> None:
    warning = support_warning(Cloud.GOOGLE, "1.29", today=TODAY)
    assert warning is not None
    assert "1.29 is not in the google support calendar" in warning
    assert "1.36" in warning


def test_the_cluster_stack_carries_the_version_warning() -> None:
    stacks = synth(cloud="aws", version="1.33")
    warnings = [str(e.data) for e in stacks.cluster_stack.node.metadata if e.type == "@cdktf/warn"]
    assert any(w.startswith("version: standard support for 1.33 on aws ended") for w in warnings)


def test_the_default_version_gives_the_cluster_stack_no_version_warning() -> None:
    stacks = synth(cloud="aws")
    warnings = [str(e.data) for e in stacks.cluster_stack.node.metadata if e.type == "@cdktf/warn"]
    assert not any(w.startswith("version:") for w in warnings)


@pytest.mark.parametrize("path", [*SHIPPED_ENVIRONMENTS, *EXAMPLES], ids=lambda path: path.name)
def test_every_shipped_file_runs_a_version_in_standard_support_today(path: Path) -> None:
    environment = load_environment_file(path).environment
    assert support_warning(environment.cloud, environment.version, today=date.today()) is None
