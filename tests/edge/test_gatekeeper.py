"""The viewer-request gatekeeper, fed real CloudFront viewer-request events through the handler."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest

from tests.edge.conftest import (
    PREVIOUS_KEY,
    RETIRED_KEY,
    LogLines,
    cookie_pair,
    header,
    session_cookie,
    set_cookie_named,
    viewer_event,
)


def forwarded(result: dict[str, Any]) -> bool:
    """A viewer-request handler forwards by returning the request (it has a uri), or answers with a status."""
    return "uri" in result and "status" not in result


def test_a_valid_session_reaches_the_origin_with_the_edges_identity_headers(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event(cookies=(session_cookie(),)), None)

    assert forwarded(result)
    assert header(result, "x-user-email") == ["approver@example.com"]
    assert header(result, "x-user-groups") == ["ccm-approvers"]
    assert header(result, "x-authenticated") == ["true"]
    assert result["uri"] == "/my-changes.html"


def test_groups_travel_comma_separated_without_spaces(edge_app: ModuleType) -> None:
    cookie = session_cookie("admin@example.com", ("ccm-admins", "ccm-approvers"))

    result = edge_app.viewer_request(viewer_event(cookies=(cookie,)), None)

    assert header(result, "x-user-groups") == ["ccm-admins,ccm-approvers"]


@pytest.mark.parametrize(
    "spoofed",
    [
        {"X-User-Email": "admin@example.com"},
        {"x-user-email": "admin@example.com", "X-User-Groups": "ccm-admins", "X-Authenticated": "true"},
        {"X-USER-EMAIL": "admin@example.com", "x-user-role": "admin", "X-Authenticated-User": "admin@example.com"},
    ],
)
def test_a_client_sent_identity_header_never_reaches_the_origin(
    edge_app: ModuleType, spoofed: dict[str, str], edge_log: LogLines
) -> None:
    result = edge_app.viewer_request(viewer_event(cookies=(session_cookie(),), headers=spoofed), None)

    names = {name.lower() for name in result["headers"]}
    assert header(result, "x-user-email") == ["approver@example.com"]
    assert header(result, "x-user-groups") == ["ccm-approvers"]
    assert not {"x-user-role", "x-authenticated-user"} & names
    assert all(entry["value"] != "admin@example.com" for values in result["headers"].values() for entry in values)
    assert edge_log.containing("removed client-sent identity headers")


@pytest.mark.parametrize(
    "name",
    [
        " X-User-Email",
        "X-User-Email ",
        "x_user_email",
        "X_USER_GROUPS",
        "x_authenticated",
        "X_Authenticated_User",
        "x-user_email",
        "\tx-user-role",
    ],
)
def test_identity_headers_spelled_as_a_lenient_parser_would_read_them_are_removed(
    edge_app: ModuleType, name: str, edge_log: LogLines
) -> None:
    result = edge_app.viewer_request(
        viewer_event(cookies=(session_cookie(),), headers={name: "admin@example.com"}), None
    )

    assert all(entry["value"] != "admin@example.com" for values in result["headers"].values() for entry in values)
    assert header(result, "x-user-email") == ["approver@example.com"]
    assert edge_log.containing("removed client-sent identity headers")


def test_a_header_whose_original_spelling_names_an_identity_header_is_removed(edge_app: ModuleType) -> None:
    event = viewer_event(cookies=(session_cookie(),))
    event["Records"][0]["cf"]["request"]["headers"]["x-harmless"] = [{"key": "X_User_Email", "value": "admin@x.com"}]

    result = edge_app.viewer_request(event, None)

    assert "x-harmless" not in result["headers"]


def test_spoofed_identity_headers_are_removed_even_on_the_way_to_the_sign_in_handler(edge_app: ModuleType) -> None:
    event = viewer_event("/saml/acs", method="POST", headers={"X-User-Email": "admin@example.com"})

    result = edge_app.viewer_request(event, None)

    assert forwarded(result)
    assert "x-user-email" not in result["headers"]


def test_a_browser_without_a_session_is_sent_to_sign_in_and_back_to_where_it_was(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event("/my-changes.html", "status=draft"), None)

    assert result["status"] == "302"
    assert header(result, "location") == ["/saml/login?next=%2Fmy-changes.html%3Fstatus%3Ddraft"]
    assert header(result, "cache-control") == ["no-store"]
    assert header(result, "set-cookie") == []


def test_an_api_call_without_a_session_gets_401_json_not_a_redirect(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event("/api/changes", api=True, method="POST"), None)

    assert result["status"] == "401"
    assert header(result, "content-type") == ["application/json; charset=utf-8"]
    body = json.loads(result["body"])
    assert body["error"] == "unauthenticated"
    assert body["login_url"] == "/saml/login"


def test_an_api_path_is_an_api_call_even_when_the_browser_asks_for_html(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event("/api/changes"), None)

    assert result["status"] == "401"


def test_the_api_docs_page_opened_without_a_session_is_sent_to_sign_in_and_back(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event("/api/docs"), None)

    assert result["status"] == "302"
    assert header(result, "location") == ["/saml/login?next=%2Fapi%2Fdocs"]


def test_the_api_docs_page_fetched_as_json_without_a_session_gets_401(edge_app: ModuleType) -> None:
    assert edge_app.viewer_request(viewer_event("/api/docs", api=True), None)["status"] == "401"


def test_a_legacy_api_alias_fetched_as_json_gets_401(edge_app: ModuleType) -> None:
    event = viewer_event("/changes", api=True, method="GET")

    assert edge_app.viewer_request(event, None)["status"] == "401"


def test_a_path_that_looks_like_another_site_never_becomes_an_open_redirect(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event("//evil.example.net/login"), None)

    assert header(result, "location") == ["/saml/login?next=%2F"]


def test_a_path_with_a_broken_bracketed_host_is_sent_home_after_sign_in(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event("//[evil.example.net/login"), None)

    assert header(result, "location") == ["/saml/login?next=%2F"]


@pytest.mark.parametrize(
    ("cookie", "reason"),
    [
        (session_cookie(issued_ago=4000), "expired"),
        (session_cookie(issued_ago=600, started_ago=13 * 3600), "absolute-limit"),
        (session_cookie(key=RETIRED_KEY), "unknown-key"),
        (session_cookie()[:-3] + "abc", "bad-signature"),
        ("__Host-SAML_SESSION=eyJlbWFpbCI6ImFkbWluQGV4YW1wbGUuY29tIn0", "malformed"),
    ],
    ids=["expired", "absolute-limit", "unknown-key", "tampered-signature", "unsigned-base64-json"],
)
def test_a_bad_session_cookie_is_refused_cleared_and_logged(
    edge_app: ModuleType, edge_log: LogLines, cookie: str, reason: str
) -> None:
    result = edge_app.viewer_request(viewer_event(cookies=(cookie,)), None)

    assert result["status"] == "302"
    assert header(result, "location")[0].startswith("/saml/login?next=")
    cleared = set_cookie_named(result, "__Host-SAML_SESSION")
    assert "Max-Age=0" in cleared
    assert edge_log.containing(f"session not accepted: reason={reason}")


def test_a_tampered_payload_is_refused(edge_app: ModuleType, edge_log: LogLines) -> None:
    genuine = session_cookie("requester@example.com", ())
    victim = session_cookie("admin@example.com", ("ccm-admins",))
    signature = genuine.rpartition(".")[2]
    forged = victim.rpartition(".")[0] + "." + signature

    result = edge_app.viewer_request(viewer_event(cookies=(forged,), api=True), None)

    assert result["status"] == "401"
    assert json.loads(result["body"])["reason"] == "bad-signature"
    assert edge_log.containing("reason=bad-signature")


def test_a_session_signed_with_the_previous_key_still_gets_in(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event(cookies=(session_cookie(key=PREVIOUS_KEY),)), None)

    assert forwarded(result)
    assert header(result, "x-user-email") == ["approver@example.com"]


def test_a_page_visit_past_half_the_session_renews_it_by_redirecting_to_the_same_url(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(
        viewer_event("/approvals.html", "customer=alpha", cookies=(session_cookie(issued_ago=2000),)), None
    )

    assert result["status"] == "302"
    assert header(result, "location") == ["/approvals.html?customer=alpha"]
    renewed = set_cookie_named(result, "__Host-SAML_SESSION")
    assert "Max-Age=3600" in renewed and "HttpOnly" in renewed and "SameSite=Lax" in renewed

    follow_up = edge_app.viewer_request(
        viewer_event("/approvals.html", "customer=alpha", cookies=(cookie_pair(renewed),)), None
    )
    assert forwarded(follow_up)
    assert header(follow_up, "x-user-email") == ["approver@example.com"]


def test_an_api_call_past_half_the_session_is_forwarded_unchanged(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(
        viewer_event("/api/changes", api=True, method="POST", cookies=(session_cookie(issued_ago=2000),)), None
    )

    assert forwarded(result)
    assert result["body"]["data"]
    assert header(result, "x-user-email") == ["approver@example.com"]


def test_a_page_visit_early_in_the_session_is_simply_forwarded(edge_app: ModuleType) -> None:
    assert forwarded(edge_app.viewer_request(viewer_event(cookies=(session_cookie(issued_ago=1000),)), None))


def test_near_the_twelve_hour_limit_the_session_is_not_renewed_beyond_it(edge_app: ModuleType) -> None:
    cookie = session_cookie(issued_ago=2000, started_ago=12 * 3600 - 1500, lifetime=2000 + 1500)

    result = edge_app.viewer_request(viewer_event(cookies=(cookie,)), None)

    assert forwarded(result)


def test_refresh_endpoint_renews_a_session_past_half_its_life(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(
        viewer_event("/saml/refresh", api=True, method="GET", cookies=(session_cookie(issued_ago=2000),)), None
    )

    assert result["status"] == "200"
    body = json.loads(result["body"])
    assert body["authenticated"] is True
    assert body["email"] == "approver@example.com"
    assert body["groups"] == ["ccm-approvers"]
    assert body["expires_at"] > body["session_ends_at"] - 12 * 3600 + 3600
    assert "Max-Age=3600" in set_cookie_named(result, "__Host-SAML_SESSION")


def test_refresh_endpoint_leaves_a_young_session_alone(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(
        viewer_event("/saml/refresh", api=True, method="GET", cookies=(session_cookie(),)), None
    )

    assert result["status"] == "200"
    assert header(result, "set-cookie") == []


def test_refresh_endpoint_without_a_session_answers_401(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event("/saml/refresh", api=True, method="GET"), None)

    assert result["status"] == "401"


def test_the_original_auth_check_path_still_answers(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(
        viewer_event("/auth-check", api=True, method="GET", cookies=(session_cookie(),)), None
    )

    assert json.loads(result["body"])["user"] == "approver@example.com"


def test_sign_in_paths_pass_through_without_a_session(edge_app: ModuleType) -> None:
    for uri in ("/saml/login", "/saml/metadata", "/saml/logout"):
        assert forwarded(edge_app.viewer_request(viewer_event(uri), None)), uri


def test_the_design_documents_handler_name_is_the_same_gatekeeper(edge_app: ModuleType) -> None:
    result = edge_app.handler(viewer_event(cookies=(session_cookie(),)), None)

    assert header(result, "x-user-email") == ["approver@example.com"]


def test_an_expired_session_is_logged_with_its_age(edge_app: ModuleType, edge_log: LogLines) -> None:
    edge_app.viewer_request(viewer_event(cookies=(session_cookie(issued_ago=4000),)), None)

    (line,) = edge_log.containing("reason=expired")
    assert "session age 400" in line  # 4000 or 4001 seconds, depending on when the clock ticks
