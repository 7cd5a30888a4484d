from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.eks_node_group import EksNodeGroup

from tests.conftest import synth


def test_gpu_node_group_is_tainted() -> None:
    stacks = synth(gpu={"enabled": True})
    assert CdktfTesting.to_have_resource_with_properties(
        stacks.cluster,
        EksNodeGroup.TF_RESOURCE_TYPE,
        {"taint": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]},
    )
