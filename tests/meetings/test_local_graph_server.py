"""The local Graph server the local stack starts: what it records, what it refuses, how it starts and stops."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from ccm.local.graph_server import GraphServer
from ccm.meetings.graph_setup import graph_session


def test_recorded_meetings_are_listed_over_https_for_the_outbox(graph_server: GraphServer) -> None:
    window = {"start": {"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"}}
    window["end"] = {"dateTime": "2030-01-07T11:00:00", "timeZone": "UTC"}
    event = graph_server.graph.add_event("organizer@example.com", {"subject": "Cut-over <b>", **window})

    with graph_server.session() as session:
        listed = session.get(f"{graph_server.url}/_local/meetings", timeout=5).json()["meetings"]
        join_page = session.get(f"{graph_server.url}/l/meetup-join/{event['id']}", timeout=5)

    assert [(m["subject"], m["status"], m["organizer"]) for m in listed] == [
        ("Cut-over <b>", "scheduled", "organizer@example.com")
    ]
    assert "Cut-over &lt;b&gt;" in join_page.text


def test_graph_calls_without_a_token_are_refused(graph_server: GraphServer) -> None:
    with graph_server.session() as session:
        response = session.get(f"{graph_server.graph_base_url}/users/organizer@example.com/events", timeout=5)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_the_server_keeps_its_certificate_across_restarts_and_stops_cleanly(tmp_path: Path) -> None:
    with GraphServer(cert_dir=tmp_path) as first:
        certificate = first.ca_bundle.read_bytes()
        environment = first.environment()
        url = first.url
    with GraphServer(cert_dir=tmp_path) as second:
        assert second.ca_bundle.read_bytes() == certificate

    assert environment == {
        "CCM_GRAPH_AUTHORITY_HOST": url,
        "CCM_GRAPH_BASE_URL": f"{url}/v1.0",
        "CCM_GRAPH_CA_BUNDLE": str(tmp_path / "local-tls-cert.pem"),
    }
    with graph_session(environment["CCM_GRAPH_CA_BUNDLE"]) as session, pytest.raises(requests.ConnectionError):
        session.get(f"{url}/_local/meetings", timeout=2)
