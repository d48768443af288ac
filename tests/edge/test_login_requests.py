"""A login request is answered at most once, whatever cookies the browser sends back.

The pending login requests live in the browser's cookie, which can be sent again; the table, shared by every edge
location, records each answered request id (a conditional write, kept for the request's lifetime).
"""

from __future__ import annotations

import time
from types import ModuleType

import boto3

from ccm.devidp.assertions import encode, signed_response
from ccm.devidp.provider import DevIdentityProvider
from tests.conftest import TABLE
from tests.edge.conftest import LogLines, header, post_acs, start_login, user
from tests.edge.test_hostile_sign_in import assert_refused


def test_a_second_assertion_answering_the_same_login_is_refused_even_with_the_old_request_cookie(
    saml_app: ModuleType, dev_idp: DevIdentityProvider, edge_log: LogLines
) -> None:
    # Given one login, answered by assertion A: signed in
    login = start_login(saml_app, dev_idp)
    first = post_acs(saml_app, dev_idp.sign_in(user(dev_idp, "requester"), login.request_id), "/", (login.cookie,))
    assert first["status"] == "302"
    # When assertion B, signed by the same identity provider for the same request, comes with the old cookie
    second_answer = dev_idp.sign_in(user(dev_idp, "admin"), login.request_id)
    result = post_acs(saml_app, second_answer, "/", (login.cookie,))
    # Then it is refused, and nobody is signed in by it
    assert_refused(result, edge_log, "request-already-answered")
    assert edge_log.containing(f"login request '{login.request_id}' was already answered")
    assert not edge_log.containing("signed in email=admin@example.com")


def test_the_answered_request_is_kept_in_the_table_for_the_requests_lifetime(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    started = int(time.time())
    login = start_login(saml_app, dev_idp)

    post_acs(saml_app, dev_idp.sign_in(user(dev_idp, "requester"), login.request_id), "/", (login.cookie,))

    item = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=TABLE, Key={"pk": {"S": f"SAML#{login.request_id}"}, "sk": {"S": "ANSWERED"}}
    )["Item"]
    # The request cookie accepts the id for 600 seconds; the row outlives that by the allowed clock skew at most.
    expires_at = int(item["expires_at"]["N"])
    assert started + 600 <= expires_at <= int(time.time()) + 600 + 300


def test_a_refused_answer_does_not_use_up_the_login(
    saml_app: ModuleType, dev_idp: DevIdentityProvider, edge_log: LogLines
) -> None:
    login = start_login(saml_app, dev_idp)
    spec = dev_idp.response_spec(user(dev_idp, "requester"), in_response_to=login.request_id)
    spec.name_id = "someone@elsewhere.example.org"

    refused = post_acs(saml_app, encode(signed_response(spec, dev_idp.material)), "/", (login.cookie,))
    accepted = post_acs(saml_app, dev_idp.sign_in(user(dev_idp, "requester"), login.request_id), "/", (login.cookie,))

    assert refused["status"] == "403"
    assert accepted["status"] == "302"
    assert any(value.startswith("__Host-SAML_SESSION=v1.") for value in header(accepted, "set-cookie"))


def test_an_identity_provider_initiated_sign_in_answers_no_request_and_records_none(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    result = post_acs(saml_app, dev_idp.sign_in(user(dev_idp, "requester")))

    assert result["status"] == "302"
    rows = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]
    assert [row["sk"]["S"] for row in rows] == ["REPLAY"]
