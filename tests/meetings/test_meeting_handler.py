"""The backend Lambda handler as deployed: built from the environment, Graph found through CCM_GRAPH_* and SSM."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from functions.backend import app

from ccm.config import AppConfig, SesConfig
from ccm.local.graph_server import GraphServer
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.repository import Repository
from tests.backend_support import (
    LambdaContext,
    add_contact,
    bucket_and_table,
    customer_ses,
    sent_in_account,
    sqs_event,
    trigger_body,
)
from tests.conftest import BUCKET, TABLE
from tests.factories import make_change

CUSTOMERS = ["alpha", "bravo", "xray"]


@pytest.fixture
def deployed(
    aws: None, graph_server: GraphServer, app_config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Repository]:
    """What a cold start finds: the environment, the SSM secrets, nothing built yet."""
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    for name, value in graph_server.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(app, "_backend", None)
    monkeypatch.setattr(app, "_entry", None)
    assert app_config.graph_config is not None
    graph_server.seed_parameters(app_config.graph_config, boto3.client("ssm"))
    bucket_and_table()
    yield Repository(ArchiveStore(BUCKET), Catalog(TABLE))


def test_a_batch_of_three_customers_makes_one_meeting_and_reports_it(
    deployed: Repository,
    graph_server: GraphServer,
    app_config: AppConfig,
    ses_config: SesConfig,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for code in CUSTOMERS:
        ses = customer_ses(app_config, ses_config, code)
        add_contact(ses, f"engineer@{code}.example.com", aws_calendar="OPT_IN", aws_announce="OPT_OUT")
        add_contact(ses, f"reader@{code}.example.com", aws_announce="OPT_IN")
    change = make_change(
        status="approved", customers=CUSTOMERS, include_meeting=True, approvedBy="approver@example.com"
    )
    deployed.create(change, "archive")
    for code in CUSTOMERS:
        deployed.archive.put_trigger(code, change, "approved_announcement")
    event = sqs_event([trigger_body(code, change.id, bucket=BUCKET) for code in CUSTOMERS])

    assert app.handler(event, LambdaContext()) == {"batchItemFailures": []}  # type: ignore[arg-type]

    (meeting,) = graph_server.meetings()
    assert sorted(meeting["attendees"]) == ["engineer@alpha.example.com", "engineer@bravo.example.com"]
    emitted = next(json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line)
    metrics = {name: sum(emitted[name]) for name in ("MeetingsCreated", "MeetingsUpdated", "MeetingsCancelled")}
    assert metrics == {"MeetingsCreated": 1.0, "MeetingsUpdated": 0.0, "MeetingsCancelled": 0.0}
    for code in ("alpha", "bravo"):
        (approval,) = sent_in_account(app_config.customer(code).account_id)
        html = approval.get_body(("html",))
        assert html is not None and meeting["joinUrl"] in html.get_content()
    xray = sorted(sent_in_account(app_config.customer("xray").account_id), key=lambda mail: str(mail["To"]))
    assert [str(mail["To"]) for mail in xray] == ["engineer@xray.example.com", "reader@xray.example.com"]
    assert any(part.get_content_type() == "text/calendar" for part in xray[0].walk())
