"""What a cold start of the API handler loads: the API and the workflow, never the backend or the mail stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import json, sys; import functions.api.app; print(json.dumps(sorted(sys.modules)))"


def test_importing_the_api_handler_loads_no_backend_meeting_or_template_code() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "PATH": "/usr/bin:/bin"},
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    loaded = set(json.loads(completed.stdout))
    assert "ccm.workflow" in loaded and "ccm.api" in loaded
    assert not {name for name in loaded if name.startswith(("ccm.backend", "ccm.meetings", "ccm.mail"))}
    assert not {name for name in loaded if name.split(".")[0] in {"jinja2", "icalendar", "msal"}}
