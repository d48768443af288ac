"""Source run in a new interpreter over this checkout, for what only a first import or a first use can show."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def json_printed_by(source: str) -> Any:
    """What ``source`` printed as JSON, run by ``python -c`` with only this checkout's code on the path."""
    completed = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "PATH": "/usr/bin:/bin"},
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)
