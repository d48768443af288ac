"""The portal's JavaScript modules run in Node's test runner (``tests/web/js``): the API client and the zones."""

from __future__ import annotations

import shutil
import subprocess

from tests.conftest import ROOT


def test_the_portal_modules_pass_their_node_tests() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for the portal's module tests (the browser tests need it for npm too)"
    result = subprocess.run(
        [node, "--test", "--test-reporter=spec", "tests/web/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    counts = dict(
        line.split()[1:3] for line in result.stdout.splitlines() if line.startswith("ℹ ") and len(line.split()) == 3
    )
    assert counts["fail"] == "0" and int(counts["pass"]) >= 11, result.stdout
