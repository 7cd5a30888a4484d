"""What one app runs, for the capacity plan (issue 20): each workload's kind, replicas, requests and nodes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# system: untainted nodes (the system pool); every node: a DaemonSet tolerating every NoSchedule taint (GPU
# nodes too); gpu: the GPU pool (tolerates the GPU taint and selects the GPU label).
Placement = Literal["system", "every node", "gpu"]


@dataclass(frozen=True)
class Workload:
    kind: Literal["Deployment", "StatefulSet", "DaemonSet"]
    name: str
    replicas: int | None  # None: one per node it lands on (a DaemonSet)
    cpu_millicores: int  # requests, summed over the pod's containers
    memory_mib: int
    lands_on: Placement
    source: str  # where the figure comes from
