"""What an environment costs per hour before apply: each node pool at its bounds, plus the cloud's fixed fees.

On-demand list prices from the machine catalogue (each with its source and date). A spot pool is shown at its
on-demand price as the ceiling: spot prices move with demand and are lower. Disks, data transfer, load balancers
and logs are not counted; the plan says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.vllm.cache import STORES, cache_enabled, hourly_cost
from catalogue.prices import CLUSTER_FEES, UNPRICED_FEES, Fee, Price, price_per_hour
from spec.environment import Environment
from spec.pools import NodePoolSpec, node_pools

NOT_COUNTED = "disks, data transfer, load balancers and logs not counted"


@dataclass(frozen=True)
class PoolCost:
    pool: str
    machine_type: str
    min_nodes: int
    max_nodes: int
    spot: bool
    per_node: Price | None  # None: the catalogue has no price for this type in this region

    def line(self) -> str:
        if self.per_node is None:
            return f"{self.pool} pool ({self.machine_type}): no price in the catalogue for this region"
        ceiling = " on-demand price as the ceiling; spot costs less and varies" if self.spot else " on demand"
        low, high = self.at(self.min_nodes), self.at(self.max_nodes)
        return (
            f"{self.pool} pool ({self.machine_type}): ${self.per_node.usd_per_hour:.4g}/h per node{ceiling} "
            f"({self.min_nodes}-{self.max_nodes} nodes: ${low:.2f}-${high:.2f}/h)"
        )

    def at(self, nodes: int) -> float:
        return self.per_node.usd_per_hour * nodes if self.per_node else 0.0


@dataclass(frozen=True)
class CostPlan:
    region: str
    pools: tuple[PoolCost, ...]
    fees: tuple[Fee, ...]
    unpriced_fees: tuple[str, ...] = ()  # fees the cloud charges that no dated source priced

    @property
    def complete(self) -> bool:
        return all(pool.per_node is not None for pool in self.pools) and not self.unpriced_fees

    @property
    def at_rest(self) -> float:
        return sum(pool.at(pool.min_nodes) for pool in self.pools) + self._fees

    @property
    def at_max(self) -> float:
        return sum(pool.at(pool.max_nodes) for pool in self.pools) + self._fees

    @property
    def _fees(self) -> float:
        return sum(fee.usd_per_hour for fee in self.fees)

    @property
    def as_of(self) -> str:
        dates = [pool.per_node.as_of for pool in self.pools if pool.per_node] + [fee.as_of for fee in self.fees]
        return min(dates).isoformat() if dates else "unknown"

    def lines(self) -> list[str]:
        unpriced = [pool.pool for pool in self.pools if pool.per_node is None]
        floor = f" (at least: no price for the {', '.join(unpriced)} pool in {self.region})" if unpriced else ""
        fees = "; ".join(f"{fee.what}: ${fee.usd_per_hour:.3f}" for fee in self.fees) or "no fixed fees"
        total = (
            f"${self.at_rest:.2f}/h at rest (every pool at its minimum), ${self.at_max:.2f}/h at most (every pool at "
            f"its maximum){floor}; on-demand list prices in {self.region} as of {self.as_of}; fees included: {fees}; "
            f"{NOT_COUNTED}"
        )
        total += "".join(f"; not included, no dated price: {fee}" for fee in self.unpriced_fees)
        return [*(pool.line() for pool in self.pools), total]

    def output(self) -> dict[str, object]:
        """The machine-readable plan (a Terraform output holds no nulls: unknown prices are left out)."""
        return {
            "currency": "USD per hour",
            "region": self.region,
            "at_rest": round(self.at_rest, 4),
            "at_max": round(self.at_max, 4),
            "complete": self.complete,
            "prices_as_of": self.as_of,
            "fees": [{"what": fee.what, "per_hour": fee.usd_per_hour} for fee in self.fees],
            "pools": [
                {
                    "pool": pool.pool,
                    "machine_type": pool.machine_type,
                    "capacity": "spot (on-demand price as the ceiling)" if pool.spot else "on demand",
                    "min_nodes": pool.min_nodes,
                    "max_nodes": pool.max_nodes,
                    **({"per_node": pool.per_node.usd_per_hour} if pool.per_node else {}),
                }
                for pool in self.pools
            ],
        }


def pool_cost(environment: Environment, pool: NodePoolSpec) -> PoolCost:
    # GKE attaches T4s to N1 machines and bills them apart; bundled GPU types carry their GPUs in the price.
    attached = pool.gpu.tier.gpu_count if pool.gpu and pool.machine_type.startswith("n1-") else 0
    price = price_per_hour(environment.cloud, pool.machine_type, environment.resolved_region, gpus=attached)
    return PoolCost(pool.name, pool.machine_type, pool.min_nodes, pool.max_nodes, pool.spot, price)


def cost_plan(environment: Environment) -> CostPlan:
    fees, unpriced = CLUSTER_FEES[environment.cloud], UNPRICED_FEES.get(environment.cloud, ())
    if cache_enabled(environment):
        store, size = STORES[environment.cloud], environment.apps.vllm.model_cache.size
        what = f"model cache ({size} of {store.name})"
        per_hour = hourly_cost(environment)
        if per_hour is None:
            unpriced = (*unpriced, what)
        else:
            fees = (*fees, Fee(what, per_hour, store.source, store.as_of))
    return CostPlan(
        region=environment.resolved_region,
        pools=tuple(pool_cost(environment, pool) for pool in node_pools(environment)),
        fees=fees,
        unpriced_fees=unpriced,
    )
