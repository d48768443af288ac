"""ccm's requests and its reading of answers, held to payloads recorded from the public documentation of the
ServiceNow Table API and the Jira Cloud REST API v3 (``payloads/``), and the local stand-ins held to the same shapes,
so that a test passing against a stand-in means something about the real systems."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ccm.integrations.credentials import JiraAuth, ServiceNowAuth
from ccm.integrations.http import Answer, Refused, Unreachable
from ccm.integrations.jira import JiraClient
from ccm.integrations.payloads import change_request_fields, jira_comment
from ccm.integrations.servicenow import FIELDS, ServiceNowClient
from ccm.integrations_config import JiraConfig, ServiceNowConfig
from ccm.local.http import HttpRequest
from ccm.local.ticket_systems import JiraStandIn, ServiceNowStandIn, TicketRecords, valid_adf
from tests.factories import make_change

PAYLOADS = Path(__file__).parent / "payloads"
BASE = "https://example.service-now.com"
JIRA = "https://example.atlassian.net"


def recorded(name: str) -> Any:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class Sent:
    method: str
    url: str
    headers: dict[str, str]
    params: dict[str, str]
    body: Any
    form: dict[str, str] | None


@dataclass
class RecordedHttp:
    """Answers with recorded payloads, in order; keeps what was sent."""

    answers: list[tuple[int, Any]]
    sent: list[Sent] = field(default_factory=list)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
        body: Any = None,
        form: Mapping[str, str] | None = None,
    ) -> Answer:
        self.sent.append(Sent(method, url, dict(headers), dict(params or {}), body, dict(form) if form else None))
        status, document = self.answers.pop(0)
        return Answer(status, 3, json.dumps(document))


class FixedSecrets:
    def value(self, name: str) -> str:
        return {"/u": "integration", "/p": "secret", "/id": "client", "/cs": "client-secret", "/t": "token"}[name]


def servicenow(http: RecordedHttp, **config: Any) -> ServiceNowClient:
    settings = ServiceNowConfig.model_validate(
        {"instance_url": BASE, "username_parameter": "/u", "password_parameter": "/p", **config}
    )
    return ServiceNowClient(settings, ServiceNowAuth(settings, FixedSecrets(), http), http)


def jira(http: RecordedHttp) -> JiraClient:
    settings = JiraConfig.model_validate({"base_url": JIRA, "email": "bot@example.com", "api_token_parameter": "/t"})
    return JiraClient(settings, JiraAuth(settings, FixedSecrets()), http)


# -- ServiceNow ------------------------------------------------------------------------------------------------


def test_a_number_is_looked_up_with_one_bounded_table_query_and_its_record_read() -> None:
    http = RecordedHttp([(200, recorded("servicenow_get_change_request_by_number"))])

    record = servicenow(http).find_number("CHG0030001")

    assert record is not None and (record.number, record.state_name) == ("CHG0030001", "Assess")
    assert record.sys_id == "c286d61347c12200e0ef563dbb9a71df"
    sent = http.sent[0]
    assert (sent.method, sent.url) == ("GET", f"{BASE}/api/now/table/change_request")
    assert sent.params["sysparm_query"] == "number=CHG0030001" and sent.params["sysparm_limit"] == "1"
    assert set(sent.params["sysparm_fields"].split(",")) <= set(recorded_record())
    assert sent.headers["Authorization"] == "Basic aW50ZWdyYXRpb246c2VjcmV0"


def recorded_record() -> dict[str, Any]:
    record: dict[str, Any] = recorded("servicenow_get_change_request_by_number")["result"][0]
    return record


def test_an_empty_result_means_no_such_change_request() -> None:
    http = RecordedHttp([(200, recorded("servicenow_get_change_request_none"))])
    assert servicenow(http).find_number("CHG0000001") is None


def test_the_created_change_request_uses_only_real_columns_in_the_api_s_formats() -> None:
    http = RecordedHttp([(201, recorded("servicenow_post_change_request"))])
    client = servicenow(http, assignment_group="287ebd7da9fe198100f92cc8d1d2154e")
    change = make_change(status="submitted", implementationStart="2030-01-07T10:00:00-05:00")

    created = client.create(change_request_fields(change, client.config, "https://portal.example.com/x"))

    assert (created.number, created.state) == ("CHG0030002", "-5")
    body = http.sent[0].body
    assert http.sent[0].method == "POST" and set(body) <= set(recorded("servicenow_post_change_request")["result"])
    for name in ("start_date", "end_date"):
        datetime.strptime(body[name], "%Y-%m-%d %H:%M:%S")  # the Table API's format, in UTC
    assert body["start_date"] == "2030-01-07 15:00:00"  # 10:00 in New York
    assert body["type"] == "normal" and body["correlation_id"] == change.id


def test_a_reference_field_read_back_as_link_and_value_is_taken_by_its_value() -> None:
    http = RecordedHttp([(200, {"result": [{**recorded_record(), "state": {"link": "x", "value": "-2"}}]})])
    record = servicenow(http).find_number("CHG0030001")
    assert record is not None and record.state == "-2"


@pytest.mark.parametrize(
    ("status", "payload", "error"),
    [(401, "servicenow_error_unauthenticated", Refused), (503, "servicenow_error_not_found", Unreachable)],
)
def test_errors_are_refusals_or_outages(status: int, payload: str, error: type[Exception]) -> None:
    http = RecordedHttp([(status, recorded(payload))])
    with pytest.raises(error):
        servicenow(http).find_number("CHG0030001")


def test_oauth_client_credentials_get_a_bearer_token_kept_until_it_nearly_expires() -> None:
    token = recorded("servicenow_oauth_token")
    lookups = [(200, recorded("servicenow_get_change_request_none"))] * 2
    http = RecordedHttp([(200, token), *lookups])
    client = servicenow(
        http, username_parameter=None, password_parameter=None, client_id_parameter="/id", client_secret_parameter="/cs"
    )

    client.find_number("CHG1")
    client.find_number("CHG2")

    assert [s.url for s in http.sent].count(f"{BASE}/oauth_token.do") == 1
    assert http.sent[0].form == {
        "grant_type": "client_credentials",
        "client_id": "client",
        "client_secret": "client-secret",
    }
    assert http.sent[1].headers["Authorization"] == f"Bearer {token['access_token']}"


# -- Jira ------------------------------------------------------------------------------------------------------


def test_an_issue_is_read_with_only_the_fields_used() -> None:
    http = RecordedHttp([(200, recorded("jira_get_issue"))])

    issue = jira(http).issue("OPS-42")

    assert issue is not None and (issue.key, issue.status) == ("OPS-42", "In Progress")
    assert http.sent[0].url == f"{JIRA}/rest/api/3/issue/OPS-42" and http.sent[0].params == {"fields": "summary,status"}


def test_an_unknown_issue_is_none() -> None:
    http = RecordedHttp([(404, recorded("jira_error_issue_not_found"))])
    assert jira(http).issue("OPS-9") is None


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and types, list items merged."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        merged: dict[str, Any] = {}
        for item in value:
            item_shape = shape(item)
            if not isinstance(item_shape, dict):
                return [item_shape]
            merged.update(item_shape)
        return [merged] if merged else []
    return type(value).__name__


def fits(ours: Any, theirs: Any, path: str = "$") -> Iterator[str]:
    """Where ``ours`` is not a part of ``theirs`` (a key they do not have, another type)."""
    if isinstance(ours, dict):
        if not isinstance(theirs, dict):
            yield f"{path}: an object where they have {theirs}"
            return
        for key, item in ours.items():
            if key not in theirs:
                yield f"{path}.{key}: not in the recorded payload"
            else:
                yield from fits(item, theirs[key], f"{path}.{key}")
    elif isinstance(ours, list):
        if not isinstance(theirs, list):
            yield f"{path}: a list where they have {theirs}"
        elif ours and theirs:
            yield from fits(ours[0], theirs[0], f"{path}[]")
    elif ours != theirs:
        yield f"{path}: {ours} where they have {theirs}"


def test_a_comment_is_an_adf_document_of_the_recorded_request_s_shape() -> None:
    http = RecordedHttp([(201, recorded("jira_add_comment_response"))])
    change = make_change(status="approved")
    body = jira_comment(change, "approved", "https://portal.example.com/edit-change.html?changeId=X")

    answer = jira(http).comment("OPS-42", body)

    assert answer.ok
    sent = http.sent[0]
    assert (sent.method, sent.url) == ("POST", f"{JIRA}/rest/api/3/issue/OPS-42/comment")
    assert list(fits(shape(sent.body), shape(recorded("jira_add_comment_request")))) == []
    assert valid_adf(sent.body["body"]) and valid_adf(recorded("jira_add_comment_request")["body"])


# -- the stand-ins answer as the documented APIs do -----------------------------------------------------------


def ask(app: ServiceNowStandIn | JiraStandIn, method: str, path: str, **options: Any) -> tuple[int, Any]:
    headers = tuple((options.get("headers") or {}).items())
    request = HttpRequest(
        method,
        path,
        options.get("query", ""),
        headers,
        json.dumps(options["body"]).encode() if "body" in options else b"",
    )
    response = app.answer(request, path)
    return response.status, json.loads(response.body)


SNOW_AUTH = {"Authorization": "Basic dTpw"}  # u:p
JIRA_AUTH = {"Authorization": "Basic ZTp0"}  # e:t


@pytest.fixture
def records() -> TicketRecords:
    return TicketRecords.open(None)


def test_the_servicenow_stand_in_answers_in_the_table_api_s_shapes(records: TicketRecords) -> None:
    snow = ServiceNowStandIn(records, lambda: ("u", "p"))
    body = change_request_fields(
        make_change(status="submitted"),
        ServiceNowConfig.model_validate(
            {"instance_url": BASE, "username_parameter": "/u", "password_parameter": "/p", "assignment_group": "g1"}
        ),
        "https://portal.example.com/x",
    )

    status, created = ask(snow, "POST", "/api/now/table/change_request", headers=SNOW_AUTH, body=body)
    assert status == 201
    assert list(fits(shape(created), shape(recorded("servicenow_post_change_request")))) == []
    number = created["result"]["number"]
    status, found = ask(
        snow, "GET", "/api/now/table/change_request", headers=SNOW_AUTH, query=f"sysparm_query=number%3D{number}"
    )
    assert status == 200
    assert list(fits(shape(found), shape(recorded("servicenow_get_change_request_by_number")))) == []
    status, patched = ask(
        snow,
        "PATCH",
        f"/api/now/table/change_request/{created['result']['sys_id']}",
        headers=SNOW_AUTH,
        body={"state": "3", "close_code": "successful"},
        query=f"sysparm_fields={FIELDS}",  # as ccm asks: only the fields it reads
    )
    assert status == 200
    assert list(fits(shape(patched), shape(recorded("servicenow_patch_change_request")))) == []
    for answer, payload in (
        (ask(snow, "GET", "/api/now/table/change_request/nope", headers=SNOW_AUTH), "servicenow_error_not_found"),
        (ask(snow, "GET", "/api/now/table/change_request"), "servicenow_error_unauthenticated"),
    ):
        assert answer[1] == recorded(payload)


def test_the_jira_stand_in_answers_in_the_rest_api_s_shapes(records: TicketRecords) -> None:
    stand_in = JiraStandIn(records, JIRA, lambda: ("e", "t"))

    status, issue = ask(stand_in, "GET", "/rest/api/3/issue/OPS-101", headers=JIRA_AUTH)
    assert status == 200 and list(fits(shape(issue), shape(recorded("jira_get_issue")))) == []
    status, comment = ask(
        stand_in,
        "POST",
        "/rest/api/3/issue/OPS-101/comment",
        headers=JIRA_AUTH,
        body=recorded("jira_add_comment_request"),
    )
    assert status == 201 and list(fits(shape(comment), shape(recorded("jira_add_comment_response")))) == []
    assert ask(stand_in, "GET", "/rest/api/3/issue/NOPE-1", headers=JIRA_AUTH) == (
        404,
        recorded("jira_error_issue_not_found"),
    )
    status, me = ask(stand_in, "GET", "/rest/api/3/myself", headers=JIRA_AUTH)
    assert status == 200 and list(fits(shape(me), shape(recorded("jira_myself")))) == []
    bad = {"body": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text"}]}]}}
    assert ask(stand_in, "POST", "/rest/api/3/issue/OPS-101/comment", headers=JIRA_AUTH, body=bad)[0] == 400


def test_the_recorded_times_parse_as_documented() -> None:
    datetime.strptime(recorded("jira_add_comment_response")["created"], "%Y-%m-%dT%H:%M:%S.%f%z")
    start = datetime.strptime(recorded_record()["start_date"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert start.year == 2030
