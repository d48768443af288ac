"""The files a change request passes through on its way from the API to an email: the path a newcomer follows.

One change is submitted through the API handler (a Function URL event) and its trigger is processed by the backend
handler (the SQS event S3 sends) until SES accepts the approval request, as in production, with moto as AWS. A
first round trip loads and warms everything; the second is traced with ``sys.setprofile``, and every project file
in which a function runs is listed (module bodies run at import are not: a reader follows calls, not imports).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"

import tests.conftest  # noqa: E402  (the same fake credentials, config and names as the tests)
from tests.api.client import ApiClient  # noqa: E402
from tests.api.helpers import change_input  # noqa: E402
from tests.backend_support import (  # noqa: E402
    LambdaContext,
    add_contact,
    customer_ses,
    sent_in_account,
    sqs_event,
    trigger_body,
)

PROJECT_DIRS = (ROOT / "src" / "ccm", ROOT / "functions")


@contextmanager
def traced_files() -> Iterator[Counter[str]]:
    calls: Counter[str] = Counter()

    def profile(frame: FrameType, event: str, _: Any) -> None:
        if event == "call" and frame.f_code.co_name != "<module>":
            calls[frame.f_code.co_filename] += 1

    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(None)


def project_files(calls: Counter[str]) -> list[str]:
    found = set()
    for filename in calls:
        path = Path(filename).resolve()
        for base in PROJECT_DIRS:
            if path.is_relative_to(base):
                found.add(str(path.relative_to(ROOT)))
    return sorted(found)


def round_trip(api: ApiClient, title: str) -> None:
    from functions.backend import app as backend

    response = api.post("/api/changes", change_input(changeTitle=title, customers=["alpha"], status="submitted"))
    assert response.status in (200, 201), response.text
    change_id = response.json.get("changeId") or response.json["id"]
    event = sqs_event([trigger_body("alpha", change_id, bucket=tests.conftest.BUCKET)])
    assert backend.handler(event, LambdaContext()) == {"batchItemFailures": []}  # type: ignore[arg-type]


def main() -> None:
    from functions.api import app as api_app
    from moto import mock_aws

    from ccm.config import load_config, load_ses_config
    from ccm.provision import Provisioner

    config, ses_config = load_config(tests.conftest.CONFIG_PATH), load_ses_config(tests.conftest.SES_CONFIG_PATH)
    with mock_aws():
        Provisioner(config, ses_config, tests.conftest.BUCKET, tests.conftest.TABLE).run(with_ses=False)
        add_contact(customer_ses(config, ses_config, "alpha"), "approver@example.com", aws_approval="OPT_IN")
        api = ApiClient(api_app.handler)
        round_trip(api, "Warm-up")
        with traced_files() as calls:
            round_trip(api, "Traced")
        assert len(sent_in_account(config.customer("alpha").account_id)) == 2, "both approval requests were sent"
    files = project_files(calls)
    print(f"submit -> approval request email: {len(files)} project files with code on the path")
    for name in files:
        print(f"  {name}")


if __name__ == "__main__":
    main()
