"""The machine catalogue: one row per machine type, read alike by validation, the node pools and the capacity plan."""

from __future__ import annotations

import pytest

from capacity.plan import capacity_plan
from catalogue.machines import GPU_MACHINES, MACHINES, Cloud, GpuModel, Gpus, _one_table
from catalogue.node_sizes import known_gpu_node
from tests.conftest import environment

ACCEPTED_GPU_TYPES = [(cloud, machine_type) for cloud in Cloud for machine_type in GPU_MACHINES[cloud]]


@pytest.mark.parametrize(("cloud", "machine_type"), ACCEPTED_GPU_TYPES, ids=str)
def test_every_gpu_type_the_catalogue_accepts_is_sized_by_the_capacity_plan(cloud: Cloud, machine_type: str) -> None:
    assert known_gpu_node(cloud, "small", machine_type) is not None
    env = environment(cloud=cloud.value, gpu={"enabled": True, "instanceType": machine_type})
    (gpu,) = [pool for pool in capacity_plan(env) if pool.pool == "gpu"]
    assert gpu.node is not None, gpu.line()
    assert gpu.nodes_at_rest is not None
    assert "not in the capacity table" not in gpu.line()


@pytest.mark.parametrize("cloud", list(Cloud))
def test_every_row_has_vcpus_memory_pods_and_a_source(cloud: Cloud) -> None:
    for name, machine in MACHINES[cloud].items():
        assert machine.vcpus > 0, name
        assert machine.memory_gib > 0, name
        assert machine.max_pods > 0, name
        assert machine.source, name
        assert machine.gpus is None or machine.gpus.count > 0, name


# Figures as research/gpu-pools.md gives them (sections 2 and 4) and the EC2 API's ENI limits.
def test_a_g6e_xlarge_is_four_vcpus_32_gib_and_one_48_gb_l40s() -> None:
    machine = MACHINES[Cloud.AWS]["g6e.xlarge"]
    assert (machine.vcpus, machine.memory_gib, machine.gpus) == (4, 32, Gpus(1, GpuModel.L40S))
    assert machine.gpus is not None
    assert machine.gpus.memory_gib == 48


def test_an_nc24ads_a100_v4_is_24_vcpus_220_gib_and_one_80_gb_a100() -> None:
    machine = MACHINES[Cloud.AZURE]["Standard_NC24ads_A100_v4"]
    assert (machine.vcpus, machine.memory_gib, machine.gpus) == (24, 220, Gpus(1, GpuModel.A100_80GB))


@pytest.mark.parametrize(
    ("cloud", "machine_type", "pods"),
    [
        (Cloud.AWS, "g6e.12xlarge", 292),  # 10 ENIs x (30 - 1) + 2
        (Cloud.AWS, "g4dn.metal", 737),  # 15 ENIs x (50 - 1) + 2
        (Cloud.AWS, "p5.48xlarge", 100),  # only network card 0's 2 ENIs count
        (Cloud.GOOGLE, "a2-ultragpu-1g", 110),  # GKE's default max pods, not the machine's
    ],
)
def test_pods_per_node(cloud: Cloud, machine_type: str, pods: int) -> None:
    assert MACHINES[cloud][machine_type].max_pods == pods


def test_a_machine_type_listed_twice_is_refused() -> None:
    row = MACHINES[Cloud.AWS]["t3.small"]
    with pytest.raises(ValueError, match=r"listed twice: \['t3.small'\]"):
        _one_table({"t3.small": row}, {"t3.small": row})
