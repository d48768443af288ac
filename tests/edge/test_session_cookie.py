"""The signed session cookie on its own: signing, verifying, rotating keys, expiring and refreshing."""

from __future__ import annotations

import base64
import json

import pytest

from ccm.edge.session import (
    SESSION_PURPOSE,
    KeyRing,
    Session,
    SessionCookie,
    SessionPolicy,
    SigningKey,
    TokenRejected,
    TokenSigner,
    cookie_values,
)
from tests.edge.conftest import CURRENT_KEY, PREVIOUS_KEY, RETIRED_KEY

NOW = 1_800_000_000
COOKIE = SessionCookie(KeyRing(CURRENT_KEY, (PREVIOUS_KEY,)))


def issued(now: int = NOW, **changes: int) -> str:
    session = COOKIE.start("requester@example.com", ("ccm-approvers",), now)
    fields = {"issued_at": session.issued_at, "started_at": session.started_at, "expires_at": session.expires_at}
    fields.update(changes)
    return COOKIE.encode(Session(session.email, session.groups, **fields))


def reason(value: str, now: float = NOW) -> str:
    with pytest.raises(TokenRejected) as caught:
        COOKIE.verify(value, now)
    return caught.value.reason


def test_a_fresh_session_carries_email_groups_and_times() -> None:
    session = COOKIE.verify(issued(), NOW + 10)

    assert session == Session("requester@example.com", ("ccm-approvers",), NOW, NOW, NOW + 3600)


def test_the_cookie_is_http_only_secure_lax_for_the_whole_site() -> None:
    header = COOKIE.set_cookie(COOKIE.start("a@example.com", (), NOW), NOW)

    assert header.startswith("__Host-SAML_SESSION=v1.current.")
    assert "; Path=/;" in header
    assert "Max-Age=3600" in header
    assert "HttpOnly" in header
    assert "Secure" in header
    assert header.endswith("SameSite=Lax")


def test_a_tampered_payload_is_refused() -> None:
    version, key_id, payload, signature = issued().split(".")
    document = json.loads(base64.urlsafe_b64decode(payload + "=="))
    document["email"] = "admin@example.com"
    forged = base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()

    assert reason(f"{version}.{key_id}.{forged}.{signature}") == "bad-signature"


def test_a_tampered_signature_is_refused() -> None:
    value = issued()
    flipped = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]

    assert reason(flipped) == "bad-signature"


def test_a_cookie_signed_by_an_unknown_key_is_refused() -> None:
    foreign = SessionCookie(KeyRing(RETIRED_KEY)).encode(COOKIE.start("a@example.com", (), NOW))

    assert reason(foreign) == "unknown-key"


def test_a_cookie_signed_with_the_previous_key_is_still_accepted() -> None:
    before_rotation = SessionCookie(KeyRing(PREVIOUS_KEY)).encode(COOKIE.start("a@example.com", (), NOW))

    assert COOKIE.verify(before_rotation, NOW + 1).email == "a@example.com"


def test_a_key_id_swapped_to_another_known_key_does_not_verify() -> None:
    value = issued()
    swapped = value.replace("v1.current.", "v1.previous.", 1)

    assert reason(swapped) == "bad-signature"


def test_an_idle_session_expires_after_one_hour() -> None:
    assert reason(issued(), NOW + 3600) == "expired"


def test_no_session_outlives_twelve_hours_even_if_its_expiry_says_otherwise() -> None:
    stretched = issued(started_at=NOW - 12 * 3600, expires_at=NOW + 3600)

    assert reason(stretched, NOW + 1) == "absolute-limit"


@pytest.mark.parametrize("value", ["", "garbage", "v1.current.e30", "v2.current.e30.AAAA", "v1.current.!!.AAAA"])
def test_malformed_values_are_refused_without_an_exception_escaping(value: str) -> None:
    assert reason(value) in {"malformed", "bad-signature"}


def test_a_payload_that_is_not_a_session_is_refused_even_when_signed() -> None:
    signed_list = TokenSigner(COOKIE.keys, SESSION_PURPOSE).sign({"email": "a@example.com", "groups": "admins"})

    assert reason(signed_list) == "malformed"


def test_a_token_made_for_another_purpose_never_passes_as_a_session() -> None:
    other = TokenSigner(COOKIE.keys, "authn-request").sign(COOKIE.start("a@example.com", (), NOW).to_payload())

    assert reason(other) == "bad-signature"


def test_a_session_from_the_future_is_refused() -> None:
    assert reason(issued(now=NOW + 3600), NOW) == "malformed"


def test_a_session_is_not_refreshed_in_the_first_half_of_its_life() -> None:
    session = COOKIE.start("a@example.com", (), NOW)

    assert COOKIE.refreshed(session, NOW + 1799) is None


def test_past_half_its_life_a_session_is_renewed_for_another_hour_keeping_its_start() -> None:
    session = COOKIE.start("a@example.com", ("g",), NOW)

    renewed = COOKIE.refreshed(session, NOW + 1800)

    assert renewed == Session("a@example.com", ("g",), NOW + 1800, NOW, NOW + 1800 + 3600)


def test_renewal_stops_at_the_absolute_limit() -> None:
    limit = NOW + 12 * 3600
    late = Session("a@example.com", (), limit - 4000, NOW, limit - 400)

    renewed = COOKIE.refreshed(late, limit - 1000)
    assert renewed is not None and renewed.expires_at == limit
    assert COOKIE.refreshed(renewed, limit - 10) is None


def test_the_policy_is_configurable() -> None:
    short = SessionCookie(KeyRing(CURRENT_KEY), SessionPolicy(idle_seconds=600, absolute_seconds=1200))
    session = short.start("a@example.com", (), NOW)

    assert session.expires_at == NOW + 600
    assert short.refreshed(session, NOW + 299) is None
    assert short.refreshed(session, NOW + 300) is not None


@pytest.mark.parametrize(
    ("key_id", "secret", "problem"),
    [("has space", b"x" * 32, "letters, digits"), ("ok", b"short", "at least 32 bytes")],
)
def test_weak_or_odd_keys_are_refused(key_id: str, secret: bytes, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        SigningKey(key_id, secret)


def test_two_keys_with_the_same_id_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        KeyRing(CURRENT_KEY, (SigningKey("current", b"z" * 32),))


def test_a_session_too_big_for_a_browser_cookie_is_refused_instead_of_silently_dropped() -> None:
    crowded = COOKIE.start("a@example.com", tuple(f"group-{n:04}-with-a-long-name" for n in range(200)), NOW)

    with pytest.raises(ValueError, match="more than browsers keep"):
        COOKIE.set_cookie(crowded, NOW)


def test_cookie_values_are_found_among_malformed_neighbours() -> None:
    headers = ["theme=dark; broken; =x; SAML_SESSION=v1.a.b.c", 'SAML_SESSION="v1.d.e.f"']

    assert cookie_values(headers, "SAML_SESSION") == ["v1.a.b.c", "v1.d.e.f"]


def test_of_two_session_cookies_under_one_name_neither_is_trusted() -> None:
    with pytest.raises(TokenRejected) as caught:
        COOKIE.read([f"__Host-SAML_SESSION={issued()}; __Host-SAML_SESSION={issued()}"], NOW + 5)

    assert caught.value.reason == "ambiguous"


def test_no_cookie_at_all_is_reported_as_missing() -> None:
    with pytest.raises(TokenRejected) as caught:
        COOKIE.read(["theme=dark"], NOW)

    assert caught.value.reason == "missing"
