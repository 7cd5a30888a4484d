"""The address a `moved` block names for a namespace whose construct is gone: computed the way cdktf computes it."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata

from constructs import Construct
from constructs.helm.namespaces import logical_id


@pytest.mark.parametrize(
    "path",
    [
        ("secret-namespaces", "vllm"),
        ("secret-namespaces", "gpu-operator"),
        ("app-namespaces", "namespaces"),  # a part the one before ends with is left out of the readable half
        ("a.b", "c_d"),  # characters other than letters, digits, `-` and `_` are dropped from it
    ],
)
def test_the_logical_id_is_the_one_cdktf_gives_a_resource_at_that_path(path: tuple[str, str]) -> None:
    stack = TerraformStack(CdktfTesting.app(), "stack")
    NamespaceV1(Construct(stack, path[0]), path[1], metadata=NamespaceV1Metadata(name="any"))
    (key,) = json.loads(CdktfTesting.synth(stack))["resource"][NamespaceV1.TF_RESOURCE_TYPE]
    assert key == logical_id(*path)
