"""The Graph adapter's real msal and requests code against the local HTTPS token and Graph endpoints."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import boto3
import pytest
import requests

from ccm.config import AppConfig
from ccm.local.graph_server import GraphServer
from ccm.meetings.graph import KEY_PROPERTY_ID, MAX_ATTEMPTS, GraphMeetings, transaction_id
from ccm.meetings.graph_setup import GraphNotConfigured, GraphSettings, build_graph_meetings, graph_session
from ccm.meetings.port import MeetingError, MeetingGone, MeetingRequest
from tests.meeting_support import local_graph

START = datetime(2030, 1, 7, 15, 0, tzinfo=UTC)


def request(key: str = "CHG-1#0", **changes: object) -> MeetingRequest:
    fields: dict[str, object] = {
        "key": key,
        "subject": "Change Implementation: Rotate certificates",
        "body_html": "<p>Rotate &amp; check</p>",
        "start": START,
        "end": START + timedelta(hours=2),
        "timezone": "America/New_York",
        "location": "Bridge line",
        "attendees": ("ops@example.com", "dba@example.com"),
    }
    fields.update(changes)
    return MeetingRequest(**fields)  # type: ignore[arg-type]


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def graph(aws: None, graph_server: GraphServer, app_config: AppConfig, sleeps: list[float]) -> GraphMeetings:
    return local_graph(graph_server, app_config, sleeps)


def test_a_meeting_is_created_in_the_organizers_calendar_with_the_key_and_wall_clock_times(
    graph: GraphMeetings, graph_server: GraphServer
) -> None:
    meeting = graph.create(request())

    (event,) = graph_server.meetings()
    assert meeting.meeting_id == event["id"]
    assert meeting.ical_uid == event["iCalUId"]
    assert meeting.join_url == event["joinUrl"] and meeting.join_url.startswith(graph_server.url)
    assert meeting.organizer == "change-calendar@example.com"
    assert (event["start"], event["end"], event["timeZone"]) == (
        "2030-01-07T10:00:00.0000000",
        "2030-01-07T12:00:00.0000000",
        "America/New_York",
    )
    assert event["attendees"] == ["ops@example.com", "dba@example.com"]
    assert event["key"] == "CHG-1#0"
    (post,) = graph_server.graph.calls("POST")
    assert post.path == "/v1.0/users/change-calendar@example.com/events"


def test_the_secrets_come_from_ssm_and_one_token_serves_every_call(
    graph: GraphMeetings, graph_server: GraphServer
) -> None:
    tokens_before = graph_server.graph.tokens_issued
    meeting = graph.create(request())
    graph.update(meeting.meeting_id, request(subject="Moved"))
    graph.find("CHG-1#0")

    assert graph_server.graph.tokens_issued - tokens_before <= 1


def test_a_meeting_is_found_again_by_its_key_and_not_by_another(graph: GraphMeetings) -> None:
    created = graph.create(request("CHG-1#0"))
    graph.create(request("CHG-2#0"))

    assert graph.find("CHG-1#0") == created
    assert graph.find("CHG-3#0") is None


def test_a_key_with_quotes_is_escaped_in_the_filter(graph: GraphMeetings) -> None:
    created = graph.create(request("O'Brien#0"))

    assert graph.find("O'Brien#0") == created


def test_finding_pages_through_every_result_and_prefers_the_oldest_live_meeting(
    graph: GraphMeetings, graph_server: GraphServer
) -> None:
    graph_server.graph.page_size = 1
    organizer = "change-calendar@example.com"
    properties = [{"id": KEY_PROPERTY_ID, "value": "CHG-9#0"}]
    window = {"start": {"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"}}
    window["end"] = {"dateTime": "2030-01-07T11:00:00", "timeZone": "UTC"}
    for number in range(2):
        graph_server.graph.add_event(
            organizer,
            {"subject": f"cancelled {number}", **window, "singleValueExtendedProperties": properties},
            cancelled=True,
        )
    oldest_live = graph_server.graph.add_event(
        organizer, {"subject": "live", **window, "singleValueExtendedProperties": properties}
    )
    graph_server.graph.add_event(organizer, {"subject": "newer", **window, "singleValueExtendedProperties": properties})

    found = graph.find("CHG-9#0")

    assert found is not None and found.meeting_id == oldest_live["id"]
    assert len(graph_server.graph.calls("GET")) == 4


def test_a_create_sent_twice_with_the_same_key_leaves_one_event(
    graph: GraphMeetings, graph_server: GraphServer
) -> None:
    first = graph.create(request())
    second = graph.create(request())

    assert first == second
    assert len(graph_server.meetings()) == 1
    assert transaction_id("CHG-1#0") == transaction_id("CHG-1#0") != transaction_id("CHG-1#1")


def test_graph_429_then_success_is_retried_after_the_given_delay(
    graph: GraphMeetings, graph_server: GraphServer, sleeps: list[float]
) -> None:
    graph_server.graph.inject(429, retry_after=7, method="POST")

    graph.create(request())

    assert sleeps == [7.0]
    assert [call.status for call in graph_server.graph.calls("POST")] == [429, 201]
    assert len(graph_server.meetings()) == 1


def test_graph_503_with_a_date_in_retry_after_waits_until_then(
    graph: GraphMeetings, graph_server: GraphServer, sleeps: list[float]
) -> None:
    meeting = graph.create(request())
    later = datetime.now(UTC) + timedelta(seconds=30)
    graph_server.graph.inject(503, retry_after=format_datetime(later, usegmt=True), method="PATCH")

    graph.update(meeting.meeting_id, request(subject="Moved"))

    (waited,) = sleeps
    assert 25 <= waited <= 31


def test_throttling_without_retry_after_backs_off_and_gives_up_after_the_last_attempt(
    graph: GraphMeetings, graph_server: GraphServer, sleeps: list[float]
) -> None:
    graph_server.graph.inject(429, method="GET", times=MAX_ATTEMPTS)

    with pytest.raises(MeetingError, match="answered 429") as raised:
        graph.find("CHG-1#0")

    assert raised.value.retryable
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_a_wait_longer_than_the_queue_should_bear_is_left_to_the_queue(
    graph: GraphMeetings, graph_server: GraphServer, sleeps: list[float]
) -> None:
    graph_server.graph.inject(429, retry_after=3600, method="POST")

    with pytest.raises(MeetingError, match="asks to wait 3600 s"):
        graph.create(request())

    assert sleeps == []
    assert graph_server.meetings() == []


def test_an_update_changes_the_event_and_a_cancel_removes_it_once(
    graph: GraphMeetings, graph_server: GraphServer
) -> None:
    meeting = graph.create(request())

    graph.update(meeting.meeting_id, request(start=START + timedelta(days=1), end=START + timedelta(days=1, hours=1)))
    assert graph.cancel(meeting.meeting_id, "no longer needed") is True
    assert graph.cancel(meeting.meeting_id, "no longer needed") is False

    (event,) = graph_server.meetings()
    assert (event["start"], event["status"], event["updates"]) == ("2030-01-08T10:00:00.0000000", "cancelled", 1)
    assert [action.action for action in graph_server.actions()] == ["created", "updated", "cancelled"]
    assert graph.find("CHG-1#0") is None


def test_updating_a_meeting_deleted_in_the_calendar_says_it_is_gone(graph: GraphMeetings) -> None:
    meeting = graph.create(request())
    graph.cancel(meeting.meeting_id, "gone")

    with pytest.raises(MeetingGone):
        graph.update(meeting.meeting_id, request())


def test_a_wrong_client_secret_is_a_clear_error_that_retrying_cannot_fix(
    aws: None, graph_server: GraphServer, app_config: AppConfig
) -> None:
    assert app_config.graph_config is not None
    ssm = boto3.client("ssm")
    graph_server.seed_parameters(app_config.graph_config, ssm)
    ssm.put_parameter(Name=app_config.graph_config.client_secret_parameter, Value="wrong", Overwrite=True)
    graph = build_graph_meetings(
        app_config, environ=graph_server.environment(), session=graph_server.session(), ssm=ssm
    )
    assert graph is not None

    with pytest.raises(MeetingError, match="invalid_client") as raised:
        graph.create(request())

    assert not raised.value.retryable
    assert graph_server.meetings() == []


def test_missing_ssm_parameters_are_named(aws: None, graph_server: GraphServer, app_config: AppConfig) -> None:
    graph = build_graph_meetings(
        app_config, environ=graph_server.environment(), session=graph_server.session(), ssm=boto3.client("ssm")
    )
    assert graph is not None

    with pytest.raises(
        GraphNotConfigured, match="/ccm/graph/client-id, /ccm/graph/client-secret, /ccm/graph/tenant-id"
    ):
        graph.create(request())


def test_the_local_certificate_is_trusted_even_where_requests_ca_bundle_says_otherwise(
    graph_server: GraphServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ssl.get_default_verify_paths().openssl_cafile)

    trusting = graph_session(str(graph_server.ca_bundle))
    plain = requests.Session()
    try:
        assert trusting.get(f"{graph_server.url}/_local/meetings", timeout=5).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            plain.get(f"{graph_server.url}/_local/meetings", timeout=5)
    finally:
        trusting.close()
        plain.close()


def test_graph_settings_come_from_config_and_the_environment_overrides_them(app_config: AppConfig) -> None:
    from_config = GraphSettings.resolve(app_config, {})
    overridden = GraphSettings.resolve(
        app_config, {"CCM_GRAPH_BASE_URL": "https://127.0.0.1:9443/v1.0/", "CCM_GRAPH_CA_BUNDLE": "/tmp/ca.pem"}
    )

    assert from_config is not None and overridden is not None
    assert (from_config.graph_base_url, from_config.scope) == (
        "https://graph.microsoft.com/v1.0",
        "https://graph.microsoft.com/.default",
    )
    assert (overridden.graph_base_url, overridden.scope, overridden.ca_bundle) == (
        "https://127.0.0.1:9443/v1.0",
        "https://127.0.0.1:9443/.default",
        "/tmp/ca.pem",
    )
    with pytest.raises(GraphNotConfigured, match="must be an https:// URL"):
        GraphSettings.resolve(app_config, {"CCM_GRAPH_AUTHORITY_HOST": "http://127.0.0.1:9443"})
    no_graph = app_config.model_copy(update={"graph_config": None})
    assert GraphSettings.resolve(no_graph, {}) is None
    assert build_graph_meetings(no_graph, environ={}) is None
