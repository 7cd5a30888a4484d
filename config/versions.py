"""The Terraform CLI every stack requires: one place to bump it (renovate.json finds it here)."""

from __future__ import annotations

# S3-native state locking needs >= 1.10; the tests run 1.11 against the pinned providers.
TERRAFORM_VERSION = "1.11.4"
TERRAFORM_REQUIRED_VERSION = f"~> {TERRAFORM_VERSION.rsplit('.', 1)[0]}"
