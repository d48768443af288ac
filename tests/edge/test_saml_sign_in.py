"""Signing in, out and describing the service provider through ``saml_handler`` (CloudFront origin-request)."""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from lxml import etree

from ccm.devidp.assertions import encode, signed_response
from ccm.devidp.provider import DevIdentityProvider
from ccm.edge.config_builder import write_edge_config
from ccm.edge.edge_config import EdgeConfig
from tests.conftest import TABLE
from tests.edge.conftest import (
    CONTEXT,
    LogLines,
    cookie_pair,
    header,
    location_query,
    make_edge_config,
    origin_event,
    post_acs,
    session_cookie,
    set_cookie_named,
    start_login,
    user,
    viewer_event,
)


def session_of(result: dict[str, Any]) -> str:
    return cookie_pair(set_cookie_named(result, "__Host-SAML_SESSION"))


def test_a_user_signs_in_from_a_protected_page_and_comes_back_to_it(
    saml_app: ModuleType, dev_idp: DevIdentityProvider, edge_log: LogLines
) -> None:
    # Given a browser sent to sign in by the gatekeeper
    bounced = saml_app.viewer_request(viewer_event("/my-changes.html", "status=draft"), None)
    next_path = parse_qs(urlsplit(header(bounced, "location")[0]).query)["next"][0]
    # When it starts the login, signs in at the identity provider and posts the response back
    login = start_login(saml_app, dev_idp, next_path)
    saml_response = dev_idp.sign_in(user(dev_idp, "approver"), login.request_id)
    result = post_acs(saml_app, saml_response, login.relay_state, cookies=(login.cookie,))
    # Then it lands on the page it wanted, with a session the gatekeeper accepts
    assert result["status"] == "302"
    assert header(result, "location") == ["/my-changes.html?status=draft"]
    assert "Max-Age=0" in set_cookie_named(result, "__Host-SAML_REQUEST")
    forwarded = saml_app.viewer_request(
        viewer_event("/my-changes.html", "status=draft", cookies=(session_of(result),)), None
    )
    assert header(forwarded, "x-user-email") == ["approver@example.com"]
    assert header(forwarded, "x-user-groups") == ["ccm-approvers"]
    assert edge_log.containing("signed in email=approver@example.com groups=ccm-approvers")


def test_login_sends_an_unsigned_authn_request_to_the_configured_sso_url(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    login = start_login(saml_app, dev_idp, "/approvals.html")

    location = header(login.response, "location")[0]
    assert location.startswith(dev_idp.sso_url + "?SAMLRequest=")
    assert login.relay_state == "/approvals.html"
    request_cookie = set_cookie_named(login.response, "__Host-SAML_REQUEST")
    # __Host-: Secure, Path=/ and no Domain, or browsers refuse it; SameSite=None lets the IdP's POST carry it.
    assert "; Path=/;" in request_cookie and "SameSite=None" in request_cookie and "Secure" in request_cookie
    assert "Domain" not in request_cookie
    assert "HttpOnly" in request_cookie and "Max-Age=600" in request_cookie


def test_two_logins_started_in_two_tabs_can_both_finish(saml_app: ModuleType, dev_idp: DevIdentityProvider) -> None:
    first = start_login(saml_app, dev_idp, "/a.html")
    second_response = saml_app.saml_handler(
        origin_event("/saml/login", querystring="next=%2Fb.html", cookies=(first.cookie,)), CONTEXT
    )
    both = cookie_pair(set_cookie_named(second_response, "__Host-SAML_REQUEST"))

    result = post_acs(saml_app, dev_idp.sign_in(user(dev_idp, "requester"), first.request_id), "/a.html", (both,))

    assert header(result, "location") == ["/a.html"]


def test_an_identity_provider_initiated_sign_in_lands_on_the_home_page(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    result = post_acs(saml_app, dev_idp.sign_in(user(dev_idp, "admin")), relay_state=None)

    assert header(result, "location") == ["/"]
    forwarded = saml_app.viewer_request(viewer_event(cookies=(session_of(result),)), None)
    assert header(forwarded, "x-user-groups") == ["ccm-admins"]


def test_a_relay_state_naming_this_site_in_full_is_reduced_to_its_path(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    result = post_acs(saml_app, dev_idp.sign_in(user(dev_idp, "requester")), "https://ccm.example.com/search.html?q=db")

    assert header(result, "location") == ["/search.html?q=db"]


def test_a_response_signed_twice_over_response_and_assertion_is_accepted(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    spec = dev_idp.response_spec(user(dev_idp, "requester"))
    both = signed_response(spec, dev_idp.material, sign_assertion=True, sign_response=True)

    assert post_acs(saml_app, encode(both))["status"] == "302"


def test_the_email_is_lower_cased_and_only_the_configured_groups_are_kept(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    spec = dev_idp.response_spec(user(dev_idp, "admin"))
    spec.name_id = "Admin@Example.COM"
    spec.attributes = {"groups": ["ccm-admins", "everyone", "ccm-approvers", "bad,group"]}

    result = post_acs(saml_app, encode(signed_response(spec, dev_idp.material)))

    forwarded = saml_app.viewer_request(viewer_event(cookies=(session_of(result),)), None)
    assert header(forwarded, "x-user-email") == ["admin@example.com"]
    assert header(forwarded, "x-user-groups") == ["ccm-admins,ccm-approvers"]


def test_the_email_can_come_from_an_attribute_instead_of_the_name_id(
    replay_table: str, edge_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    edge_app.use_config(make_edge_config(dev_idp, email_attribute="email", all_groups=True))
    spec = dev_idp.response_spec(user(dev_idp, "requester"))
    spec.name_id = "a1b2c3-persistent-id"
    spec.attributes = {"email": ["Requester@example.com"], "groups": ["readers", "writers"]}

    result = post_acs(edge_app, encode(signed_response(spec, dev_idp.material)))

    forwarded = edge_app.viewer_request(viewer_event(cookies=(session_of(result),)), None)
    assert header(forwarded, "x-user-email") == ["requester@example.com"]
    assert header(forwarded, "x-user-groups") == ["readers,writers"]


def test_the_assertion_id_is_kept_in_the_table_until_the_assertion_expires(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    spec = dev_idp.response_spec(user(dev_idp, "requester"))

    post_acs(saml_app, encode(signed_response(spec, dev_idp.material)))

    item = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=TABLE, Key={"pk": {"S": f"SAML#{spec.assertion_id}"}, "sk": {"S": "REPLAY"}}
    )["Item"]
    expires_at = int(item["expires_at"]["N"])
    assert spec.valid_until.timestamp() <= expires_at <= spec.valid_until.timestamp() + 300


def test_without_the_replay_table_sign_in_waits_instead_of_skipping_the_check(
    aws: None, edge_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    result = post_acs(edge_app, dev_idp.sign_in(user(dev_idp, "requester")))

    assert result["status"] == "503"
    assert header(result, "set-cookie") == []
    assert header(result, "retry-after") == ["30"]


def test_only_logins_started_by_the_service_provider_when_so_configured(
    replay_table: str, edge_app: ModuleType, dev_idp: DevIdentityProvider, edge_log: LogLines
) -> None:
    edge_app.use_config(make_edge_config(dev_idp, allow_idp_initiated=False))

    unsolicited = post_acs(edge_app, dev_idp.sign_in(user(dev_idp, "requester")))
    login = start_login(edge_app, dev_idp)
    solicited = post_acs(edge_app, dev_idp.sign_in(user(dev_idp, "requester"), login.request_id), "/", (login.cookie,))

    assert unsolicited["status"] == "403"
    assert edge_log.containing("reason=unsolicited")
    assert solicited["status"] == "302"


def test_a_user_outside_the_allowed_domains_is_told_so(saml_app: ModuleType, dev_idp: DevIdentityProvider) -> None:
    spec = dev_idp.response_spec(user(dev_idp, "requester"))
    spec.name_id = "contractor@partner.example.org"

    result = post_acs(saml_app, encode(signed_response(spec, dev_idp.material)))

    assert result["status"] == "403"
    assert "contractor@partner.example.org is not in an allowed email domain" in result["body"]


@pytest.mark.parametrize(
    ("method", "uri", "status"),
    [("GET", "/saml/acs", "405"), ("POST", "/saml/login", "405"), ("GET", "/saml/unknown", "404")],
)
def test_wrong_methods_and_unknown_paths_are_answered_plainly(
    saml_app: ModuleType, method: str, uri: str, status: str
) -> None:
    assert saml_app.saml_handler(origin_event(uri, method=method), CONTEXT)["status"] == status


def test_a_post_without_a_saml_response_is_a_bad_request(saml_app: ModuleType, edge_log: LogLines) -> None:
    result = saml_app.saml_handler(origin_event("/saml/acs", method="POST", form={"RelayState": "/"}), CONTEXT)

    assert result["status"] == "400"
    assert edge_log.containing("reason=missing-response")


def test_a_truncated_body_is_refused(saml_app: ModuleType) -> None:
    event = origin_event("/saml/acs", method="POST", form={"SAMLResponse": "abc"})
    event["Records"][0]["cf"]["request"]["body"]["inputTruncated"] = True

    assert saml_app.saml_handler(event, CONTEXT)["status"] == "413"


def test_metadata_describes_the_service_provider(saml_app: ModuleType, edge_config: EdgeConfig) -> None:
    result = saml_app.saml_handler(origin_event("/saml/metadata"), CONTEXT)

    assert result["status"] == "200"
    assert header(result, "content-type") == ["application/samlmetadata+xml; charset=utf-8"]
    document = etree.fromstring(result["body"].encode())
    namespace = {"md": "urn:oasis:names:tc:SAML:2.0:metadata"}
    assert document.get("entityID") == edge_config.sp_entity_id
    descriptor = document.find("md:SPSSODescriptor", namespace)
    assert descriptor.get("WantAssertionsSigned") == "true"
    acs = descriptor.find("md:AssertionConsumerService", namespace)
    assert acs.get("Location") == "https://ccm.example.com/saml/acs"
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


def test_logout_clears_the_session_and_ends_the_identity_providers_session(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    result = saml_app.saml_handler(origin_event("/saml/logout", cookies=(session_cookie(),)), CONTEXT)

    assert result["status"] == "302"
    assert header(result, "location")[0].startswith(dev_idp.slo_url + "?SAMLRequest=")
    cleared = set_cookie_named(result, "__Host-SAML_SESSION")
    assert "Max-Age=0" in cleared and "Path=/" in cleared
    # The identity provider answers at the single logout service, which confirms the sign-out
    back_to = dev_idp.logout_redirect(location_query(result)["SAMLRequest"], "/")
    assert back_to is not None
    answer = urlsplit(back_to)
    signed_out = saml_app.saml_handler(origin_event(answer.path, querystring=answer.query), CONTEXT)
    assert signed_out["status"] == "200"
    assert "You are signed out" in signed_out["body"]
    assert "Max-Age=0" in set_cookie_named(signed_out, "__Host-SAML_SESSION")


def test_without_single_logout_at_the_identity_provider_logout_just_clears_the_cookie(
    replay_table: str, edge_app: ModuleType, edge_config: EdgeConfig
) -> None:
    edge_app.use_config(dataclasses.replace(edge_config, idp=dataclasses.replace(edge_config.idp, slo_url=None)))

    result = edge_app.saml_handler(origin_event("/saml/logout", method="POST", cookies=(session_cookie(),)), CONTEXT)

    assert result["status"] == "200"
    assert "Max-Age=0" in set_cookie_named(result, "__Host-SAML_SESSION")


def test_a_garbled_logout_message_still_signs_the_browser_out(saml_app: ModuleType, edge_log: LogLines) -> None:
    result = saml_app.saml_handler(origin_event("/saml/sls", querystring="SAMLResponse=not-a-message"), CONTEXT)

    assert result["status"] == "200"
    assert "Max-Age=0" in set_cookie_named(result, "__Host-SAML_SESSION")
    assert edge_log.containing("single logout message")


def test_the_refresh_endpoint_also_answers_behind_the_origin_request_handler(saml_app: ModuleType) -> None:
    result = saml_app.saml_handler(origin_event("/saml/refresh", cookies=(session_cookie(issued_ago=2500),)), CONTEXT)

    assert json.loads(result["body"])["email"] == "approver@example.com"
    assert "Max-Age=3600" in set_cookie_named(result, "__Host-SAML_SESSION")


def test_the_handlers_read_the_configuration_file_they_are_given(
    replay_table: str, edge_app: ModuleType, edge_config: EdgeConfig, tmp_path: Path
) -> None:
    edge_app.use_config(write_edge_config(edge_config, tmp_path / "edge_config.json"))

    result = edge_app.saml_handler(origin_event("/saml/metadata"), CONTEXT)
    bounced = edge_app.viewer_request(viewer_event(), None)

    assert result["status"] == "200"
    assert bounced["status"] == "302"


def test_an_identity_provider_clock_a_minute_ahead_is_tolerated(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    spec = dev_idp.response_spec(
        user(dev_idp, "requester"), now=datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=60)
    )

    assert post_acs(saml_app, encode(signed_response(spec, dev_idp.material)))["status"] == "302"
