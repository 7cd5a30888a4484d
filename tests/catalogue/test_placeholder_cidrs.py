"""A documentation address range (RFC 5737) in publicAccessCidrs is a placeholder: synth warns, naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from catalogue.addresses import documentation_cidrs
from tests.conftest import environment
from validation.warnings import cluster_warnings, placeholder_cidr_warning


@pytest.mark.parametrize("cidr", ["192.0.2.0/24", "198.51.100.7/32", "203.0.113.0/24", "203.0.113.10/32"])
def test_every_documentation_range_and_any_address_inside_it_is_a_placeholder(cidr: str) -> None:
    assert documentation_cidrs([cidr]) == [cidr]


@pytest.mark.parametrize("cidr", ["198.51.99.0/24", "203.0.114.1/32", "10.0.0.0/8", "0.0.0.0/0"])
def test_a_real_range_is_not_a_placeholder(cidr: str) -> None:
    assert documentation_cidrs([cidr]) == []


def test_synth_warns_about_a_placeholder_address_naming_the_field_and_the_fix() -> None:
    env = environment(endpointAccess={"publicAccessCidrs": ["198.51.100.4/32", "192.168.0.0/16"]})
    warning = placeholder_cidr_warning(env)
    assert warning is not None
    assert warning.startswith("endpointAccess.publicAccessCidrs: 198.51.100.4/32 is a documentation range")
    assert "192.168.0.0/16" not in warning
    assert "put your egress address here" in warning
    assert warning in cluster_warnings(env, today=date(2026, 12, 6))


def test_a_real_address_gets_no_placeholder_warning() -> None:
    assert placeholder_cidr_warning(environment(endpointAccess={"publicAccessCidrs": ["192.168.0.0/16"]})) is None
