"""The viewer-request gatekeeper: every request passes here before CloudFront serves or forwards it.

Standard library only, so its Lambda@Edge package stays far below the 1 MB viewer-request limit.

Why a refresh is a redirect: a viewer-request function can answer a request itself or forward it, but it cannot
add ``Set-Cookie`` to the response of a request it forwards. So a session past half its life is renewed by
answering a GET/HEAD page navigation with a 302 to the very same URL that carries the renewed cookie (one extra
round trip at most once per half hour). Requests that cannot be replayed that way (API calls, fetches, other
methods) are forwarded unchanged; the portal keeps their session alive by calling ``GET /saml/refresh``, which
the gatekeeper answers itself with the session state and, when due, the renewed cookie.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import quote

from ccm.edge.cloudfront import (
    EdgeRequest,
    EdgeResponse,
    cloudfront_request,
    json_response,
    redirect,
    set_identity_headers,
    strip_identity_headers,
)
from ccm.edge.edge_config import SAML_PREFIX, EdgeConfig
from ccm.edge.next_url import HOME, is_safe_path, same_site_path
from ccm.edge.session import Session, SessionCookie, TokenRejected


class Log(Protocol):
    """What the edge writes its log lines to: a ``logging.Logger`` or a Powertools ``Logger``."""

    def info(self, msg: object, *args: object) -> None: ...

    def warning(self, msg: object, *args: object) -> None: ...

    def exception(self, msg: object, *args: object) -> None: ...


LOGIN_PATH = SAML_PREFIX + "login"
SESSION_PATHS = frozenset({SAML_PREFIX + "refresh", "/auth-check"})
# Rejections that mean someone altered or forged a cookie rather than a session simply running out.
SUSPICIOUS = frozenset({"malformed", "unknown-key", "bad-signature", "ambiguous"})

Clock = Callable[[], float]


class Gatekeeper:
    def __init__(self, config: EdgeConfig, clock: Clock = time.time, log: Log | None = None) -> None:
        self.config = config
        self.cookie = SessionCookie(config.cookie_keys, config.session)
        self.clock = clock
        self.log = log or logging.getLogger(__name__)
        policy = config.session
        self.log.info(
            "session policy: idle %ss, absolute %ss, renewed after %d%% of its life",
            policy.idle_seconds,
            policy.absolute_seconds,
            round(policy.refresh_after_fraction * 100),
        )

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The forwarded request (identity headers set by the edge alone) or a generated response."""
        request = cloudfront_request(event)
        spoofed = strip_identity_headers(request)
        view = EdgeRequest.from_event(event, with_body=False)
        if spoofed:
            self.log.warning("removed client-sent identity headers %s request_id=%s", sorted(spoofed), view.request_id)
        if view.uri in SESSION_PATHS:
            return self.session_state(view).to_cloudfront()
        if view.uri.startswith(SAML_PREFIX):
            return request
        now = self.clock()
        try:
            session = self.cookie.read(view.header_values("cookie"), now)
        except TokenRejected as rejection:
            return self.unauthenticated(view, rejection).to_cloudfront()
        renewed = self.cookie.refreshed(session, now)
        if renewed and _replayable_navigation(view) and is_safe_path(view.path_and_query, self.config.public_origin):
            self.log.info("session renewed by redirect email=%s age=%ss", session.email, session.age(now))
            return redirect(view.path_and_query, self.cookie.set_cookie(renewed, now)).to_cloudfront()
        set_identity_headers(request, session.email, session.groups)
        return request

    def session_state(self, view: EdgeRequest) -> EdgeResponse:
        """``GET /saml/refresh``: who is signed in and until when, renewing the cookie when it is due."""
        now = self.clock()
        try:
            session = self.cookie.read(view.header_values("cookie"), now)
        except TokenRejected as rejection:
            return self.unauthenticated(view, rejection)
        renewed = self.cookie.refreshed(session, now)
        current = renewed or session
        cookies = [self.cookie.set_cookie(renewed, now)] if renewed else []
        return json_response(200, self._describe(current), *cookies)

    def _describe(self, session: Session) -> dict[str, Any]:
        return {
            "authenticated": True,
            "email": session.email,
            "user": session.email,
            "groups": list(session.groups),
            "expires_at": session.expires_at,
            "session_ends_at": session.started_at + self.cookie.policy.absolute_seconds,
            "message": "User is authenticated",
        }

    def unauthenticated(self, view: EdgeRequest, rejection: TokenRejected) -> EdgeResponse:
        write = self.log.warning if rejection.reason in SUSPICIOUS else self.log.info
        write(
            "session not accepted: reason=%s (%s) method=%s path=%s request_id=%s",
            rejection.reason,
            rejection,
            view.method,
            view.uri[:200],
            view.request_id,
        )
        cookies = [] if rejection.reason == "missing" else self.cookie.clear_cookies()
        if _browser_navigation(view):
            return redirect(self.login_url(view), *cookies)
        document = {
            "error": "unauthenticated",
            "message": "Sign-in required: the session is missing or has expired.",
            "reason": rejection.reason,
            "login_url": LOGIN_PATH,
        }
        return json_response(401, document, *cookies)

    def login_url(self, view: EdgeRequest) -> str:
        target = view.path_and_query if view.uri not in SESSION_PATHS else HOME
        if not is_safe_path(target, self.config.public_origin):
            target = HOME
        return f"{LOGIN_PATH}?next={quote(same_site_path(target, self.config.public_origin), safe='')}"


API_DOCS_PAGE = "/api/docs"
"""The one page the API serves (Swagger UI): opened in a browser, it is sent to sign-in like the portal's pages."""


def _browser_navigation(view: EdgeRequest) -> bool:
    """A page a person asked for (sent to the sign-in page), as opposed to an API call (answered 401)."""
    if view.uri.startswith("/api/") and view.uri != API_DOCS_PAGE:
        return False
    if view.header("sec-fetch-mode") == "navigate":
        return True
    return "text/html" in (view.header("accept") or "")


def _replayable_navigation(view: EdgeRequest) -> bool:
    return view.method in ("GET", "HEAD") and _browser_navigation(view)
