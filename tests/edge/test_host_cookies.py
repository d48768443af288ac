"""``__Host-`` cookie names: set by the portal's host alone, one per name, the old names read for one release.

A cookie named ``__Host-...`` is kept by browsers only when it is ``Secure``, ``Path=/`` and has no ``Domain``, so a
sibling subdomain cannot plant one. A request with several values under one name was polluted: none counts.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest

from ccm.devidp.provider import DevIdentityProvider
from tests.edge.conftest import (
    CONTEXT,
    LogLines,
    cookie_pair,
    header,
    legacy_session_cookie,
    origin_event,
    post_acs,
    session_cookie,
    set_cookie_named,
    start_login,
    user,
    viewer_event,
)

ATTACKER = ("requester@example.com", ())
VICTIM = ("admin@example.com", ("ccm-admins",))


def forwarded(result: dict[str, Any]) -> bool:
    return "uri" in result and "status" not in result


def test_signing_in_sets_a_host_only_secure_session_cookie_for_the_whole_site(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    result = post_acs(saml_app, dev_idp.sign_in(user(dev_idp, "requester")))

    cookie = set_cookie_named(result, "__Host-SAML_SESSION")
    attributes = [part.strip() for part in cookie.split(";")[1:]]
    assert "Secure" in attributes and "Path=/" in attributes and "HttpOnly" in attributes
    assert not any(attribute.lower().startswith("domain") for attribute in attributes)
    assert not [value for value in header(result, "set-cookie") if value.startswith("SAML_SESSION=")]


@pytest.mark.parametrize("name", ["__Host-SAML_SESSION", "SAML_SESSION"])
def test_two_session_cookies_under_one_name_count_as_no_session(
    edge_app: ModuleType, edge_log: LogLines, name: str
) -> None:
    attacker = session_cookie(*ATTACKER).partition("=")[2]
    victim = session_cookie(*VICTIM).partition("=")[2]
    if name == "SAML_SESSION":
        attacker = legacy_session_cookie(*ATTACKER).partition("=")[2]
        victim = legacy_session_cookie(*VICTIM).partition("=")[2]

    result = edge_app.viewer_request(viewer_event(cookies=(f"{name}={attacker}; {name}={victim}",)), None)

    assert result["status"] == "302"
    assert header(result, "location")[0].startswith("/saml/login?next=")
    assert header(result, "x-user-email") == []
    (line,) = edge_log.containing("session not accepted: reason=ambiguous")
    assert f"2 {name} cookies" in line
    assert edge_log.records[-1].levelname == "WARNING"


def test_an_api_call_with_two_session_cookies_gets_401(edge_app: ModuleType) -> None:
    cookies = f"{session_cookie(*ATTACKER)}; {session_cookie(*VICTIM)}"

    result = edge_app.viewer_request(viewer_event("/api/changes", api=True, cookies=(cookies,)), None)

    assert result["status"] == "401"
    assert json.loads(result["body"])["reason"] == "ambiguous"


def test_a_session_under_the_old_name_is_still_read(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event(cookies=(legacy_session_cookie(*VICTIM),)), None)

    assert forwarded(result)
    assert header(result, "x-user-email") == ["admin@example.com"]


def test_a_cookie_planted_under_the_old_name_cannot_override_the_host_cookie(edge_app: ModuleType) -> None:
    cookies = f"{legacy_session_cookie(*ATTACKER)}; {session_cookie(*VICTIM)}"

    result = edge_app.viewer_request(viewer_event(cookies=(cookies,)), None)

    assert header(result, "x-user-email") == ["admin@example.com"]


def test_a_new_session_replanted_under_the_old_name_is_refused(edge_app: ModuleType, edge_log: LogLines) -> None:
    # An attacker signs in, then has a sibling subdomain set the value under the name it may still set.
    replanted = "SAML_SESSION=" + session_cookie(*ATTACKER).partition("=")[2]

    result = edge_app.viewer_request(viewer_event(cookies=(replanted,)), None)

    assert result["status"] == "302"
    assert edge_log.containing("session not accepted: reason=bad-signature")


def test_renewing_a_session_of_the_old_name_writes_only_the_new_name(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event(cookies=(legacy_session_cookie(*VICTIM, issued_ago=2000),)), None)

    assert result["status"] == "302"
    renewed = set_cookie_named(result, "__Host-SAML_SESSION")
    assert not [value for value in header(result, "set-cookie") if value.startswith("SAML_SESSION=v1")]
    follow_up = edge_app.viewer_request(viewer_event(cookies=(cookie_pair(renewed),)), None)
    assert header(follow_up, "x-user-email") == ["admin@example.com"]


def test_a_refused_session_is_cleared_under_both_names(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event(cookies=(session_cookie(issued_ago=4000),)), None)

    assert "Max-Age=0" in set_cookie_named(result, "__Host-SAML_SESSION")
    assert "Max-Age=0" in set_cookie_named(result, "SAML_SESSION")


def test_signing_out_ends_a_session_of_either_name(saml_app: ModuleType) -> None:
    event = origin_event("/saml/logout", cookies=(legacy_session_cookie(),))

    result = saml_app.saml_handler(event, CONTEXT)

    assert "Max-Age=0" in set_cookie_named(result, "__Host-SAML_SESSION")
    assert "Max-Age=0" in set_cookie_named(result, "SAML_SESSION")


def test_a_login_started_under_the_old_request_cookie_still_finishes_and_the_old_cookie_is_removed(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    login = start_login(saml_app, dev_idp)
    old_cookie = "SAML_REQUEST=" + login.cookie.partition("=")[2]

    result = post_acs(saml_app, dev_idp.sign_in(user(dev_idp, "requester"), login.request_id), "/", (old_cookie,))

    assert result["status"] == "302"
    removed = set_cookie_named(result, "SAML_REQUEST")
    assert "Max-Age=0" in removed and "Path=/saml/" in removed


def test_two_request_cookies_under_one_name_count_as_none(
    saml_app: ModuleType, dev_idp: DevIdentityProvider, edge_log: LogLines
) -> None:
    login = start_login(saml_app, dev_idp)
    other = start_login(saml_app, dev_idp)

    result = post_acs(
        saml_app, dev_idp.sign_in(user(dev_idp, "requester"), login.request_id), "/", (login.cookie, other.cookie)
    )

    assert result["status"] == "403"
    assert edge_log.containing("ignored 2 __Host-SAML_REQUEST cookies")
    assert edge_log.containing("reason=unknown-request")
