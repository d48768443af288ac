"""No input to any ``/saml/*`` path makes the SAML handler fail: a 4xx with a log line at worst, never an exception.

Foreseen bad input gets its own refusal; whatever slips past them meets the last resort in the entry point, which
logs the traceback, counts the refusal and answers 400. The fuzz test below proves that generated requests (methods,
paths, query strings, bodies, cookies, genuine responses with bytes changed) never need that last resort either.
"""

from __future__ import annotations

import base64
import json
import string
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onelogin.saml2.response import OneLogin_Saml2_Response

from ccm.devidp.assertions import serialize, signed_response
from ccm.devidp.provider import DevIdentityProvider
from tests.edge.conftest import (
    CONTEXT,
    LogLines,
    header,
    legacy_session_cookie,
    origin_event,
    post_acs,
    session_cookie,
    set_cookie_named,
    start_login,
    user,
)

LAST_RESORT = "sign-in failed unexpectedly"
EXAMPLES = 600


def emitted_metrics(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if '"_aws"' in line and "SignInsRejected" in line]


# The last resort ----------------------------------------------------------------------------------------


def test_an_error_nobody_foresaw_while_reading_a_response_is_a_logged_and_counted_400(
    saml_app: ModuleType,
    dev_idp: DevIdentityProvider,
    edge_log: LogLines,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unforeseen(self: OneLogin_Saml2_Response) -> dict[str, list[str]]:
        raise RuntimeError("an attribute statement nobody foresaw")

    monkeypatch.setattr(OneLogin_Saml2_Response, "get_attributes", unforeseen)

    result = post_acs(saml_app, dev_idp.sign_in(user(dev_idp, "requester")))

    assert result["status"] == "400"
    assert header(result, "set-cookie") == []
    assert "Sign-in refused" in result["body"]
    (line,) = edge_log.containing(LAST_RESORT)
    assert "RuntimeError: an attribute statement nobody foresaw" in line and "path=/saml/acs" in line
    record = next(record for record in edge_log.records if LAST_RESORT in record.getMessage())
    assert record.levelname == "ERROR" and record.exc_info is not None
    [metric] = emitted_metrics(capsys.readouterr().out)
    assert metric["reason"] == "unexpected-error"


def test_an_error_on_a_path_without_a_body_meets_the_same_last_resort(
    saml_app: ModuleType, edge_log: LogLines, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ccm.edge.gatekeeper import Gatekeeper

    def broken(self: Gatekeeper, view: Any) -> Any:
        raise KeyError("state")

    monkeypatch.setattr(Gatekeeper, "session_state", broken)

    result = saml_app.saml_handler(origin_event("/saml/refresh", cookies=(session_cookie(),)), CONTEXT)

    assert result["status"] == "400"
    assert edge_log.containing(LAST_RESORT)


def test_the_answer_does_not_depend_on_the_rejection_metric_being_written(
    replay_table: str, edge_app: ModuleType, edge_log: LogLines, monkeypatch: pytest.MonkeyPatch
) -> None:
    def metrics_down(**arguments: Any) -> Any:
        raise OSError("the metrics pipe is closed")

    monkeypatch.setattr("aws_lambda_powertools.metrics.single_metric", metrics_down)

    result = post_acs(edge_app, "not a saml response")

    assert result["status"] == "400"
    assert header(result, "set-cookie") == []
    assert edge_log.containing("the rejection could not be counted")


# Inputs that failed the handler before ------------------------------------------------------------------

MANY_FIELDS = "&".join(f"field{number}=x" for number in range(60))


def test_a_login_link_with_too_many_query_fields_is_a_bad_request(saml_app: ModuleType, edge_log: LogLines) -> None:
    result = saml_app.saml_handler(origin_event("/saml/login", querystring=MANY_FIELDS), CONTEXT)

    assert result["status"] == "400"
    assert header(result, "location") == []
    assert edge_log.containing("reason=malformed-query")
    assert not edge_log.containing(LAST_RESORT)


def test_a_logout_answer_with_too_many_query_fields_still_signs_out(saml_app: ModuleType, edge_log: LogLines) -> None:
    result = saml_app.saml_handler(origin_event("/saml/sls", querystring=MANY_FIELDS), CONTEXT)

    assert result["status"] == "200"
    assert "Max-Age=0" in set_cookie_named(result, "__Host-SAML_SESSION")
    assert edge_log.containing("single logout message not understood")


@pytest.mark.parametrize("relay_state", ["http://[evil.example.net/", "//[::1"])
def test_a_relay_state_with_a_broken_bracketed_host_is_refused(
    saml_app: ModuleType, dev_idp: DevIdentityProvider, edge_log: LogLines, relay_state: str
) -> None:
    result = post_acs(saml_app, dev_idp.sign_in(user(dev_idp, "requester")), relay_state)

    assert result["status"] == "400"
    assert edge_log.containing("reason=unsafe-redirect")


# Fuzzing every /saml/* path -----------------------------------------------------------------------------

ENDPOINTS = ["login", "acs", "metadata", "logout", "sls", "refresh", "edge.css", "", "ACS", "login/"]
FIELDS = ["next", "SAMLResponse", "SAMLRequest", "RelayState", "SigAlg", "Signature", "x"]
COOKIE_NAMES = ["__Host-SAML_SESSION", "SAML_SESSION", "__Host-SAML_REQUEST", "SAML_REQUEST", "theme", ""]
text = st.text(max_size=120)


@st.composite
def form(draw: st.DrawFn, values: st.SearchStrategy[str]) -> str:
    pairs = draw(st.lists(st.tuples(st.sampled_from(FIELDS), values), max_size=6))
    return urlencode(pairs)


def saml_responses(genuine: bytes) -> st.SearchStrategy[str]:
    """SAMLResponse values: noise, base64 of noise, and the genuine response with a few bytes changed."""

    @st.composite
    def spliced(draw: st.DrawFn) -> str:
        start = draw(st.integers(0, len(genuine)))
        end = draw(st.integers(start, min(len(genuine), start + 16)))
        return base64.b64encode(genuine[:start] + draw(st.binary(max_size=12)) + genuine[end:]).decode()

    noise = st.binary(max_size=300).map(lambda data: base64.b64encode(data).decode())
    return st.one_of(text, noise, spliced(), st.just(base64.b64encode(genuine).decode()))


def cookie_headers(tokens: list[str]) -> st.SearchStrategy[str]:
    value = st.one_of(st.sampled_from(tokens), st.text(alphabet=string.printable, max_size=60))
    pair = st.tuples(st.sampled_from(COOKIE_NAMES) | st.text(max_size=10), value).map(lambda p: f"{p[0]}={p[1]}")
    return st.lists(pair, max_size=4).map("; ".join)


def request_events(genuine: bytes, tokens: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        # Half the requests are shaped like an identity provider's post, so that responses reach validation.
        if draw(st.booleans()):
            method, uri = "POST", "/saml/acs"
            fields = {"SAMLResponse": draw(saml_responses(genuine))}
            relay_state = draw(st.none() | st.sampled_from(["/", "/my-changes.html?status=draft"]) | text)
            if relay_state is not None:
                fields["RelayState"] = relay_state
            body = urlencode(fields).encode()
        else:
            method = draw(st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]))
            uri = "/saml/" + draw(st.sampled_from(ENDPOINTS) | st.text(max_size=30))
            body = draw(st.one_of(form(saml_responses(genuine)).map(str.encode), st.binary(max_size=400)))
        querystring = draw(st.one_of(form(text), form(saml_responses(genuine)), text, st.just(MANY_FIELDS)))
        event = origin_event(uri, method=method, querystring=querystring)
        request = event["Records"][0]["cf"]["request"]
        request["body"]["data"] = base64.b64encode(body).decode()
        request["body"]["inputTruncated"] = draw(st.sampled_from([False, False, False, True]))
        cookies = draw(cookie_headers(tokens))
        if cookies:
            request["headers"]["cookie"] = [{"key": "Cookie", "value": cookies}]
        return event

    return build()


def test_generated_requests_to_every_saml_path_are_answered_below_500_without_the_last_resort(
    saml_app: ModuleType, dev_idp: DevIdentityProvider, edge_log: LogLines
) -> None:
    login = start_login(saml_app, dev_idp)
    spec = dev_idp.response_spec(user(dev_idp, "requester"), in_response_to=login.request_id)
    genuine = serialize(signed_response(spec, dev_idp.material))
    tokens = [
        session_cookie().partition("=")[2],
        legacy_session_cookie().partition("=")[2],
        login.cookie.partition("=")[2],
        session_cookie(issued_ago=2500).partition("=")[2],
    ]
    statuses: set[int] = set()

    @given(event=request_events(genuine, tokens))
    @settings(
        max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    def answered(event: dict[str, Any]) -> None:
        result = saml_app.saml_handler(event, CONTEXT)
        status = int(result["status"])
        statuses.add(status)
        assert 200 <= status < 500, (status, event["Records"][0]["cf"]["request"])
        assert not edge_log.containing(LAST_RESORT), edge_log.containing(LAST_RESORT)

    answered()
    # The generated requests reached the refusals as well as the answers, not only the 404 of unknown paths.
    assert {200, 302, 400, 403, 404, 405} <= statuses, statuses
