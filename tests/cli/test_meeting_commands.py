"""``ccm ses create-ics-invite`` and ``create-multi-customer-meeting-invite`` against moto and the local Graph."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from ccm.config import AppConfig, SesConfig
from ccm.domain.objects import AnyObject
from ccm.local.graph_server import GraphServer
from ccm.storage.repository import Repository
from tests.backend_support import add_contact, customer_ses, sent_in_account
from tests.cli.conftest import Ccm
from tests.conftest import CONFIG_PATH
from tests.factories import change_document, make_change
from tests.meeting_support import read_invitation

XRAY_ACCOUNT = "100000000024"


@pytest.fixture(scope="module")
def graph_server() -> Iterator[GraphServer]:
    with GraphServer() as server:
        yield server


@pytest.fixture
def graph(
    graph_server: GraphServer, repository: Repository, app_config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> GraphServer:
    graph_server.graph.reset()
    assert app_config.graph_config is not None
    graph_server.seed_parameters(app_config.graph_config, boto3.client("ssm"))
    for name, value in graph_server.environment().items():
        monkeypatch.setenv(name, value)
    return graph_server


def archived_change(repository: Repository, *customers: str, **keys: object) -> AnyObject:
    change = make_change(status="approved", customers=list(customers), include_meeting=True, **keys)
    return repository.create(change, "archive").obj


def subscribe(app_config: AppConfig, ses_config: SesConfig, code: str, *addresses: str) -> None:
    ses = customer_ses(app_config, ses_config, code)
    for address in addresses:
        add_contact(ses, address, aws_calendar="OPT_IN")


def test_an_ics_invitation_is_written_and_mailed_through_the_customers_ses_once(
    ccm: Ccm, repository: Repository, app_config: AppConfig, ses_config: SesConfig, tmp_path: Path
) -> None:
    subscribe(app_config, ses_config, "xray", "engineer@xray.example.com")
    change = archived_change(repository, "xray")
    target = tmp_path / "invite.ics"
    arguments = ("ses", "create-ics-invite", "--object-id", change.id, "-c", "xray", "-o", str(target))

    first = ccm.json(*arguments)
    again = ccm.json(*arguments)

    assert (first["recipients"], first["sent"], first["method"]) == (["engineer@xray.example.com"], 1, "REQUEST")
    assert (again["sent"], again["already_sent"]) == (0, 1)
    written = read_invitation(target.read_text())
    assert written.uid == first["uid"] == f"{change.id}-0@mail.example.com"
    assert written.attendees == ("engineer@xray.example.com",)
    (message,) = sent_in_account(XRAY_ACCOUNT)
    assert any(part.get_content_type() == "text/calendar" for part in message.walk())


def test_a_dry_run_mails_nobody_and_addresses_outside_the_allow_list_are_refused(
    ccm: Ccm, repository: Repository, app_config: AppConfig, ses_config: SesConfig, tmp_path: Path
) -> None:
    customer_ses(app_config, ses_config, "zulu")
    change = archived_change(repository, "zulu")

    report = ccm.json(
        "ses", "create-ics-invite", "--object-id", change.id, "-c", "zulu", "--dry-run",
        "--to", "sandbox-tester@example.com", "--to", "stranger@example.com", "-o", str(tmp_path / "z.ics"),
    )  # fmt: skip

    assert (report["recipients"], report["refused"]) == (["sandbox-tester@example.com"], ["stranger@example.com"])
    assert report["sent"] == 0
    assert sent_in_account("100000000026") == []
    assert "ATTENDEE" in (tmp_path / "z.ics").read_text()


def test_a_cancellation_can_be_written_from_a_json_file_alone(ccm: Ccm, repository: Repository, tmp_path: Path) -> None:
    document = tmp_path / "change.json"
    document.write_text(json.dumps(change_document(status="approved")))
    target = tmp_path / "cancel.ics"

    result = ccm("ses", "create-ics-invite", "--file", str(document), "--cancel", "-o", str(target))

    assert result.exit_code == 0, result.output
    written = read_invitation(target.read_text())
    assert (written.method, written.status) == ("CANCEL", "CANCELLED")


def test_the_multi_customer_meeting_is_created_once_with_every_customers_attendees_and_recorded(
    ccm: Ccm, graph: GraphServer, repository: Repository, app_config: AppConfig, ses_config: SesConfig
) -> None:
    subscribe(app_config, ses_config, "alpha", "engineer@alpha.example.com")
    subscribe(app_config, ses_config, "bravo", "engineer@bravo.example.com", "dba@bravo.example.com")
    change = archived_change(repository, "alpha", "bravo")

    preview = ccm.json("ses", "create-multi-customer-meeting-invite", "--object-id", change.id, "--dry-run")
    assert graph.graph.calls() == []
    created = ccm.json("ses", "create-multi-customer-meeting-invite", "--object-id", change.id)
    again = ccm.json("ses", "create-multi-customer-meeting-invite", "--object-id", change.id)

    assert sorted(preview["attendees"]) == [
        "dba@bravo.example.com",
        "engineer@alpha.example.com",
        "engineer@bravo.example.com",
    ]
    (meeting,) = graph.meetings()
    assert sorted(meeting["attendees"]) == sorted(preview["attendees"])
    assert (created["action"], created["meeting_id"], created["recorded"]) == ("created", meeting["id"], True)
    assert again["action"] == "up to date"
    assert len(graph.graph.calls("POST")) == 1
    stored = repository.get(change.id).obj
    assert stored.meeting_metadata is not None and stored.meeting_metadata.join_url == meeting["joinUrl"]


def test_without_graph_configuration_the_meeting_command_says_so(
    ccm: Ccm, repository: Repository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = json.loads(CONFIG_PATH.read_text())
    del config["graph_config"]
    (tmp_path / "config.json").write_text(json.dumps(config))
    monkeypatch.setenv("CCM_CONFIG", str(tmp_path / "config.json"))
    change = archived_change(repository, "alpha")

    result = ccm("ses", "create-multi-customer-meeting-invite", "--object-id", change.id)

    assert result.exit_code == 1
    assert "config.json has no graph_config" in result.stderr


def test_the_object_is_named_exactly_once(ccm: Ccm, repository: Repository, tmp_path: Path) -> None:
    result = ccm("ses", "create-ics-invite")

    assert result.exit_code == 1
    assert "give exactly one of --object-id or --file" in result.stderr
