"""The exact files of the viewer-request (gatekeeper) package, so that tests, the benchmark and the build agree.

Lambda@Edge limits a viewer-request package to 1 MB; these files are the handler, the standard-library-only
modules of ``ccm`` it imports, the baked ``edge_config.json`` and the portal's 404 page, which the same function
answers on the web behaviour's origin responses.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import ccm

HANDLER = "functions/edge_auth/app.py"
CONFIG_NAME = "edge_config.json"
NOT_FOUND_PAGE = "web/404.html"
NOT_FOUND_NAME = "not_found.html"
GATEKEEPER_MODULES = (
    "ccm/__init__.py",
    "ccm/errors.py",
    "ccm/jsonfile.py",
    "ccm/edge/__init__.py",
    "ccm/edge/cloudfront.py",
    "ccm/edge/edge_config.py",
    "ccm/edge/gatekeeper.py",
    "ccm/edge/live_authorizer.py",
    "ccm/edge/next_url.py",
    "ccm/edge/not_found.py",
    "ccm/edge/session.py",
)
VIEWER_REQUEST_LIMIT_BYTES = 1024 * 1024
# Fixed timestamps make the zip byte-for-byte reproducible, so an unchanged build does not redeploy.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def source_root() -> Path:
    """The checkout holding ``src/ccm`` and ``functions/`` (packaging works from a source tree)."""
    return Path(ccm.__file__).resolve().parents[2]


def gatekeeper_files(config_path: Path, root: Path | None = None) -> list[tuple[Path, str]]:
    """``(file on disk, name in the zip)`` for every file of the gatekeeper package."""
    root = root or source_root()
    files = [(root / HANDLER, "app.py"), (config_path, CONFIG_NAME), (root / NOT_FOUND_PAGE, NOT_FOUND_NAME)]
    files += [(root / "src" / module, module) for module in GATEKEEPER_MODULES]
    missing = [str(path) for path, _ in files if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"gatekeeper package files missing: {', '.join(missing)}")
    return files


def write_gatekeeper_zip(destination: Path, config_path: Path, root: Path | None = None) -> int:
    """Write the package zip; return its size in bytes."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, name in gatekeeper_files(config_path, root):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return destination.stat().st_size
