"""The gatekeeper's Lambda@Edge package: standard library only, and far below the 1 MB viewer-request limit."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from ccm.edge.config_builder import write_edge_config
from ccm.edge.edge_config import EdgeConfig
from ccm.edge.packaging import VIEWER_REQUEST_LIMIT_BYTES, gatekeeper_files, write_gatekeeper_zip
from tests.edge.conftest import session_cookie, viewer_event

# Runs inside the unpacked package with -I -S: no site-packages, no user site, no PYTHON* variables.
PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import app
result = app.viewer_request(json.loads(sys.argv[2]), None)
outside = sorted(
    name for name in sys.modules
    if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] not in {"app", "ccm", "__main__"}
)
loaded = sorted(name for name in sys.modules if name.split(".")[0] == "ccm")
print(json.dumps({"outside": outside, "loaded": loaded, "result": result}))
"""


def unpack(edge_config: EdgeConfig, tmp_path: Path) -> tuple[Path, Path]:
    config = write_edge_config(edge_config, tmp_path / "edge_config.json")
    archive = tmp_path / "gatekeeper.zip"
    write_gatekeeper_zip(archive, config)
    target = tmp_path / "package"
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(target)
    return archive, target


def test_the_gatekeeper_runs_with_nothing_but_the_standard_library(edge_config: EdgeConfig, tmp_path: Path) -> None:
    _, package = unpack(edge_config, tmp_path)
    event = viewer_event(cookies=(session_cookie(),), headers={"X-User-Email": "admin@example.com"})

    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, str(package), json.dumps(event)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=package,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["outside"] == []
    assert "ccm.config" not in report["loaded"] and "ccm.edge.signin" not in report["loaded"]
    headers = report["result"]["headers"]
    assert headers["x-user-email"] == [{"key": "X-User-Email", "value": "approver@example.com"}]


def test_the_gatekeeper_package_is_under_one_megabyte(edge_config: EdgeConfig, tmp_path: Path) -> None:
    archive, package = unpack(edge_config, tmp_path)

    unpacked = sum(path.stat().st_size for path in package.rglob("*") if path.is_file())
    assert archive.stat().st_size < VIEWER_REQUEST_LIMIT_BYTES
    assert unpacked < VIEWER_REQUEST_LIMIT_BYTES


def test_the_package_holds_the_handler_the_configuration_and_the_modules_it_needs(
    edge_config: EdgeConfig, tmp_path: Path
) -> None:
    names = {name for _, name in gatekeeper_files(write_edge_config(edge_config, tmp_path / "c.json"))}

    assert {"app.py", "edge_config.json", "ccm/edge/session.py", "ccm/edge/gatekeeper.py"} <= names


def test_the_package_zip_is_reproducible(edge_config: EdgeConfig, tmp_path: Path) -> None:
    config = write_edge_config(edge_config, tmp_path / "edge_config.json")

    write_gatekeeper_zip(tmp_path / "one.zip", config)
    write_gatekeeper_zip(tmp_path / "two.zip", config)

    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
