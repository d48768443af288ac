"""Hostile inputs to the assertion consumer service: every one is refused with a log line, a 4xx and no cookie.

Each case starts from what the development identity provider signs for ``requester@example.com`` and changes
what an attacker would change. They go through ``functions/edge_auth/app.py:saml_handler`` as CloudFront
origin-request events; the replay cache is the emulated DynamoDB table.
"""

from __future__ import annotations

import base64
import copy
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from lxml import etree

from ccm.devidp.assertions import (
    DS,
    SAML,
    SAMLP,
    ResponseSpec,
    assertion_of,
    build_response,
    encode,
    new_id,
    sign,
    signed_response,
)
from ccm.devidp.keys import SigningMaterial
from ccm.devidp.provider import DevIdentityProvider
from tests.edge.conftest import CONTEXT, LogLines, header, origin_event, post_acs, user


@dataclass(frozen=True)
class Forge:
    idp: DevIdentityProvider
    stranger: SigningMaterial

    def spec(self, role: str = "requester", **changes: Any) -> ResponseSpec:
        spec = self.idp.response_spec(user(self.idp, role))
        for name, value in changes.items():
            setattr(spec, name, value)
        return spec

    def genuine(self, **changes: Any) -> Any:
        return signed_response(self.spec(**changes), self.idp.material)


@dataclass(frozen=True)
class Attempt:
    saml_response: str
    relay_state: str = "/"


def _in(seconds: int) -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=seconds)


def _name_id(element: Any) -> Any:
    return element.find(f".//{{{SAML}}}NameID")


def _without_signature(assertion: Any) -> Any:
    for signature in assertion.findall(f"{{{DS}}}Signature"):
        assertion.remove(signature)
    return assertion


def _evil_copy(original: Any) -> Any:
    evil = _without_signature(copy.deepcopy(original))
    evil.set("ID", new_id())
    _name_id(evil).text = "admin@example.com"
    return evil


def unsigned_response(forge: Forge) -> Attempt:
    return Attempt(encode(build_response(forge.spec())))


def signed_response_with_unsigned_assertion(forge: Forge) -> Attempt:
    return Attempt(encode(signed_response(forge.spec(), forge.idp.material, sign_assertion=False, sign_response=True)))


def name_id_changed_after_signing(forge: Forge) -> Attempt:
    response = forge.genuine()
    _name_id(assertion_of(response)).text = "admin@example.com"
    return Attempt(encode(response))


def signed_by_another_key(forge: Forge) -> Attempt:
    response = build_response(forge.spec(name_id="admin@example.com"))
    sign(assertion_of(response), forge.stranger, include_certificate=False)
    return Attempt(encode(response))


def signed_with_an_embedded_certificate_that_is_not_configured(forge: Forge) -> Attempt:
    return Attempt(encode(signed_response(forge.spec(name_id="admin@example.com"), forge.stranger)))


def wrapping_evil_assertion_before_the_signed_one(forge: Forge) -> Attempt:
    response = forge.genuine()
    original = assertion_of(response)
    original.addprevious(_evil_copy(original))
    return Attempt(encode(response))


def wrapping_signed_assertion_hidden_in_advice(forge: Forge) -> Attempt:
    response = forge.genuine()
    original = assertion_of(response)
    evil = _evil_copy(original)
    advice = etree.Element(f"{{{SAML}}}Advice")
    evil.find(f"{{{SAML}}}Conditions").addnext(advice)
    response.replace(original, evil)
    advice.append(original)
    return Attempt(encode(response))


def wrapping_signed_assertion_moved_to_extensions(forge: Forge) -> Attempt:
    response = forge.genuine()
    original = assertion_of(response)
    evil = copy.deepcopy(original)  # keeps the copied signature and the same ID, pointing at itself
    _name_id(evil).text = "admin@example.com"
    extensions = etree.Element(f"{{{SAMLP}}}Extensions")
    response.find(f"{{{SAMLP}}}Status").addprevious(extensions)
    response.replace(original, evil)
    extensions.append(original)
    return Attempt(encode(response))


def name_id_split_by_a_comment(forge: Forge) -> Attempt:
    # The IdP signed "admin@example.com.evil.test"; a comment does not change the canonical form, so the
    # signature stays valid, and a reader that stops at the comment would see "admin@example.com".
    response = forge.genuine(name_id="admin@example.com.evil.test")
    name_id = _name_id(assertion_of(response))
    name_id.text = "admin@example.com"
    comment = etree.Comment("")
    comment.tail = ".evil.test"
    name_id.append(comment)
    return Attempt(encode(response))


def expired(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine(now=_in(-3600))))


def not_yet_valid(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine(now=_in(3600))))


def wrong_audience(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine(audience="https://another-app.example.com")))


def missing_audience(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine(audience=None)))


def wrong_recipient(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine(recipient="https://evil.example.net/saml/acs")))


def recipient_that_merely_contains_ours(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine(recipient="https://evil.example.net/?https://ccm.example.com/saml/acs")))


def destination_that_merely_starts_like_ours(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine(destination="https://ccm.example.com/saml/acs/elsewhere")))


def wrong_issuer(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine(issuer="https://rogue-idp.example.net/metadata")))


def deprecated_sha1_signature(forge: Forge) -> Attempt:
    response = build_response(forge.spec())
    sign(assertion_of(response), forge.idp.material, algorithm="rsa-sha1")
    return Attempt(encode(response))


def malformed_xml(forge: Forge) -> Attempt:
    return Attempt(base64.b64encode(b'<samlp:Response xmlns:samlp="' + SAMLP.encode() + b'"><unclosed>').decode())


def not_base64(forge: Forge) -> Attempt:
    return Attempt("PHNhbWxwOlJlc3BvbnNl%%%not-base64")


def entity_expansion_bomb(forge: Forge) -> Attempt:
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><samlp:Response xmlns:samlp="{SAMLP}">&a9;</samlp:Response>'
    return Attempt(base64.b64encode(bomb.encode()).decode())


def external_entity(forge: Forge) -> Attempt:
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<samlp:Response xmlns:samlp="{SAMLP}">&x;</samlp:Response>'
    )
    return Attempt(base64.b64encode(xxe.encode()).decode())


def relay_state_to_another_site(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine()), relay_state="https://evil.example.net/phish")


def relay_state_protocol_relative(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine()), relay_state="//evil.example.net/phish")


def relay_state_with_backslash(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine()), relay_state="/\\evil.example.net/phish")


def answer_to_a_login_this_browser_never_started(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine(in_response_to="_started-by-the-attacker")))


def in_response_to_stripped_from_the_unsigned_envelope(forge: Forge) -> Attempt:
    response = forge.genuine(in_response_to="_someone-elses-login")
    del response.attrib["InResponseTo"]
    return Attempt(encode(response))


def email_outside_the_allowed_domains(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine(name_id="someone@elsewhere.example.org")))


def _signed_after(change: Callable[[Any], None], forge: Forge) -> Attempt:
    """A response the identity provider really signed, whose assertion it built with ``change`` applied."""
    response = build_response(forge.spec())
    change(assertion_of(response))
    sign(assertion_of(response), forge.idp.material)
    return Attempt(encode(response))


def empty_name_id(forge: Forge) -> Attempt:
    return Attempt(encode(forge.genuine(name_id="")))


def name_id_left_out(forge: Forge) -> Attempt:
    def drop(assertion: Any) -> None:
        name_id = _name_id(assertion)
        name_id.getparent().remove(name_id)

    return _signed_after(drop, forge)


def name_id_qualified_for_another_service_provider(forge: Forge) -> Attempt:
    return _signed_after(lambda assertion: _name_id(assertion).set("SPNameQualifier", "https://other.example"), forge)


def name_id_only_whitespace_and_a_comment(forge: Forge) -> Attempt:
    def hollow(assertion: Any) -> None:
        name_id = _name_id(assertion)
        name_id.text = None
        name_id.append(etree.Comment("admin@example.com"))

    return _signed_after(hollow, forge)


CORPUS: list[tuple[Callable[[Forge], Attempt], str]] = [
    (unsigned_response, "invalid-response"),
    (signed_response_with_unsigned_assertion, "invalid-response"),
    (name_id_changed_after_signing, "invalid-response"),
    (signed_by_another_key, "invalid-response"),
    (signed_with_an_embedded_certificate_that_is_not_configured, "invalid-response"),
    (wrapping_evil_assertion_before_the_signed_one, "invalid-response"),
    (wrapping_signed_assertion_hidden_in_advice, "invalid-response"),
    (wrapping_signed_assertion_moved_to_extensions, "invalid-response"),
    (name_id_split_by_a_comment, "identity-not-allowed"),
    (expired, "invalid-response"),
    (not_yet_valid, "invalid-response"),
    (wrong_audience, "invalid-response"),
    (missing_audience, "wrong-audience"),
    (wrong_recipient, "invalid-response"),
    (recipient_that_merely_contains_ours, "wrong-recipient"),
    (destination_that_merely_starts_like_ours, "wrong-destination"),
    (wrong_issuer, "invalid-response"),
    (deprecated_sha1_signature, "invalid-response"),
    (malformed_xml, "malformed-response"),
    (not_base64, "malformed-response"),
    (entity_expansion_bomb, "malformed-response"),
    (external_entity, "malformed-response"),
    (relay_state_to_another_site, "unsafe-redirect"),
    (relay_state_protocol_relative, "unsafe-redirect"),
    (relay_state_with_backslash, "unsafe-redirect"),
    (answer_to_a_login_this_browser_never_started, "unknown-request"),
    (in_response_to_stripped_from_the_unsigned_envelope, "unknown-request"),
    (email_outside_the_allowed_domains, "identity-not-allowed"),
    (empty_name_id, "invalid-response"),
    (name_id_left_out, "invalid-response"),
    (name_id_qualified_for_another_service_provider, "invalid-response"),
    (name_id_only_whitespace_and_a_comment, "invalid-response"),
]


@pytest.fixture
def forge(dev_idp: DevIdentityProvider, stranger_material: SigningMaterial) -> Forge:
    return Forge(dev_idp, stranger_material)


def assert_refused(result: dict[str, Any], edge_log: LogLines, reason: str) -> None:
    assert 400 <= int(result["status"]) < 500, result["status"]
    assert header(result, "set-cookie") == []
    assert "Sign-in refused" in result["body"]
    assert edge_log.containing(f"sign-in rejected: reason={reason} "), edge_log.messages


@pytest.mark.parametrize(("make", "reason"), CORPUS, ids=[make.__name__ for make, _ in CORPUS])
def test_a_hostile_response_is_refused_with_a_log_line_and_no_cookie(
    saml_app: ModuleType, forge: Forge, edge_log: LogLines, make: Callable[[Forge], Attempt], reason: str
) -> None:
    attempt = make(forge)

    result = post_acs(saml_app, attempt.saml_response, attempt.relay_state)

    assert_refused(result, edge_log, reason)


def test_the_untouched_response_the_corpus_starts_from_is_accepted(saml_app: ModuleType, forge: Forge) -> None:
    result = post_acs(saml_app, encode(forge.genuine()))

    assert result["status"] == "302"
    assert any(value.startswith("__Host-SAML_SESSION=v1.") for value in header(result, "set-cookie"))


def test_a_replayed_assertion_is_refused(saml_app: ModuleType, forge: Forge, edge_log: LogLines) -> None:
    captured = encode(forge.genuine())
    assert post_acs(saml_app, captured)["status"] == "302"

    replayed = post_acs(saml_app, captured)

    assert_refused(replayed, edge_log, "replayed")
    assert edge_log.containing("was already used to sign in")


def test_a_next_to_another_site_is_refused_before_going_to_the_identity_provider(
    saml_app: ModuleType, edge_log: LogLines
) -> None:
    result = saml_app.saml_handler(
        origin_event("/saml/login", querystring="next=https%3A%2F%2Fevil.example.net%2F"), CONTEXT
    )

    assert result["status"] == "400"
    assert header(result, "location") == []
    assert header(result, "set-cookie") == []
    assert edge_log.containing("sign-in rejected: reason=unsafe-redirect")


def test_every_refusal_counts_in_the_sign_ins_rejected_metric(
    saml_app: ModuleType, forge: Forge, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    post_acs(saml_app, unsigned_response(forge).saml_response)

    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    metrics = [item for item in emitted if "SignInsRejected" in item]
    assert len(metrics) == 1
    directive = metrics[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "CCM"
    assert metrics[0]["SignInsRejected"] == [1.0]
    assert directive["Metrics"] == [{"Name": "SignInsRejected", "Unit": "Count"}]
    assert metrics[0]["reason"] == "invalid-response"
