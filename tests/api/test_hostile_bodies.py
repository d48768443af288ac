"""Bodies no client of ours sends: each is the client's error (4xx with a sentence), logged as a refusal, never a
500 nor an ``ApiErrors`` data point, and nothing of it is stored."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from functions.api import app as api_module

from ccm.workflow import Services
from tests.api.client import ApiClient, function_url_event, lambda_context
from tests.api.conftest import Calls
from tests.api.helpers import announcement_input, change_input
from tests.conftest import BUCKET

WRITING_ROUTES = ("/api/changes", "/api/drafts", "/api/upload", "/api/announcements")


def with_field(body: dict[str, Any], key: str, raw_value: str) -> str:
    """``body`` as JSON text with one more key whose value is ``raw_value`` written as it is (not JSON-encoded)."""
    return json.dumps(body)[:-1] + f', "{key}": {raw_value}}}'


def body_for(route: str) -> dict[str, Any]:
    return announcement_input() if route.endswith("announcements") else change_input()


HOSTILE = {
    "a 5,000-digit integer": lambda body: with_field(body, "meetingDuration", "9" * 5000),
    "100,000 nested arrays": lambda body: "[" * 100_000 + "]" * 100_000,
    "900 nested objects in one field": lambda body: with_field(body, "notes", '{"a":' * 900 + "1" + "}" * 900),
}


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    written = io.StringIO()
    for handler in logging.getLogger("ccm").handlers:
        if isinstance(handler, logging.StreamHandler):
            monkeypatch.setattr(handler, "stream", written)
    yield written


def stored_keys() -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def refusals(written: io.StringIO) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in written.getvalue().splitlines() if line.startswith("{")]
    return [record for record in records if "refused the body" in str(record.get("message"))]


def send(raw: str, route: str, *, base64: bool = False) -> dict[str, Any]:
    event = function_url_event("POST", route, raw_body=raw)
    if base64:
        event["isBase64Encoded"] = True
    return api_module.handler(event, lambda_context())


@pytest.mark.parametrize("route", WRITING_ROUTES)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_body_too_deep_or_with_a_number_of_thousands_of_digits_is_a_400_refusal(
    services: Services, log_lines: io.StringIO, capsys: pytest.CaptureFixture[str], case: str, route: str
) -> None:
    before = stored_keys()

    response = send(HOSTILE[case](body_for(route)), route)

    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"].startswith("the body ")
    assert stored_keys() == before
    (refusal,) = refusals(log_lines)
    assert refusal["level"] == "WARNING"
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert metrics[-1]["ApiErrors"] == [0.0]


def test_a_body_marked_base64_that_is_not_is_a_400_refusal(services: Services, log_lines: io.StringIO) -> None:
    response = send("!!! not base64 !!!", "/api/changes", base64=True)

    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {
        "error": "the body is marked base64-encoded but is not base64-encoded UTF-8 text"
    }
    assert len(refusals(log_lines)) == 1


def test_a_body_over_256_kb_is_a_413_naming_the_limit_and_nothing_is_stored(services: Services) -> None:
    before = stored_keys()

    response = send(json.dumps(change_input(changeReason="x" * 300_000)), "/api/changes")

    assert response["statusCode"] == 413
    assert "at most 262144 bytes (256 KB)" in json.loads(response["body"])["error"]
    assert stored_keys() == before


def test_a_refused_body_of_a_caller_without_identity_is_a_401_first(services: Services) -> None:
    event = function_url_event("POST", "/api/changes", identity=None, raw_body="[" * 1000 + "]" * 1000)

    assert api_module.handler(event, lambda_context())["statusCode"] == 401


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
@pytest.mark.parametrize("route", WRITING_ROUTES)
def test_numbers_json_does_not_have_are_422_not_silently_normalised(
    services: Services, number: str, route: str
) -> None:
    before = stored_keys()

    response = send(with_field(body_for(route), "meeting_duration", number), route)

    assert response["statusCode"] == 422
    (problem,) = json.loads(response["body"])["problems"]
    assert problem["field"] == "body" and number.lstrip("-") in problem["message"]
    assert stored_keys() == before


def test_unknown_keys_are_refused_naming_them_and_nothing_is_written(api: ApiClient, aws_calls: Calls) -> None:
    aws_calls.reset()

    response = api.post("/api/changes", change_input(blob="x" * 1000, mood="happy"))

    assert response.status == 422
    assert "unknown key(s): blob, mood" in response.json["details"]
    assert aws_calls.writes == {}
    assert api.post("/api/drafts", change_input(blob="x")).status == 422
    assert api.post("/api/upload", announcement_input(blob="x")).status == 422
    assert api.post("/api/announcements", announcement_input(blob="x")).status == 422


def test_the_documented_echo_keys_are_kept_and_the_servers_own_keys_ignored(api: ApiClient) -> None:
    echoes = {
        "implementationBeginDate": "2030-01-07",
        "implementationBeginTime": "10:00",
        "implementationEndDate": "2030-01-07",
        "implementationEndTime": "12:00",
    }
    response = api.post("/api/changes", change_input(**echoes, version=99, approvedBy="mallory@example.com"))

    assert response.status == 201
    stored = response.json["object"]
    assert {key: stored[key] for key in echoes} == echoes
    assert stored["version"] == 1 and "approvedBy" not in stored


def test_an_echo_key_is_a_short_text_at_most(api: ApiClient) -> None:
    response = api.post("/api/changes", change_input(implementationBeginDate="x" * 301))

    assert response.status == 422
    assert "implementationBeginDate must be a text of at most 300 characters" in response.json["details"]


@pytest.mark.parametrize(
    ("field", "limit"),
    [("changeTitle", 300), ("changeReason", 50_000), ("attendees", 50_000), ("snowTicket", 300)],
)
def test_every_text_field_has_a_limit(api: ApiClient, aws_calls: Calls, field: str, limit: int) -> None:
    assert api.post("/api/changes", change_input(**{field: "y" * limit})).status == 201
    aws_calls.reset()

    response = api.post("/api/changes", change_input(**{field: "y" * (limit + 1)}))

    assert response.status == 422
    assert [problem["field"] for problem in response.json["problems"]] == [field]
    assert aws_calls.writes == {}
