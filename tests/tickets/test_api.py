"""The API with ServiceNow and Jira configured (the local stand-ins on the loopback interface): ticket numbers
checked on submit, each linked ticket's current state, and "Create in ServiceNow".

Kept out of tests/api, whose AWS calls the IAM check holds to the demo config.json's template (which names no
integration); tests/deployment/test_integration_permissions.py runs the API with the role rendered for integrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from functions.api import app as api_module

from ccm.integrations.checks import ApiTickets
from ccm.integrations.wiring import build_clients
from ccm.storage.repository import Repository
from ccm.workflow import Services
from tests.api.client import COLLEAGUE, ApiClient
from tests.api.conftest import Clock, clock, storage  # noqa: F401 (fixtures of the API tests)
from tests.api.helpers import change_input, submit_change
from tests.tickets.support import StandIns, config_at, put_credentials, stand_ins, write_config


@pytest.fixture
def tickets(aws: None, tmp_path: Path) -> Iterator[StandIns]:
    with stand_ins(tmp_path) as running:
        put_credentials()
        yield running


@pytest.fixture
def ticket_services(
    storage: Repository,  # noqa: F811
    tickets: StandIns,
    tmp_path: Path,
    clock: Clock,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Services:
    config = config_at(write_config(tmp_path, tickets.url))
    built = Services(storage, config, clock=clock, tickets=ApiTickets(build_clients(config.integrations)))
    monkeypatch.setattr(api_module, "_services", built)
    return built


@pytest.fixture
def api(ticket_services: Services) -> ApiClient:
    return ApiClient(api_module.handler)


def known_change(tickets: StandIns) -> str:
    tickets.records.change_requests.append(
        {"sys_id": "f" * 32, "number": "CHG0031234", "state": "-4", "short_description": "Known"}
    )
    return "CHG0031234"


def test_a_change_naming_tickets_that_exist_is_submitted(api: ApiClient, tickets: StandIns) -> None:
    document = submit_change(api, snowTicket=known_change(tickets), jiraTicket="OPS-101")

    assert [m["modification_type"] for m in document["modifications"]] == ["created", "submitted"]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"snowTicket": "CHG0000001", "jiraTicket": "OPS-101"}, "snowTicket", "ServiceNow has no change request"),
        ({"snowTicket": "", "jiraTicket": "OPS-999"}, "jiraTicket", "Jira has no issue OPS-999"),
        ({"snowTicket": "", "jiraTicket": "not a key"}, "jiraTicket", "is not a Jira issue key"),
    ],
)
def test_an_unknown_ticket_refuses_the_submit_naming_the_field(
    api: ApiClient, fields: dict[str, str], field: str, words: str
) -> None:
    response = api.post("/api/changes", change_input(**fields))

    assert response.status == 422
    problems = response.json["problems"]
    assert [problem["field"] for problem in problems] == [field]
    assert words in problems[0]["message"]


def test_with_both_systems_down_the_submit_succeeds_with_a_warning_in_the_history(
    api: ApiClient, tickets: StandIns
) -> None:
    tickets.servicenow.down = tickets.jira.down = True

    document = submit_change(api, snowTicket="CHG0000001", jiraTicket="OPS-999")

    warnings = [m for m in document["modifications"] if m["modification_type"] == "ticket_warning"]
    assert [w["detail"].split(":")[0] for w in warnings] == ["snowTicket", "jiraTicket"]
    assert all("503" in w["detail"] for w in warnings)


def test_a_draft_submitted_later_is_checked_too(api: ApiClient) -> None:
    draft = api.post("/api/drafts", change_input(snowTicket="CHG0000001", jiraTicket=""))
    assert draft.status in (200, 201), draft.text
    change_id = draft.json["object"]["changeId"]

    response = api.post(f"/api/changes/{change_id}/submit", {})

    assert response.status == 422 and response.json["problems"][0]["field"] == "snowTicket"


def test_the_tickets_route_shows_each_ticket_with_its_state_and_keeps_it_a_minute(
    api: ApiClient, tickets: StandIns
) -> None:
    number = known_change(tickets)
    change_id = submit_change(api, snowTicket=number, jiraTicket="OPS-101")["changeId"]

    answer = api.get(f"/api/changes/{change_id}/tickets").json
    shown = answer["tickets"]

    assert answer["canCreate"] is False  # it names a number already
    assert [(t["system"], t["ticket"], t["state"]) for t in shown] == [
        ("servicenow", number, "Assess"),
        ("jira", "OPS-101", "In Progress"),
    ]
    assert shown[0]["url"] == f"{tickets.url}/dev/servicenow/nav_to.do?uri=change_request.do?sys_id={'f' * 32}"
    assert shown[1]["url"] == f"{tickets.url}/dev/jira/browse/OPS-101"
    tickets.records.issues["OPS-101"]["status"] = "Done"
    assert api.get(f"/api/changes/{change_id}/tickets").json["tickets"][1]["state"] == "In Progress"


def test_an_unreachable_system_shows_the_link_without_a_state(api: ApiClient, tickets: StandIns) -> None:
    change_id = submit_change(api, snowTicket="", jiraTicket="OPS-102")["changeId"]
    tickets.jira.down = True

    shown = api.get(f"/api/changes/{change_id}/tickets").json["tickets"]

    assert shown == [
        {
            "system": "jira",
            "ticket": "OPS-102",
            "url": f"{tickets.url}/dev/jira/browse/OPS-102",
            "state": None,
            "problem": "Jira is unreachable: HTTP 503",
        }
    ]


def test_create_in_servicenow_links_a_new_change_request_once(api: ApiClient, tickets: StandIns) -> None:
    change_id = submit_change(api, snowTicket="", jiraTicket="")["changeId"]
    assert api.get(f"/api/changes/{change_id}/tickets").json == {"tickets": [], "canCreate": True}
    assert api.as_(COLLEAGUE).get(f"/api/changes/{change_id}/tickets").json["canCreate"] is False

    created = api.post(f"/api/changes/{change_id}/servicenow", {})
    again = api.post(f"/api/changes/{change_id}/servicenow", {})

    assert created.status == 200, created.text
    document = created.json["object"]
    assert document["snowTicket"] == "CHG0030001" and document["snowSysId"]
    assert document["modifications"][-1]["modification_type"] == "ticket_created"
    assert again.status == 422 and again.json["problems"][0]["field"] == "snowTicket"
    assert len(tickets.created()) == 1


def test_only_the_owner_may_create_the_change_request(api: ApiClient, tickets: StandIns) -> None:
    change_id = submit_change(api, snowTicket="", jiraTicket="")["changeId"]

    assert api.as_(COLLEAGUE).post(f"/api/changes/{change_id}/servicenow", {}).status == 403
    assert tickets.created() == []


def test_create_in_servicenow_while_it_is_down_is_a_503_that_changes_nothing(api: ApiClient, tickets: StandIns) -> None:
    change_id = submit_change(api, snowTicket="", jiraTicket="")["changeId"]
    tickets.servicenow.down = True

    response = api.post(f"/api/changes/{change_id}/servicenow", {})

    assert response.status == 503 and "ServiceNow is unreachable" in response.json["error"]
    assert api.get(f"/api/changes/{change_id}").json["snowTicket"] == ""


def test_a_client_cannot_point_the_change_at_another_change_request_s_sys_id(api: ApiClient) -> None:
    document = submit_change(api, snowTicket="", jiraTicket="", snowSysId="0" * 32)
    assert "snowSysId" not in document
