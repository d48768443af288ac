"""The live portal's door: API Gateway's REQUEST authoriser on the WebSocket API's ``$connect`` route.

Standard library only, like the gatekeeper: the function runs from the gatekeeper's own package, so it reads the
very ``edge_config.json`` the gatekeeper reads and accepts exactly the sessions the gatekeeper accepts (the same
keys, current and previous; the same idle and absolute limits).

The browser cannot set headers on a WebSocket handshake, but it sends its cookies: CloudFront's ``/live`` behaviour
forwards the ``Cookie`` header to the API, which hands it to this function (identity source
``route.request.header.Cookie``). The handshake's ``Origin`` must be the portal's own, so a page of another site
that a signed-in user visits cannot open a socket with the user's cookie (cross-site WebSocket hijacking).

The answer is an IAM policy for the one ``$connect`` method; an allowed connection carries the email, groups and
the session's end in the authoriser context, which the connect handler stores with the connection so that fan-out
can check who may see what and close the connection when the session ends.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ccm.edge.session import SessionCookie, TokenRejected


@dataclass(frozen=True)
class LiveDecision:
    """Whether a handshake may connect, and as whom; ``reason`` is a short stable code for logs and tests."""

    allowed: bool
    reason: str
    email: str = ""
    groups: tuple[str, ...] = ()
    expires_at: int = 0

    def policy(self, method_arn: str) -> dict[str, Any]:
        """API Gateway's answer: an IAM policy for the ``$connect`` method, with the caller in the context."""
        document = {
            "principalId": self.email or "anonymous",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": "execute-api:Invoke",
                        "Effect": "Allow" if self.allowed else "Deny",
                        "Resource": method_arn,
                    }
                ],
            },
        }
        if self.allowed:
            document["context"] = {
                "email": self.email,
                # API Gateway's context holds only strings, numbers and booleans: the list travels as JSON.
                "groups": json.dumps(list(self.groups)),
                "expiresAt": self.expires_at,
            }
        return document


def _header_values(event: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a header, from ``multiValueHeaders`` when API Gateway sends them, else ``headers``."""
    wanted = name.lower()
    values: list[str] = []
    for key, value in (event.get("multiValueHeaders") or {}).items():
        if key.lower() == wanted and isinstance(value, list):
            values.extend(str(each) for each in value)
    if values:
        return values
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == wanted and isinstance(value, str):
            values.append(value)
    return values


class LiveAuthorizer:
    """Decides a ``$connect`` handshake with the gatekeeper's session cookie and the portal's origin."""

    def __init__(self, cookie: SessionCookie, public_origin: str) -> None:
        self.cookie = cookie
        self.public_origin = public_origin.rstrip("/").lower()

    def decide(self, event: Mapping[str, Any], now: float | None = None) -> LiveDecision:
        moment = time.time() if now is None else now
        origins = _header_values(event, "origin")
        if len(origins) != 1 or origins[0].rstrip("/").lower() != self.public_origin:
            return LiveDecision(False, "foreign-origin")
        try:
            session = self.cookie.read(_header_values(event, "cookie"), moment)
        except TokenRejected as rejection:
            return LiveDecision(False, rejection.reason)
        # The connection ends where the session would: at its idle expiry (a renewed cookie reconnects).
        return LiveDecision(True, "session", session.email.lower(), session.groups, session.expires_at)

    def handle(self, event: Mapping[str, Any], now: float | None = None) -> dict[str, Any]:
        return self.decide(event, now).policy(str(event.get("methodArn") or "*"))
