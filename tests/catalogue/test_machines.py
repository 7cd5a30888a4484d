"""The machine catalogue: one row per machine type, read alike by validation, the node pools and the capacity plan."""

from __future__ import annotations

import pytest

from capacity.plan import capacity_plan
from catalogue.accelerators import accelerators_offered, machine_for_accelerator
from catalogue.machines import (
    ACCELERATOR_MODELS,
    GPU_FACTS,
    GPU_MACHINES,
    MACHINES,
    SPOT,
    Accelerator,
    Cloud,
    GpuModel,
    Gpus,
    Machine,
    MaxPodsSetting,
    _one_table,
    is_fractional_gpu,
)
from catalogue.node_sizes import ATTACHED_GPU_FAMILIES, GpuTier, known_gpu_node
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
    ("cloud", "machine_type", "eni_pods", "pods"),
    [
        (Cloud.AWS, "g6e.12xlarge", 292, 250),  # 10 ENIs x (30 - 1) + 2; 48 vCPUs: the node group's cap, 250
        (Cloud.AWS, "g4dn.metal", 737, 250),  # 15 ENIs x (50 - 1) + 2
        (Cloud.AWS, "p5.48xlarge", 100, 100),  # only network card 0's 2 ENIs count
        (Cloud.AWS, "p5.4xlarge", 118, 110),  # 4 ENIs x (30 - 1) + 2; 16 vCPUs: capped at 110
        (Cloud.AWS, "p5en.48xlarge", 198, 198),  # 4 ENIs x (50 - 1) + 2
        (Cloud.AWS, "p6-b200.48xlarge", 198, 198),
        (Cloud.AWS, "g5.xlarge", 58, 58),  # below both caps
    ],
)
def test_eks_pods_per_node_are_the_vpc_cni_figure_within_the_managed_node_group_cap(
    cloud: Cloud, machine_type: str, eni_pods: int, pods: int
) -> None:
    machine = MACHINES[cloud][machine_type]
    assert (machine.pods.max_pods, machine.max_pods) == (eni_pods, pods)


def test_gke_pods_per_node_are_the_pool_setting_not_the_machine() -> None:
    assert MACHINES[Cloud.GOOGLE]["a2-ultragpu-1g"].max_pods == 110


def test_a_machine_type_listed_twice_is_refused() -> None:
    row = MACHINES[Cloud.AWS]["t3.small"]
    with pytest.raises(ValueError, match=r"listed twice: \['t3.small'\]"):
        _one_table({"t3.small": row}, {"t3.small": row})


# --- The accelerator vocabulary of `gpu.pools`


def test_the_accelerator_names_are_the_ones_environment_files_use() -> None:
    assert [a.value for a in Accelerator] == ["t4", "a10g", "l4", "l40s", "a100", "a100-80gb", "h100", "h200", "b200"]


def test_every_accelerator_means_at_least_one_gpu_model_and_no_model_is_two_accelerators() -> None:
    models = [model for accelerator in Accelerator for model in ACCELERATOR_MODELS[accelerator]]
    assert all(ACCELERATOR_MODELS[accelerator] for accelerator in Accelerator)
    assert len(models) == len(set(models))


def test_azures_a10_is_not_an_a10g() -> None:
    assert GpuModel.A10 not in ACCELERATOR_MODELS[Accelerator.A10G]
    assert GPU_MACHINES[Cloud.AZURE]["Standard_NV36ads_A10_v5"] == Gpus(1, GpuModel.A10)


def test_every_gpu_model_has_facts() -> None:
    assert set(GPU_FACTS) == set(GpuModel)


def test_a_gpu_reports_less_memory_than_its_nominal_size_where_both_are_known() -> None:
    known = {
        model: (f.reported_gib, f.memory_gib)
        for model, f in GPU_FACTS.items()
        if f.reported_gib is not None and f.memory_gib is not None
    }
    assert known[GpuModel.A10G][0] == pytest.approx(22.49, abs=0.01)  # 23,028 MiB of a nominal 24 GB
    assert all(reported <= nominal for reported, nominal in known.values()), known


def test_a_figure_no_source_gave_stays_unknown() -> None:
    assert GPU_FACTS[GpuModel.B200].memory_gib is None
    assert GPU_FACTS[GpuModel.A10].reported_gib is None
    assert GPU_FACTS[GpuModel.H100_NVL_94GB].reported_gib is None


# The table's smallest machine per (cloud, accelerator, GPUs per node): research/gpu-pools.md s1.
@pytest.mark.parametrize(
    ("cloud", "accelerator", "gpus", "tier"),
    [
        (Cloud.AWS, Accelerator.L4, 1, GpuTier("g6.xlarge", 1, GpuModel.L4)),
        (Cloud.AWS, Accelerator.H100, 8, GpuTier("p5.48xlarge", 8, GpuModel.H100_80GB)),
        (Cloud.AWS, Accelerator.H100, 1, GpuTier("p5.4xlarge", 1, GpuModel.H100_80GB)),
        (Cloud.AWS, Accelerator.H200, 8, GpuTier("p5en.48xlarge", 8, GpuModel.H200_141GB)),
        (Cloud.GOOGLE, Accelerator.L4, 1, GpuTier("g2-standard-4", 1, GpuModel.L4, "nvidia-l4")),
        (Cloud.GOOGLE, Accelerator.T4, 1, GpuTier("n1-standard-4", 1, GpuModel.T4, "nvidia-tesla-t4")),
        (Cloud.GOOGLE, Accelerator.H100, 8, GpuTier("a3-highgpu-8g", 8, GpuModel.H100_80GB, "nvidia-h100-80gb")),
        (Cloud.GOOGLE, Accelerator.B200, 8, GpuTier("a4-highgpu-8g", 8, GpuModel.B200, "nvidia-b200")),
        (Cloud.AZURE, Accelerator.T4, 1, GpuTier("Standard_NC4as_T4_v3", 1, GpuModel.T4)),
        (Cloud.AZURE, Accelerator.A100_80GB, 1, GpuTier("Standard_NC24ads_A100_v4", 1, GpuModel.A100_80GB)),
        (Cloud.AZURE, Accelerator.H100, 8, GpuTier("Standard_ND96isr_H100_v5", 8, GpuModel.H100_80GB)),
    ],
    ids=str,
)
def test_machine_for_accelerator_picks_the_smallest_type(
    cloud: Cloud, accelerator: Accelerator, gpus: int, tier: GpuTier
) -> None:
    assert machine_for_accelerator(cloud, accelerator, gpus) == tier


@pytest.mark.parametrize(("gpus", "machine_type"), [(2, "n1-standard-8"), (4, "n1-standard-16")])
def test_gke_attaches_two_or_four_t4s_to_a_larger_n1(gpus: int, machine_type: str) -> None:
    tier = machine_for_accelerator(Cloud.GOOGLE, Accelerator.T4, gpus)
    assert tier == GpuTier(machine_type, gpus, GpuModel.T4, "nvidia-tesla-t4")
    assert machine_type.startswith(ATTACHED_GPU_FAMILIES[Cloud.GOOGLE])
    assert MACHINES[Cloud.GOOGLE][machine_type].gpus is None  # the T4s are attached, not part of the type


def test_azures_one_gpu_h100_is_the_94_gb_nvl_part() -> None:
    tier = machine_for_accelerator(Cloud.AZURE, Accelerator.H100, 1)
    assert tier is not None
    assert tier == GpuTier("Standard_NC40ads_H100_v5", 1, GpuModel.H100_NVL_94GB)
    assert GPU_FACTS[tier.gpu_model].memory_gib == 94


@pytest.mark.parametrize("accelerator", list(Accelerator), ids=str)
def test_no_aws_machine_carries_two_gpus(accelerator: Accelerator) -> None:
    assert machine_for_accelerator(Cloud.AWS, accelerator, 2) is None


@pytest.mark.parametrize(
    ("cloud", "accelerator"),
    [
        (Cloud.AZURE, Accelerator.L4),
        (Cloud.AZURE, Accelerator.L40S),
        (Cloud.AZURE, Accelerator.A10G),  # its A10 is another part
        (Cloud.AZURE, Accelerator.B200),  # only as the Arm GB200
        (Cloud.GOOGLE, Accelerator.A10G),
        (Cloud.GOOGLE, Accelerator.L40S),
    ],
    ids=str,
)
def test_an_accelerator_a_cloud_does_not_sell_has_no_machine_and_is_not_offered(
    cloud: Cloud, accelerator: Accelerator
) -> None:
    assert all(machine_for_accelerator(cloud, accelerator, gpus) is None for gpus in range(1, 17))
    assert accelerator not in accelerators_offered(cloud)


@pytest.mark.parametrize("cloud", list(Cloud))
def test_accelerators_offered_lists_exactly_the_counts_that_have_a_machine(cloud: Cloud) -> None:
    offered = accelerators_offered(cloud)
    for accelerator in Accelerator:
        fillable = tuple(n for n in range(1, 17) if machine_for_accelerator(cloud, accelerator, n) is not None)
        assert offered.get(accelerator, ()) == fillable, accelerator


def test_what_aws_offers() -> None:
    assert accelerators_offered(Cloud.AWS)[Accelerator.H100] == (1, 8)
    assert accelerators_offered(Cloud.AWS)[Accelerator.A10G] == (1, 4, 8)


@pytest.mark.parametrize("cloud", list(Cloud))
def test_a_chosen_built_in_type_has_the_gpus_known_gpu_node_gives_it(cloud: Cloud) -> None:
    # The accelerator string too: GKE's built-in types carry theirs, EKS and AKS none.
    for accelerator, counts in accelerators_offered(cloud).items():
        for gpus in counts:
            tier = machine_for_accelerator(cloud, accelerator, gpus)
            assert tier is not None
            if not tier.machine_type.startswith(ATTACHED_GPU_FAMILIES.get(cloud, ())):
                assert known_gpu_node(cloud, "small", tier.machine_type) == tier


def test_no_fractional_azure_a10_size_is_a_gpu_machine_or_ever_chosen() -> None:
    fractional = ["Standard_NV6ads_A10_v5", "Standard_NV12ads_A10_v5", "Standard_NV18ads_A10_v5"]
    assert all(is_fractional_gpu(Cloud.AZURE, name) for name in fractional)
    assert not set(fractional) & set(GPU_MACHINES[Cloud.AZURE])
    chosen = {machine_for_accelerator(Cloud.AZURE, a, n) for a in Accelerator for n in range(1, 9)} - {None}
    assert all(tier is not None and tier.machine_type not in fractional for tier in chosen)


def _smaller_l4_row(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    row = Machine(2, 8, MaxPodsSetting(110), Gpus(1, GpuModel.L4), "test row")
    monkeypatch.setitem(MACHINES[Cloud.AWS], name, row)
    monkeypatch.setitem(GPU_MACHINES[Cloud.AWS], name, Gpus(1, GpuModel.L4))


def test_a_fractional_size_is_skipped_even_if_a_row_says_it_has_a_whole_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    _smaller_l4_row(monkeypatch, "g6f.large")
    tier = machine_for_accelerator(Cloud.AWS, Accelerator.L4, 1)
    assert tier is not None
    assert tier.machine_type == "g6.xlarge"


def test_a_smaller_whole_gpu_size_would_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    _smaller_l4_row(monkeypatch, "g9.large")  # the same row under a name that is not fractional
    tier = machine_for_accelerator(Cloud.AWS, Accelerator.L4, 1)
    assert tier is not None
    assert tier.machine_type == "g9.large"


# --- Spot: how each cloud marks spot nodes (research/gpu-pools.md s6)


def test_eks_labels_spot_nodes_and_taints_none() -> None:
    assert SPOT[Cloud.AWS].label == ("eks.amazonaws.com/capacityType", "SPOT")
    assert SPOT[Cloud.AWS].taint is None


def test_gke_labels_spot_nodes_and_taints_none_on_standard_pools() -> None:
    assert SPOT[Cloud.GOOGLE].label == ("cloud.google.com/gke-spot", "true")
    assert SPOT[Cloud.GOOGLE].taint is None


def test_aks_labels_and_taints_spot_nodes() -> None:
    assert SPOT[Cloud.AZURE].label == ("kubernetes.azure.com/scalesetpriority", "spot")
    assert SPOT[Cloud.AZURE].taint == ("kubernetes.azure.com/scalesetpriority", "spot")
