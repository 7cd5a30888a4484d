"""Prices and fees: each with a source and a date, none older than a year, every shipped node priced or listed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from catalogue.machines import MACHINES, Cloud
from catalogue.prices import (
    ATTACHED_GPU_PRICES,
    CLOUD_NAT_PER_VM,
    CLUSTER_FEES,
    PRICES,
    PRICES_AS_OF,
    Fee,
    Price,
    price_per_hour,
)
from spec.pools import node_pools
from tests.conftest import EXAMPLES, PROJECT_ROOT, SHIPPED_ENVIRONMENTS
from validation.loader import load_environment_file

ALL_PRICES = [
    (cloud, region, machine_type, price)
    for cloud, regions in PRICES.items()
    for region, prices in regions.items()
    for machine_type, price in prices.items()
]
ALL_FEES = [(cloud, fee) for cloud, fees in CLUSTER_FEES.items() for fee in fees] + [(Cloud.GOOGLE, CLOUD_NAT_PER_VM)]

# A price or fee older than this fails the suite: the figures are re-read from their sources, or replaced.
MAX_AGE = timedelta(days=365)


@pytest.mark.parametrize(("cloud", "region", "machine_type", "price"), ALL_PRICES, ids=str)
def test_every_price_names_its_source_and_date_and_a_machine_of_the_catalogue(
    cloud: Cloud, region: str, machine_type: str, price: Price
) -> None:
    assert machine_type in MACHINES[cloud], f"{cloud} {machine_type} is priced but not in catalogue/machines.py"
    assert price.source
    assert price.as_of <= date.today()
    assert price.usd_per_hour > 0


@pytest.mark.parametrize(("cloud", "fee"), ALL_FEES, ids=str)
def test_every_fee_names_what_it_is_its_source_and_date(cloud: Cloud, fee: Fee) -> None:
    assert fee.what
    assert fee.source
    assert fee.as_of <= date.today()
    assert fee.usd_per_hour >= 0


def test_no_price_or_fee_is_more_than_a_year_old_today() -> None:
    # The real date on purpose: this fails once the oldest figure is a year old, so prices must be re-read
    # (the failure names the oldest figures).
    oldest = [f"{what}: {source} ({as_of})" for what, source, as_of in _dated() if as_of == PRICES_AS_OF]
    assert date.today() - PRICES_AS_OF <= MAX_AGE, (
        f"prices and fees are as of {PRICES_AS_OF}, more than a year ago; re-read catalogue/prices.py: {oldest[:3]}"
    )


def test_prices_as_of_is_the_oldest_date_of_any_price_or_fee() -> None:
    assert min(as_of for _, _, as_of in _dated()) == PRICES_AS_OF


def _dated() -> list[tuple[str, str, date]]:
    prices = [(f"{c} {r} {m}", p.source, p.as_of) for c, r, m, p in ALL_PRICES]
    gpus = [
        (f"{c} {r} attached GPU", p.source, p.as_of) for c, rs in ATTACHED_GPU_PRICES.items() for r, p in rs.items()
    ]
    return prices + gpus + [(fee.what, fee.source, fee.as_of) for _, fee in ALL_FEES]


# --- price_per_hour


def test_a_machine_in_a_priced_region_has_its_price() -> None:
    price = price_per_hour(Cloud.AWS, "g6.xlarge", "us-east-1")
    assert price is not None
    assert price.usd_per_hour == 0.8048
    assert "karpenter" in price.source


def test_an_unpriced_region_or_type_has_no_price() -> None:
    assert price_per_hour(Cloud.AWS, "g6.xlarge", "eu-west-1") is None
    assert price_per_hour(Cloud.AWS, "g6.nonexistent", "us-east-1") is None
    assert price_per_hour(Cloud.GOOGLE, "a3-ultragpu-8g", "us-central1") is None  # no dated price read


def test_us_west_2_prices_say_they_are_inferred_from_us_east_1() -> None:
    west, east = (
        price_per_hour(Cloud.AWS, "g5.12xlarge", "us-west-2"),
        price_per_hour(Cloud.AWS, "g5.12xlarge", "us-east-1"),
    )
    assert west is not None
    assert east is not None
    assert west.usd_per_hour == east.usd_per_hour
    assert "[I]" in west.source
    assert "[I]" not in east.source


def test_a_type_with_its_own_gpus_ignores_the_attached_count() -> None:
    assert price_per_hour(Cloud.GOOGLE, "a2-highgpu-4g", "us-central1", gpus=4) == price_per_hour(
        Cloud.GOOGLE, "a2-highgpu-4g", "us-central1"
    )


def test_an_n1_with_t4s_is_unpriced_while_no_dated_t4_price_exists() -> None:
    assert price_per_hour(Cloud.GOOGLE, "n1-standard-4", "us-east1") is not None  # the machine alone
    assert price_per_hour(Cloud.GOOGLE, "n1-standard-4", "us-east1", gpus=1) is None


def test_an_n1_with_t4s_costs_the_machine_plus_each_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    t4 = Price(0.5, "test T4 price", date(2026, 8, 1))
    monkeypatch.setitem(ATTACHED_GPU_PRICES, Cloud.GOOGLE, {"us-east1": t4})
    price = price_per_hour(Cloud.GOOGLE, "n1-standard-8", "us-east1", gpus=2)
    assert price is not None
    assert price.usd_per_hour == pytest.approx(0.38 + 2 * 0.5)
    assert price.as_of == date(2026, 7, 30)  # the older of the two
    assert "test T4 price" in price.source


# --- Fees, as the product builds clusters


def test_eks_pays_its_control_plane_and_one_nat_gateway() -> None:
    fees = {fee.usd_per_hour for fee in CLUSTER_FEES[Cloud.AWS]}
    assert {0.10, 0.045} <= fees


def test_aks_pays_no_cluster_fee_because_the_product_uses_the_free_tier() -> None:
    # The Free tier is the API's default: a cluster construct that sets sku_tier must bring its fee here.
    assert "sku_tier" not in (PROJECT_ROOT / "constructs/azure/cluster.py").read_text()
    assert sum(fee.usd_per_hour for fee in CLUSTER_FEES[Cloud.AZURE]) == 0


# --- Every node the shipped files build has a price, except those listed here with the reason.

_NO_EASTUS = "no dated Azure eastus price read (research/gpu-pools.md s4 has westeurope only)"
_NO_T4 = "no dated per-T4 price (the only figure read is the Cluster Autoscaler's static 2020 model)"

# (cloud, region, machine type, GPUs per node): why it has no price. Must shrink: a listed node that gets a price
# fails test_a_listed_node_that_has_a_price_leaves_the_list.
UNPRICED: dict[tuple[Cloud, str, str, int], str] = {
    (Cloud.AZURE, "eastus", "Standard_D2_v2", 0): _NO_EASTUS,
    (Cloud.AZURE, "eastus", "Standard_D3_v2", 0): _NO_EASTUS,
    (Cloud.AZURE, "eastus", "Standard_D4_v2", 0): _NO_EASTUS,
    (Cloud.AZURE, "eastus", "Standard_NC4as_T4_v3", 1): _NO_EASTUS,
    (Cloud.AZURE, "eastus", "Standard_ND96asr_v4", 8): _NO_EASTUS,
    (Cloud.AZURE, "eastus", "Standard_ND96isr_H100_v5", 8): _NO_EASTUS,
    (Cloud.GOOGLE, "us-east1", "n1-standard-4", 1): _NO_T4,
    (Cloud.GOOGLE, "us-central1", "n1-standard-4", 1): _NO_T4,
}


def _shipped_nodes() -> dict[tuple[Cloud, str, str, int], list[str]]:
    nodes: dict[tuple[Cloud, str, str, int], list[str]] = {}
    for path in [*EXAMPLES, *SHIPPED_ENVIRONMENTS]:
        environment = load_environment_file(path).environment
        for pool in node_pools(environment):
            gpus = pool.gpu.tier.gpu_count if pool.gpu else 0
            key = (environment.cloud, environment.resolved_region, pool.machine_type, gpus)
            nodes.setdefault(key, []).append(Path(path).name)
    return nodes


def _price(node: tuple[Cloud, str, str, int]) -> Price | None:
    cloud, region, machine_type, gpus = node
    return price_per_hour(cloud, machine_type, region, gpus=gpus)


def test_every_node_of_the_shipped_files_has_a_price_unless_listed() -> None:
    missing = {node: files for node, files in _shipped_nodes().items() if _price(node) is None and node not in UNPRICED}
    assert not missing, f"no price in catalogue/prices.py for {missing}"


def test_a_listed_node_that_has_a_price_leaves_the_list() -> None:
    priced = [node for node in UNPRICED if _price(node) is not None]
    assert not priced, f"now priced, remove from UNPRICED: {priced}"


def test_every_listed_node_is_one_a_shipped_file_builds() -> None:
    assert set(UNPRICED) <= set(_shipped_nodes()), set(UNPRICED) - set(_shipped_nodes())
