"""Cloud credentials in the user's words: found offline before Terraform starts, and recognised in Terraform's errors.

`missing(cloud)` looks only where each cloud's SDK looks first: environment variables and well-known files (and, for
an instance's own identity, the machine's DMI data). It never calls a cloud, so it cannot tell a working credential
from an expired one: `explained(text)` turns the SDK errors Terraform then prints into the same words. The check errs
on the side of letting a run through: a late SDK error is translated, a wrong refusal would have no way round it.
"""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from catalogue.node_sizes import Cloud

MISSING: dict[Cloud, str] = {
    Cloud.AWS: "no AWS credentials: set AWS_PROFILE or run aws sso login",
    Cloud.GOOGLE: "no Google credentials: run gcloud auth application-default login",
    Cloud.AZURE: "no Azure credentials: run az login or set ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID",
}

# What the machine says it is (Linux); a cloud instance may carry its own identity, which only a network call confirms.
DMI = Path("/sys/class/dmi/id")
XEN_UUID = Path("/sys/hypervisor/uuid")  # older EC2 (Xen) instances: "ec2..."

# Environment variables any one of which is a credential source of its own (or names one), per cloud:
# AWS https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html, the Google provider's
# https://registry.terraform.io/providers/hashicorp/google/latest/docs/guides/provider_reference#authentication,
# azurerm https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs#authenticating-to-azure.
AWS_VARIABLES = (
    "AWS_ENDPOINT_URL",  # an explicit endpoint (an emulator, a private endpoint) decides its own credentials
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",  # EKS IRSA, GitHub Actions OIDC
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",  # ECS task role
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",  # EKS Pod Identity
)
GOOGLE_VARIABLES = (
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CREDENTIALS",
    "GOOGLE_CLOUD_KEYFILE_JSON",
    "GCLOUD_KEYFILE_JSON",
    "GOOGLE_OAUTH_ACCESS_TOKEN",
)
AZURE_VARIABLES = ("ARM_CLIENT_ID",)  # a service principal, an OIDC federation or a user-assigned identity
AZURE_SWITCHES = ("ARM_USE_MSI", "ARM_USE_OIDC", "ARM_USE_AKS_WORKLOAD_IDENTITY")  # "true" turns a source on
# Keys of the default profile (~/.aws/credentials, ~/.aws/config) that make it a credential source.
AWS_ACCESS_KEY = frozenset({"aws_access_key_id"})
AWS_PROFILE_SOURCES = frozenset(
    {"aws_access_key_id", "sso_session", "sso_start_url", "credential_process", "role_arn", "web_identity_token_file"}
)

# Fragments (lower case) of the SDK errors Terraform relays when credentials are absent, expired or refused; the
# first three are the AWS SDK's own words for "nothing usable found" (measured with Terraform 1.11, aws 5.100.0).
SDK_ERRORS: dict[Cloud, tuple[str, ...]] = {
    Cloud.AWS: (
        "no valid credential sources found",
        "failed to refresh cached credentials",
        "no ec2 imds role found",
        "failed to get shared config profile",
        "expiredtoken",
        "the security token included in the request is expired",
        "the security token included in the request is invalid",
        "invalidclienttokenid",
        "sso session has expired",
        "refresh cached sso token failed",
    ),
    Cloud.GOOGLE: (
        "could not find default credentials",
        "invalid_grant",
        "invalid_rapt",
        "reauthentication failed",
        "oauth2: cannot fetch token",
    ),
    Cloud.AZURE: (
        "please run 'az login'",
        "could not acquire access token",
        "unable to build authorizer",
        "aadsts700082",  # the refresh token expired
        "aadsts50173",  # the grant expired (password changed)
        "aadsts70043",  # the refresh token expired (conditional access)
    ),
}

Environ = Mapping[str, str]


def _true(environ: Environ, name: str) -> bool:
    return environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def _home(environ: Environ) -> Path:
    return Path(environ["HOME"]) if environ.get("HOME") else Path.home()


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""


def _profile_file(path: Path, sections: tuple[str, ...], keys: frozenset[str]) -> bool:
    """Whether one of the sections of an AWS INI file (credentials, config) holds one of the keys."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        if not parser.read(path):
            return False
    except configparser.Error:
        return True  # let the SDK judge it
    return any(parser.has_section(section) and keys & set(parser.options(section)) for section in sections)


def _aws(environ: Environ) -> bool:
    if any(environ.get(name) for name in AWS_VARIABLES):
        return True
    aws = _home(environ) / ".aws"
    credentials = Path(environ.get("AWS_SHARED_CREDENTIALS_FILE") or aws / "credentials")
    config = Path(environ.get("AWS_CONFIG_FILE") or aws / "config")
    if _profile_file(credentials, ("default",), AWS_ACCESS_KEY) or _profile_file(
        config, ("default", "profile default"), AWS_PROFILE_SOURCES
    ):
        return True
    if any((aws / "sso" / "cache").glob("*.json")):
        return True
    on_ec2 = _read(DMI / "sys_vendor") == "Amazon EC2" or _read(XEN_UUID).lower().startswith("ec2")
    return on_ec2 and not _true(environ, "AWS_EC2_METADATA_DISABLED")  # the instance role, unless switched off


def _google(environ: Environ) -> bool:
    if any(environ.get(name) for name in GOOGLE_VARIABLES):
        return True
    gcloud = Path(environ["CLOUDSDK_CONFIG"]) if environ.get("CLOUDSDK_CONFIG") else _home(environ) / ".config/gcloud"
    if (gcloud / "application_default_credentials.json").is_file():
        return True
    on_gce = _read(DMI / "product_name").startswith("Google Compute Engine")
    return on_gce and not _true(environ, "NO_GCE_CHECK")  # the instance's service account, unless switched off


def _azure(environ: Environ) -> bool:
    if any(environ.get(name) for name in AZURE_VARIABLES) or any(_true(environ, name) for name in AZURE_SWITCHES):
        return True
    folder = Path(environ["AZURE_CONFIG_DIR"]) if environ.get("AZURE_CONFIG_DIR") else _home(environ) / ".azure"
    profile = folder / "azureProfile.json"
    if not profile.is_file():
        return False
    try:  # `az logout` leaves the file with no subscriptions; az writes it with a byte order mark
        return bool(json.loads(profile.read_text(encoding="utf-8-sig")).get("subscriptions"))
    except (ValueError, AttributeError, OSError):
        return True  # let the provider judge it


SOURCES: dict[Cloud, Callable[[Environ], bool]] = {Cloud.AWS: _aws, Cloud.GOOGLE: _google, Cloud.AZURE: _azure}


def missing(cloud: Cloud, environ: Environ | None = None) -> str | None:
    """The user's words for what to do when no credential source for the cloud is set up, else None."""
    return None if SOURCES[cloud](os.environ if environ is None else environ) else MISSING[cloud]


def explained(text: str) -> str | None:
    """The same words for an SDK credential error anywhere in Terraform's output, else None."""
    lowered = text.lower()
    for cloud, fragments in SDK_ERRORS.items():
        if any(fragment in lowered for fragment in fragments):
            return MISSING[cloud]
    return None
