"""The signed session cookie ``__Host-SAML_SESSION`` and other short signed tokens the edge hands to browsers.

Standard library only: the viewer-request gatekeeper imports this module and its package must stay tiny.

A token is ``v1.<key id>.<payload>.<signature>``: the payload is base64url JSON, the signature is HMAC-SHA256
over a purpose label and the first three parts, so a token made for one purpose (a login request id) can
never pass as another (a session). The current key signs; the current and previous keys verify, which lets a
deployment rotate keys without signing everyone out.

The ``__Host-`` prefix makes browsers keep the cookie only when the portal's own host set it (``Secure``,
``Path=/``, no ``Domain``), so a sibling subdomain cannot plant one. A request that still carries more than one
value under one name was crafted or polluted: it counts as carrying no session at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

COOKIE_NAME = "__Host-SAML_SESSION"
LEGACY_COOKIE_NAME = "SAML_SESSION"
"""The name before the ``__Host-`` prefix: read, never written, for the one release that sessions issued under it
need to expire (12 hours at most); the release after drops it."""
TOKEN_VERSION = "v1"
SESSION_PURPOSE = "host-session"
# Sessions under the old name were signed for this purpose. Signing new ones for another means that a value
# issued under the new name can never be replanted under the old name, which sibling subdomains can still set.
LEGACY_SESSION_PURPOSE = "session"
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MIN_SECRET_BYTES = 32
# Browsers drop cookies above 4096 bytes (name, value and attributes together); fail loudly instead.
MAX_COOKIE_BYTES = 4000
# A token issued "in the future" beyond this much clock difference between edge locations is refused.
FUTURE_TOLERANCE_SECONDS = 300


class TokenRejected(Exception):
    """A token was missing, malformed, signed with an unknown key, tampered with, or expired.

    ``reason`` is a short stable code for logs and tests; the message is a sentence.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not KEY_ID_PATTERN.match(self.key_id):
            raise ValueError(f"cookie key id {self.key_id!r} must be 1-32 letters, digits, '-' or '_'")
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ValueError(f"cookie key {self.key_id!r} must have at least {MIN_SECRET_BYTES} bytes of secret")

    @classmethod
    def from_text(cls, key_id: str, secret: str) -> SigningKey:
        """A key whose secret is written as base64url (the form the edge configuration stores)."""
        return cls(key_id, decode_secret(secret))

    @property
    def secret_text(self) -> str:
        return _b64encode(self.secret)


@dataclass(frozen=True)
class KeyRing:
    """The current signing key and the previous keys that are still accepted."""

    current: SigningKey
    previous: tuple[SigningKey, ...] = ()

    def __post_init__(self) -> None:
        ids = [self.current.key_id, *(key.key_id for key in self.previous)]
        if len(set(ids)) != len(ids):
            raise ValueError(f"cookie key ids must be unique, got {ids}")

    def find(self, key_id: str) -> SigningKey | None:
        for key in (self.current, *self.previous):
            if key.key_id == key_id:
                return key
        return None


def decode_secret(text: str) -> bytes:
    try:
        return _b64decode(text)
    except (binascii.Error, ValueError) as error:
        raise ValueError("cookie key secret is not base64url") from error


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Signs and verifies small JSON payloads for one purpose."""

    def __init__(self, keys: KeyRing, purpose: str) -> None:
        self._keys = keys
        self._purpose = purpose.encode("ascii")

    def _signature(self, key: SigningKey, signed_part: str) -> bytes:
        return hmac.new(key.secret, self._purpose + b"\n" + signed_part.encode("ascii"), hashlib.sha256).digest()

    def sign(self, payload: Mapping[str, Any]) -> str:
        key = self._keys.current
        body = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        signed_part = f"{TOKEN_VERSION}.{key.key_id}.{body}"
        return f"{signed_part}.{_b64encode(self._signature(key, signed_part))}"

    def verify(self, token: str) -> dict[str, Any]:
        """The payload of a genuine token; ``TokenRejected`` for anything else. Expiry is the caller's concern."""
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != TOKEN_VERSION:
            raise TokenRejected("malformed", "the token does not have the v1.<key>.<payload>.<signature> form")
        _, key_id, body, signature_text = parts
        key = self._keys.find(key_id)
        if key is None:
            raise TokenRejected("unknown-key", f"the token was signed with unknown key id {key_id[:40]!r}")
        try:
            presented = _b64decode(signature_text)
        except (binascii.Error, ValueError):
            raise TokenRejected("malformed", "the token signature is not base64url") from None
        expected = self._signature(key, f"{TOKEN_VERSION}.{key_id}.{body}")
        if not hmac.compare_digest(presented, expected):
            raise TokenRejected("bad-signature", "the token signature does not match its content")
        try:
            payload = json.loads(_b64decode(body))
        except (binascii.Error, ValueError):
            raise TokenRejected("malformed", "the token payload is not base64url JSON") from None
        if not isinstance(payload, dict):
            raise TokenRejected("malformed", "the token payload is not a JSON object")
        return payload


@dataclass(frozen=True)
class SessionPolicy:
    """One hour idle, refreshed past half its life while active, never beyond 12 hours after sign-in."""

    idle_seconds: int = 3600
    absolute_seconds: int = 12 * 3600
    refresh_after_fraction: float = 0.5

    def __post_init__(self) -> None:
        if not 60 <= self.idle_seconds <= self.absolute_seconds:
            raise ValueError("the idle timeout must be at least 60 seconds and at most the absolute limit")
        if not 0.0 < self.refresh_after_fraction < 1.0:
            raise ValueError("the refresh threshold must be a fraction between 0 and 1")


@dataclass(frozen=True)
class Session:
    email: str
    groups: tuple[str, ...]
    issued_at: int
    started_at: int
    expires_at: int

    def age(self, now: float) -> int:
        return int(now) - self.started_at

    def to_payload(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "groups": list(self.groups),
            "iat": self.issued_at,
            "start": self.started_at,
            "exp": self.expires_at,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Session:
        email, groups = payload.get("email"), payload.get("groups")
        stamps = [payload.get(name) for name in ("iat", "start", "exp")]
        if not isinstance(email, str) or not email or not isinstance(groups, list):
            raise TokenRejected("malformed", "the session payload lacks an email or groups")
        if not all(isinstance(group, str) for group in groups):
            raise TokenRejected("malformed", "the session groups are not all strings")
        times = [stamp for stamp in stamps if isinstance(stamp, int) and not isinstance(stamp, bool)]
        if len(times) != len(stamps):
            raise TokenRejected("malformed", "the session times are not integers")
        issued_at, started_at, expires_at = times
        return cls(email, tuple(groups), issued_at, started_at, expires_at)


class SessionCookie:
    """Issues, verifies and refreshes ``__Host-SAML_SESSION`` (and still reads ``SAML_SESSION``)."""

    def __init__(self, keys: KeyRing, policy: SessionPolicy | None = None) -> None:
        self.keys = keys
        self.policy = policy or SessionPolicy()
        self.name = COOKIE_NAME
        self._signer = TokenSigner(keys, SESSION_PURPOSE)
        self._legacy_signer = TokenSigner(keys, LEGACY_SESSION_PURPOSE)

    def start(self, email: str, groups: Iterable[str], now: float) -> Session:
        issued = int(now)
        return Session(email, tuple(groups), issued, issued, issued + self.policy.idle_seconds)

    def verify(self, value: str, now: float) -> Session:
        return self._verify(self._signer, value, now)

    def _verify(self, signer: TokenSigner, value: str, now: float) -> Session:
        session = Session.from_payload(signer.verify(value))
        if session.issued_at > now + FUTURE_TOLERANCE_SECONDS or session.started_at > session.issued_at:
            raise TokenRejected("malformed", "the session claims to be issued in the future")
        age = session.age(now)
        if now >= session.started_at + self.policy.absolute_seconds:
            limit = self.policy.absolute_seconds
            raise TokenRejected("absolute-limit", f"the session reached its {limit}s limit (session age {age}s)")
        if now >= session.expires_at:
            raise TokenRejected("expired", f"the session expired after inactivity (session age {age}s)")
        return session

    def read(self, cookie_headers: Iterable[str], now: float) -> Session:
        """The session of the ``Cookie`` headers: the one ``__Host-`` cookie, else the one cookie of the old name.

        The ``__Host-`` cookie wins over the old name, which a sibling subdomain can plant: a planted cookie can
        neither override a real session nor, by pairing with it, sign its owner out.
        """
        headers = list(cookie_headers)
        for name, signer in ((self.name, self._signer), (LEGACY_COOKIE_NAME, self._legacy_signer)):
            values = cookie_values(headers, name)
            if len(values) > 1:
                raise TokenRejected(
                    "ambiguous", f"the request carries {len(values)} {name} cookies, so none of them is trusted"
                )
            if values:
                return self._verify(signer, values[0], now)
        raise TokenRejected("missing", "no session cookie was sent")

    def refreshed(self, session: Session, now: float) -> Session | None:
        """A renewed session when ``session`` is past the refresh threshold and renewing extends it."""
        lifetime = session.expires_at - session.issued_at
        if now < session.issued_at + lifetime * self.policy.refresh_after_fraction:
            return None
        limit = session.started_at + self.policy.absolute_seconds
        expires_at = min(int(now) + self.policy.idle_seconds, limit)
        if expires_at <= session.expires_at:
            return None
        return Session(session.email, session.groups, int(now), session.started_at, expires_at)

    def encode(self, session: Session) -> str:
        return self._signer.sign(session.to_payload())

    def set_cookie(self, session: Session, now: float) -> str:
        """The ``Set-Cookie`` value that stores ``session`` until it expires."""
        header = set_cookie_header(self.name, self.encode(session), max(0, session.expires_at - int(now)))
        if len(header) > MAX_COOKIE_BYTES:
            raise ValueError(f"the session cookie would be {len(header)} bytes, more than browsers keep")
        return header

    def clear_cookies(self) -> list[str]:
        """``Set-Cookie`` values that end the session under either name (a host-only old cookie included)."""
        return [clear_cookie_header(self.name), clear_cookie_header(LEGACY_COOKIE_NAME)]


def set_cookie_header(
    name: str, value: str, max_age: int, *, path: str = "/", same_site: str = "Lax", secure: bool = True
) -> str:
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max_age}", "HttpOnly"]
    if secure:
        parts.append("Secure")
    parts.append(f"SameSite={same_site}")
    return "; ".join(parts)


def clear_cookie_header(name: str, *, path: str = "/", same_site: str = "Lax") -> str:
    expired = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    return f"{name}=; Path={path}; {expired}; HttpOnly; Secure; SameSite={same_site}"


def cookie_values(cookie_headers: Iterable[str], name: str) -> list[str]:
    """Every value of cookie ``name`` in the given ``Cookie`` headers, tolerating malformed neighbours."""
    values: list[str] = []
    for header in cookie_headers:
        for pair in header.split(";"):
            key, separator, value = pair.strip().partition("=")
            if separator and key.strip() == name:
                values.append(value.strip().strip('"'))
    return values
