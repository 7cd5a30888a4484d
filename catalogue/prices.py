"""What nodes and clusters cost: on-demand USD per hour, each figure with its source and the date it was current.

Only regions the shipped examples and environments use are priced (AWS us-east-1 and us-west-2, Google us-east1
and us-central1, Azure eastus). A figure no source gave with a date is left out, never filled by guess: such a
machine type has no price (`price_per_hour` returns None) and tests/catalogue/test_prices.py lists it. Every
figure goes stale: tests/catalogue/test_prices.py fails once the oldest is a year old (`PRICES_AS_OF`). Figures
as research/gpu-pools.md (../shared/reference/research) read them unless a row says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from catalogue.machines import Cloud
from catalogue.machines import Price as Price  # noqa: PLC0414 - re-exported: prices are read from here
from catalogue.node_sizes import ATTACHED_GPU_FAMILIES


@dataclass(frozen=True)
class Fee:
    """A fixed hourly charge of one cluster, whatever its nodes."""

    what: str
    usd_per_hour: float
    source: str
    as_of: date


def _priced(source: str, as_of: date, usd_per_hour: dict[str, float]) -> dict[str, Price]:
    return {machine_type: Price(usd, source, as_of) for machine_type, usd in usd_per_hour.items()}


# --- AWS: on-demand Linux, us-east-1, from the AWS Price List as Karpenter generates it.
_KARPENTER = (
    "aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws.go @6fc13b523 "
    "(AWS Price List, on-demand Linux, us-east-1)"
)
_KARPENTER_AS_OF = date(2026, 7, 20)
_AWS_US_EAST_1 = {
    "t3.medium": 0.0416,
    "t3.large": 0.0832,
    "t3.xlarge": 0.1664,
    "g4dn.xlarge": 0.526,
    "g4dn.2xlarge": 0.752,
    "g4dn.4xlarge": 1.204,
    "g4dn.8xlarge": 2.176,
    "g4dn.16xlarge": 4.352,
    "g4dn.12xlarge": 3.912,
    "g4dn.metal": 7.824,
    "g5.xlarge": 1.006,
    "g5.2xlarge": 1.212,
    "g5.4xlarge": 1.624,
    "g5.8xlarge": 2.448,
    "g5.16xlarge": 4.096,
    "g5.12xlarge": 5.672,
    "g5.24xlarge": 8.144,
    "g5.48xlarge": 16.288,
    "g6.xlarge": 0.8048,
    "g6.2xlarge": 0.9776,
    "g6.4xlarge": 1.3232,
    "g6.8xlarge": 2.0144,
    "g6.16xlarge": 3.3968,
    "g6.12xlarge": 4.6016,
    "g6.24xlarge": 6.6752,
    "g6.48xlarge": 13.3504,
    "g6e.xlarge": 1.861,
    "g6e.2xlarge": 2.24208,
    "g6e.4xlarge": 3.00424,
    "g6e.8xlarge": 4.52856,
    "g6e.16xlarge": 7.57719,
    "g6e.12xlarge": 10.49264,
    "g6e.24xlarge": 15.06559,
    "g6e.48xlarge": 30.13118,
    "p4d.24xlarge": 21.957642,
    "p4de.24xlarge": 27.44705,
    "p5.4xlarge": 6.88,
    "p5.48xlarge": 55.04,
    "p5en.48xlarge": 63.296,
    "p6-b200.48xlarge": 113.9328,
}
# Karpenter's table has us-east-1 only. us-west-2 equal to it is an inference [I]: every us-west-2 row read in the
# SkyPilot catalogue (g5.xlarge, g5.8xlarge, g6e.2xl/16xl/24xl/48xl, p5.48xlarge, p5en.48xlarge) equalled the
# us-east-1 figure of the same snapshot (research/gpu-pools.md s2). Replace with a dated us-west-2 source.
_AWS_US_WEST_2_NOTE = "; us-west-2 taken equal to us-east-1 [I] (research/gpu-pools.md s2), not read for us-west-2"

# --- Google: on-demand, identical in us-east1 and us-central1; vCPU + memory + GPU SKUs (+ bundled local SSD).
_CYCLENERD = (
    "Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml @fd66b26 (Cloud Billing Catalog SKUs, on demand)"
)
_CYCLENERD_AS_OF = date(2026, 7, 30)
_GOOGLE = {
    "e2-standard-2": 0.067,
    "e2-standard-4": 0.134,
    "e2-standard-16": 0.5361,
    # N1 machine only: attached GPUs are billed apart (ATTACHED_GPU_PRICES).
    "n1-standard-4": 0.19,
    "n1-standard-8": 0.38,
    "n1-standard-16": 0.76,
    "g2-standard-4": 0.7068,
    "g2-standard-8": 0.8536,
    "g2-standard-12": 1.0004,
    "g2-standard-16": 1.1472,
    "g2-standard-32": 1.7344,
    "g2-standard-24": 2.0008,
    "g2-standard-48": 4.0017,
    "g2-standard-96": 8.0033,
    "a2-highgpu-1g": 3.6734,
    "a2-highgpu-2g": 7.3468,
    "a2-highgpu-4g": 14.6935,
    "a2-highgpu-8g": 29.3871,
    "a2-megagpu-16g": 55.7395,
    "a2-ultragpu-1g": 5.0688,
    "a2-ultragpu-2g": 10.1376,
    "a2-ultragpu-4g": 20.2752,
    "a2-ultragpu-8g": 40.5504,
    "a3-highgpu-1g": 11.0612,
    "a3-highgpu-2g": 22.1225,
    "a3-highgpu-4g": 44.245,
    "a3-highgpu-8g": 88.49,
    # a3-ultragpu-8g and a4-highgpu-8g: not in Cyclenerd's table, no other dated price read.
}

# --- Azure: pay-as-you-go Linux, eastus. The research has westeurope only (not used for eastus); these five are a
# third-party compilation retrieved 2026-11-09. The T4, Dv2, A10, ND A100/H100/H200 sizes have no dated eastus price.
_DATARECEIPTS = (
    "datareceipts/data-receipts 109-gpu-pricing/hyperscalers.json (3p compilation of list prices, region eastus)"
)
_DATARECEIPTS_AS_OF = date(2026, 11, 9)
_AZURE_EASTUS = {
    "Standard_NC24ads_A100_v4": 3.673,
    "Standard_NC48ads_A100_v4": 9.554,
    "Standard_NC96ads_A100_v4": 19.108,
    "Standard_NC40ads_H100_v5": 6.98,
    "Standard_NC80adis_H100_v5": 17.64,
}

# Price of one machine type in a region, per cloud.
PRICES: dict[Cloud, dict[str, dict[str, Price]]] = {
    Cloud.AWS: {
        "us-east-1": _priced(_KARPENTER, _KARPENTER_AS_OF, _AWS_US_EAST_1),
        "us-west-2": _priced(_KARPENTER + _AWS_US_WEST_2_NOTE, _KARPENTER_AS_OF, _AWS_US_EAST_1),
    },
    Cloud.GOOGLE: {
        "us-east1": _priced(_CYCLENERD, _CYCLENERD_AS_OF, _GOOGLE),
        "us-central1": _priced(_CYCLENERD, _CYCLENERD_AS_OF, _GOOGLE),
    },
    Cloud.AZURE: {"eastus": _priced(_DATARECEIPTS, _DATARECEIPTS_AS_OF, _AZURE_EASTUS)},
}

# One attached GPU (GKE's N1 + T4), per cloud and region. Empty: the only T4 figure read ($0.35/GPU-hour, the
# Cluster Autoscaler's gce_price_info.go) is a static model unchanged since 2020 with no current date, so N1 pools
# with T4s are unpriced until a dated Cloud Billing Catalog figure ("Nvidia Tesla T4 GPU running in ...") is added.
ATTACHED_GPU_PRICES: dict[Cloud, dict[str, Price]] = {}


def price_per_hour(cloud: Cloud, machine_type: str, region: str, *, gpus: int = 0) -> Price | None:
    """One node on demand: the machine, plus `gpus` attached GPUs where the cloud attaches them (GKE N1); a type
    whose GPUs come with it ignores `gpus`. None where any part has no dated price."""
    machine = PRICES.get(cloud, {}).get(region, {}).get(machine_type)
    if machine is None or gpus == 0 or not machine_type.startswith(ATTACHED_GPU_FAMILIES.get(cloud, ())):
        return machine
    gpu = ATTACHED_GPU_PRICES.get(cloud, {}).get(region)
    if gpu is None:
        return None
    return Price(
        usd_per_hour=machine.usd_per_hour + gpus * gpu.usd_per_hour,
        source=f"{machine.source}; {gpus} attached GPU(s): {gpu.source}",
        as_of=min(machine.as_of, gpu.as_of),
    )


# --- Fixed per-cluster fees, as the product builds clusters today.
_CLOUDBURN_NAT = "cloudburn.io/blog/aws-nat-gateway-pricing (3p, 2026-02-24; US East rate)"
_CLOUDBURN_NAT_AS_OF = date(2026, 2, 24)
_CLOUD_NAT = "Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml @fd66b26 network.nat (us-east1, us-central1)"

# Cloud NAT: $0.0014 per VM-hour for each VM using the gateway, up to 32 VMs (CLUSTER_FEES holds the 32-VM cap).
CLOUD_NAT_PER_VM = Fee("Cloud NAT, per VM using the gateway (up to 32 VMs)", 0.0014, _CLOUD_NAT, _CYCLENERD_AS_OF)

CLUSTER_FEES: dict[Cloud, tuple[Fee, ...]] = {
    Cloud.AWS: (
        Fee(
            "EKS control plane, version in standard support ($0.60/h in all once in extended support)",
            0.10,
            "factualminds.com/blog/amazon-eks-pricing-control-plane-addons-auto-mode (3p, 2026-06-13); "
            "cloudburn.io/blog/amazon-eks-pricing (3p, 2026-04-01: EKS pricing page as of March 2026)",
            date(2026, 6, 13),
        ),
        # constructs/aws/network.py: one NAT gateway per VPC, with one Elastic IP.
        Fee("NAT gateway ($0.045 per GB processed not counted)", 0.045, _CLOUDBURN_NAT, _CLOUDBURN_NAT_AS_OF),
        Fee("public IPv4 address of the NAT gateway", 0.005, _CLOUDBURN_NAT, _CLOUDBURN_NAT_AS_OF),
    ),
    Cloud.GOOGLE: (
        # constructs/google/network.py: one Cloud NAT, at its 32-VM cap here (per VM below it: CLOUD_NAT_PER_VM).
        # The GKE cluster management fee is not here: see UNPRICED_FEES.
        Fee(
            "Cloud NAT gateway, at most ($0.0014 per VM-hour up to 32 VMs; data processed not counted)",
            0.0448,
            _CLOUD_NAT,
            _CYCLENERD_AS_OF,
        ),
    ),
    Cloud.AZURE: (
        # constructs/azure/cluster.py sets no sku_tier, and the API's default tier is Free.
        Fee(
            "AKS cluster management, Free tier",
            0.0,
            "MicrosoftDocs/azure-aks-docs articles/aks/free-standard-pricing-tiers.md (ms.date 2026-07-06); "
            "ManagedClusterSKUTier API docs: Free, 'the cluster management is free'",
            date(2026, 7, 6),
        ),
    ),
}

# Fees a cluster pays that no dated source priced: left out of CLUSTER_FEES, to be named wherever costs are shown.
UNPRICED_FEES: dict[Cloud, tuple[str, ...]] = {
    Cloud.GOOGLE: (
        "GKE cluster management fee (Google's pricing page, read undated, gives $0.10 per cluster-hour; the "
        "free-tier credit covers zonal and Autopilot clusters only, and the product's clusters are regional)",
    ),
}

# The oldest date of any price or fee: what a cost shown to a user is "as of" at best.
PRICES_AS_OF: date = min(
    [price.as_of for regions in PRICES.values() for prices in regions.values() for price in prices.values()]
    + [gpu.as_of for regions in ATTACHED_GPU_PRICES.values() for gpu in regions.values()]
    + [fee.as_of for fees in CLUSTER_FEES.values() for fee in fees]
    + [CLOUD_NAT_PER_VM.as_of]
)
