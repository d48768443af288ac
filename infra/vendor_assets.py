"""Copy the third-party files the portal serves from its own origin out of the npm packages pinned in vendor/.

The portal has no build step and its CSP allows scripts and styles only from its own origin, so Swagger UI
(``/api/docs``) is served from ``web/assets/vendor/``. ``make vendor`` installs ``vendor/package-lock.json`` with
``npm ci`` and runs this module, which copies the files and records the package's version and each file's SHA-256
in ``manifest.json``; tests/web/test_vendored_assets.py checks both against the lock file.

Usage: ``python -m infra.vendor_assets [--vendor vendor] [--web web]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class VendoredPackage:
    name: str
    files: tuple[str, ...]
    target: str
    """Directory under ``web/`` that receives the files."""


SWAGGER_UI = VendoredPackage(
    name="swagger-ui-dist",
    # The bundle carries its own dependencies; the licence files travel with the code they cover.
    files=("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"),
    target="assets/vendor/swagger-ui",
)
PACKAGES = (SWAGGER_UI,)
MANIFEST = "manifest.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def locked_version(vendor: Path, name: str) -> str:
    lock = json.loads((vendor / "package-lock.json").read_text(encoding="utf-8"))
    version: str = lock["packages"][f"node_modules/{name}"]["version"]
    return version


def copy_package(package: VendoredPackage, vendor: Path, web: Path) -> Path:
    source = vendor / "node_modules" / package.name
    installed = json.loads((source / "package.json").read_text(encoding="utf-8"))["version"]
    wanted = locked_version(vendor, package.name)
    if installed != wanted:
        raise SystemExit(f"{package.name} {installed} is installed but the lock file pins {wanted}: run npm ci first")
    target = web / package.target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in package.files:
        shutil.copyfile(source / name, target / name)
    manifest = {
        "package": package.name,
        "version": wanted,
        "files": {name: sha256(target / name) for name in package.files},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--vendor", type=Path, default=ROOT / "vendor")
    parser.add_argument("--web", type=Path, default=ROOT / "web")
    args = parser.parse_args(argv)
    for package in PACKAGES:
        target = copy_package(package, args.vendor, args.web)
        print(f"{package.name} {locked_version(args.vendor, package.name)} -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
