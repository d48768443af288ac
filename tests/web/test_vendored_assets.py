"""Swagger UI's files under web/assets/vendor are the npm package pinned in vendor/, unmodified (make vendor)."""

from __future__ import annotations

import json

import pytest

from infra.vendor_assets import MANIFEST, PACKAGES, VendoredPackage, locked_version, sha256
from tests.conftest import ROOT

VENDOR = ROOT / "vendor"
WEB = ROOT / "web"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.name)
def test_the_vendored_files_are_the_pinned_release_byte_for_byte(package: VendoredPackage) -> None:
    pinned = json.loads((VENDOR / "package.json").read_text())["dependencies"][package.name]
    target = WEB / package.target
    manifest = json.loads((target / MANIFEST).read_text())

    assert pinned == locked_version(VENDOR, package.name) == manifest["version"], "run make vendor"
    assert sorted(path.name for path in target.iterdir()) == sorted([*package.files, MANIFEST])
    assert {name: sha256(target / name) for name in package.files} == manifest["files"]
    installed = VENDOR / "node_modules" / package.name
    if installed.is_dir():
        assert json.loads((installed / "package.json").read_text())["version"] == pinned
        assert {name: sha256(installed / name) for name in package.files} == manifest["files"]
