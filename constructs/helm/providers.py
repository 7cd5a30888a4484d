"""Providers more than one app uses: configured once per stack (Terraform rejects two default configurations)."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_random.provider import RandomProvider

RANDOM_PROVIDER_ID = "random"


def use_random_provider(stack: TerraformStack) -> None:
    if stack.node.try_find_child(RANDOM_PROVIDER_ID) is None:
        RandomProvider(stack, RANDOM_PROVIDER_ID)
