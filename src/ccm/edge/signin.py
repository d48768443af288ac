"""SAML sign-in on ``/saml/*`` (the origin-request handler): login, assertion consumer, metadata, logout.

Every response the identity provider posts is validated by python3-saml in strict mode against the configured
certificate only, then checked once more here where python3-saml is lenient (exact Destination and Recipient,
an Audience that must be present, InResponseTo bound to a login this browser started), then recorded in the
table: the login request it answers is consumed (answered at most once, whatever cookies come back) and the
assertion enters the replay cache. Anything else is refused with a log line that says why, a 4xx page and no
session cookie; an error nobody foresaw is logged with its traceback and answered 400, never a 5xx.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import xmlsec
from lxml import etree
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.errors import OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

from ccm.edge.cloudfront import EdgeRequest, EdgeResponse, redirect
from ccm.edge.edge_config import SAML_PREFIX, EdgeConfig
from ccm.edge.gatekeeper import SESSION_PATHS, Gatekeeper, Log
from ccm.edge.identity import IdentityRejected, identify
from ccm.edge.next_url import HOME, UnsafeRedirect, same_site_path
from ccm.edge.pages import STYLESHEET_PATH, page, stylesheet
from ccm.edge.replay import ReplayCache, ReplayCacheUnavailable
from ccm.edge.saml_settings import request_data, saml_settings
from ccm.edge.session import (
    SessionCookie,
    TokenRejected,
    TokenSigner,
    clear_cookie_header,
    cookie_values,
    set_cookie_header,
)

REQUEST_COOKIE = "__Host-SAML_REQUEST"
# Logins started before the __Host- names (Path=/saml/): read for one release, never written; they last 10 minutes.
LEGACY_REQUEST_COOKIE = "SAML_REQUEST"
REQUEST_PURPOSE = "authn-request"
REQUEST_TTL_SECONDS = 600
MAX_PENDING_REQUESTS = 5
MAX_SAML_RESPONSE_BYTES = 256 * 1024
# What python3-saml raises, itself or through lxml and xmlsec, about a response it cannot read. Some surface only
# when a value is asked for after is_valid() passed (an empty NameID in get_nameid), so every read is covered.
SAML_LIBRARY_ERRORS = (OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError, xmlsec.Error, etree.Error)


class SignInRejected(Exception):
    """A sign-in attempt refused on purpose. ``reason`` is a stable code; the message is the log detail."""

    def __init__(self, reason: str, detail: str, status: int = 403, public: str = "") -> None:
        super().__init__(detail)
        self.reason = reason
        self.status = status
        self.public = public or "The sign-in response could not be accepted. Please sign in again."


@dataclass(frozen=True)
class Rejection:
    """What the handler reports (log, ``SignInsRejected`` metric) for each refused attempt."""

    reason: str
    detail: str
    path: str
    request_id: str


class SamlSignIn:
    def __init__(
        self,
        config: EdgeConfig,
        replay: ReplayCache,
        clock: Callable[[], float] = time.time,
        on_rejection: Callable[[Rejection], None] | None = None,
        log: Log | None = None,
    ) -> None:
        self.log = log or logging.getLogger(__name__)
        self.config = config
        self.replay = replay
        self.clock = clock
        self.on_rejection = on_rejection or (lambda rejection: None)
        self.cookie = SessionCookie(config.cookie_keys, config.session)
        self.requests = TokenSigner(config.cookie_keys, REQUEST_PURPOSE)
        self.settings_document = saml_settings(config)
        self.settings = OneLogin_Saml2_Settings(self.settings_document, sp_validation_only=True)
        # python3-saml reads its allowance for clock differences from this class attribute only.
        OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT = config.clock_skew_seconds
        self.gatekeeper = Gatekeeper(config, clock, self.log)
        self.routes: dict[str, Callable[[EdgeRequest], EdgeResponse]] = {
            SAML_PREFIX + "login": self.login,
            config.acs_path: self.acs,
            SAML_PREFIX + "metadata": self.metadata,
            SAML_PREFIX + "logout": self.logout,
            SAML_PREFIX + "sls": self.single_logout_service,
            STYLESHEET_PATH: lambda view: stylesheet(),
        }

    def handle(self, view: EdgeRequest) -> EdgeResponse:
        try:
            return self._route(view)
        except Exception as error:  # the last resort: whatever was not foreseen is still the client's 400
            return self._unexpected(view, error)

    def _route(self, view: EdgeRequest) -> EdgeResponse:
        if view.uri in SESSION_PATHS:
            return self.gatekeeper.session_state(view)
        route = self.routes.get(view.uri)
        if route is None:
            return page(404, "Not found", f"There is no sign-in page at {view.uri[:200]}.")
        try:
            return route(view)
        except SignInRejected as rejection:
            return self._refuse(view, rejection)
        except ReplayCacheUnavailable as error:
            self.log.warning("sign-in unavailable: %s request_id=%s", error, view.request_id)
            return page(
                503,
                "Sign-in is temporarily unavailable",
                "Please try again in a minute.",
                reference=view.request_id,
                action_url=SAML_PREFIX + "login",
                action_label="Try again",
            ).with_header("Retry-After", "30")

    def _unexpected(self, view: EdgeRequest, error: Exception) -> EdgeResponse:
        """Log the traceback (it is a defect to fix) and refuse like any bad input, counted in the same metric."""
        detail = f"{type(error).__name__}: {str(error)[:300]}"
        self.log.exception(
            "sign-in failed unexpectedly: %s method=%s path=%s request_id=%s",
            detail,
            view.method,
            view.uri[:200],
            view.request_id,
        )
        try:
            self.on_rejection(Rejection("unexpected-error", detail, view.uri[:200], view.request_id))
        except Exception:  # the answer must not depend on the metric being written
            self.log.exception("the rejection could not be counted request_id=%s", view.request_id)
        return page(
            400,
            "Sign-in refused",
            "This sign-in request could not be processed. Please sign in again.",
            reference=view.request_id,
            action_url=SAML_PREFIX + "login",
            action_label="Sign in again",
        )

    def _refuse(self, view: EdgeRequest, rejection: SignInRejected) -> EdgeResponse:
        self.log.warning(
            "sign-in rejected: reason=%s detail=%s path=%s request_id=%s",
            rejection.reason,
            rejection,
            view.uri,
            view.request_id,
        )
        self.on_rejection(Rejection(rejection.reason, str(rejection), view.uri, view.request_id))
        return page(
            rejection.status,
            "Sign-in refused",
            rejection.public,
            reference=view.request_id,
            action_url=SAML_PREFIX + "login",
            action_label="Sign in again",
        )

    # /saml/login -------------------------------------------------------------------------------------------

    def login(self, view: EdgeRequest) -> EdgeResponse:
        """Start an SP-initiated sign-in: an AuthnRequest to the identity provider, remembered in a cookie."""
        if view.method not in ("GET", "HEAD"):
            return page(405, "Method not allowed", "Use GET to start signing in.").with_header("Allow", "GET, HEAD")
        values = self._query(view).get("next", [""])
        if len(values) != 1:
            raise SignInRejected(
                "unsafe-redirect", "next was given more than once", 400, "The sign-in link is invalid."
            )
        target = self._next(values[0], "next")
        auth = OneLogin_Saml2_Auth(request_data(self.config, view.uri), self.settings_document)
        location = auth.login(return_to=target)
        now = int(self.clock())
        pending = [(id_, expiry) for id_, expiry in self._pending(view, now) if id_ != auth.get_last_request_id()]
        pending = [*pending[-(MAX_PENDING_REQUESTS - 1) :], (auth.get_last_request_id(), now + REQUEST_TTL_SECONDS)]
        return redirect(location, *self._pending_cookies(view, pending, now))

    def _query(self, view: EdgeRequest) -> dict[str, list[str]]:
        try:
            return view.query()
        except ValueError as error:  # more fields than parse_qs is allowed to read
            raise SignInRejected("malformed-query", f"the query string cannot be read: {error}", 400) from None

    def _next(self, value: str, field: str) -> str:
        try:
            return same_site_path(value, self.config.public_origin)
        except UnsafeRedirect as error:
            raise SignInRejected(
                "unsafe-redirect", f"{field}: {error}", 400, "The sign-in link points to another site."
            ) from None

    def _pending(self, view: EdgeRequest, now: int) -> list[tuple[str, int]]:
        """Login requests this browser started that have not expired (the InResponseTo it may present).

        Read from the one ``__Host-`` cookie, else from the one cookie of the old name; several values under one
        name were not set by this site alone, so none of them counts.
        """
        headers = view.header_values("cookie")
        for name in (REQUEST_COOKIE, LEGACY_REQUEST_COOKIE):
            values = cookie_values(headers, name)
            if len(values) > 1:
                self.log.warning("ignored %d %s cookies request_id=%s", len(values), name, view.request_id)
                return []
            if values:
                return self._pending_entries(values[0], now)
        return []

    def _pending_entries(self, value: str, now: int) -> list[tuple[str, int]]:
        try:
            payload = self.requests.verify(value)
        except TokenRejected:
            return []
        entries = payload.get("pending")
        if not isinstance(entries, list):
            return []
        return [
            (str(entry[0]), int(entry[1]))
            for entry in entries
            if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], int) and entry[1] > now
        ]

    def _pending_cookies(self, view: EdgeRequest, pending: list[tuple[str, int]], now: int) -> list[str]:
        # SameSite=None: the identity provider posts to the ACS from its own site, a cross-site POST.
        cookies = []
        if cookie_values(view.header_values("cookie"), LEGACY_REQUEST_COOKIE):
            cookies.append(clear_cookie_header(LEGACY_REQUEST_COOKIE, path=SAML_PREFIX, same_site="None"))
        if not pending:
            return [*cookies, clear_cookie_header(REQUEST_COOKIE, same_site="None")]
        token = self.requests.sign({"pending": [list(entry) for entry in pending]})
        max_age = max(expiry for _, expiry in pending) - now
        return [*cookies, set_cookie_header(REQUEST_COOKIE, token, max_age, same_site="None")]

    # POST /saml/acs ----------------------------------------------------------------------------------------

    def acs(self, view: EdgeRequest) -> EdgeResponse:
        if view.method != "POST":
            return page(405, "Method not allowed", "The identity provider posts here.").with_header("Allow", "POST")
        form = self._form(view)
        target = self._next(form.get("RelayState", ""), "RelayState")
        now = int(self.clock())
        pending = self._pending(view, now)
        with _library_errors_refused():
            response = self._parse(form["SAMLResponse"])
            expected = self._expected_request(response, {id_ for id_, _ in pending})
            data = request_data(self.config, self.config.acs_path, post=form)
            try:
                response.is_valid(data, request_id=expected, raise_exceptions=True)
            except Exception as error:  # python3-saml signals every validation failure with an exception
                raise SignInRejected("invalid-response", f"{type(error).__name__}: {error}") from None
            assertion = self._signed_assertion(response)
            self._check_strictly(response, assertion, expected)
            try:
                user = identify(self.config, response.get_nameid(), response.get_attributes())
            except IdentityRejected as error:
                raise SignInRejected("identity-not-allowed", str(error), error.status, str(error)) from None
            assertion_id = str(response.get_assertion_id())
            not_on_or_after = response.get_assertion_not_on_or_after() or now + REQUEST_TTL_SECONDS
        if expected is not None:
            self._consume_request(expected, dict(pending)[expected], now)
        if not self.replay.first_use(assertion_id, int(not_on_or_after) + self.config.clock_skew_seconds, now):
            raise SignInRejected("replayed", f"assertion {assertion_id} was already used to sign in")
        session = self.cookie.start(user.email, user.groups, now)
        self.log.info(
            "signed in email=%s groups=%s assertion_id=%s flow=%s",
            user.email,
            ",".join(user.groups),
            assertion_id,
            "sp-initiated" if expected else "idp-initiated",
        )
        remaining = [(id_, expiry) for id_, expiry in pending if id_ != expected]
        return redirect(target, self.cookie.set_cookie(session, now), *self._pending_cookies(view, remaining, now))

    def _consume_request(self, request_id: str, expires_at: int, now: int) -> None:
        """Answer each login request at most once, at every edge location: the browser's cookie can be replayed."""
        if not self.replay.first_answer(request_id, expires_at + self.config.clock_skew_seconds, now):
            raise SignInRejected(
                "request-already-answered",
                f"login request {request_id[:80]!r} was already answered",
                public="This sign-in was already completed or abandoned. Please sign in again.",
            )

    def _form(self, view: EdgeRequest) -> dict[str, str]:
        if view.body_truncated or len(view.body) > MAX_SAML_RESPONSE_BYTES:
            raise SignInRejected("too-large", f"the posted form is larger than {MAX_SAML_RESPONSE_BYTES} bytes", 413)
        try:
            fields = view.form()
        except (UnicodeDecodeError, ValueError) as error:
            raise SignInRejected("malformed-form", f"the posted form cannot be read: {error}", 400) from None
        if any(len(values) != 1 for values in fields.values()):
            raise SignInRejected("malformed-form", "a form field was posted more than once", 400)
        form = {name: values[0] for name, values in fields.items()}
        if not form.get("SAMLResponse"):
            raise SignInRejected("missing-response", "the form carries no SAMLResponse", 400)
        return form

    def _parse(self, encoded: str) -> OneLogin_Saml2_Response:
        compact = "".join(encoded.split())
        try:
            base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            raise SignInRejected("malformed-response", "SAMLResponse is not base64", 400) from None
        try:
            return OneLogin_Saml2_Response(self.settings, compact)
        except Exception as error:  # lxml and python3-saml's parser raise many types for hostile XML
            raise SignInRejected("malformed-response", f"SAMLResponse is not acceptable XML: {error}", 400) from None

    def _expected_request(self, response: OneLogin_Saml2_Response, pending: set[str]) -> str | None:
        in_response_to = response.get_in_response_to()
        if in_response_to is None:
            if not self.config.allow_idp_initiated:
                raise SignInRejected(
                    "unsolicited", "an identity-provider-initiated response arrived but is not allowed"
                )
            return None
        if in_response_to not in pending:
            raise SignInRejected(
                "unknown-request",
                f"InResponseTo {in_response_to[:80]!r} matches no sign-in started from this browser",
                public="This sign-in was not started from this browser or took too long. Please sign in again.",
            )
        return str(in_response_to)

    def _signed_assertion(self, response: OneLogin_Saml2_Response) -> Any:
        """The one assertion, the one whose signature python3-saml verified."""
        document = response.get_xml_document()
        assertion_id = response.get_assertion_id()
        found = OneLogin_Saml2_XML.query(document, "/samlp:Response/saml:Assertion[@ID=$tagid]", None, assertion_id)
        if len(found) != 1:
            raise SignInRejected("invalid-response", "the signed assertion is not a direct child of the response")
        return found[0]

    def _check_strictly(self, response: OneLogin_Saml2_Response, assertion: Any, expected: str | None) -> None:
        """The checks python3-saml leaves loose: it compares URLs by prefix and accepts a missing audience."""
        acs_url = self.config.acs_url
        destination = response.get_xml_document().get("Destination")
        if destination is not None and destination != acs_url:
            raise SignInRejected("wrong-destination", f"Destination {destination[:200]!r} is not {acs_url}")
        audiences = [_text(node) for node in OneLogin_Saml2_XML.query(assertion, "./saml:Conditions//saml:Audience")]
        if self.config.sp_entity_id not in audiences:
            raise SignInRejected("wrong-audience", f"audience {audiences} does not name {self.config.sp_entity_id}")
        confirmations = OneLogin_Saml2_XML.query(
            assertion,
            "./saml:Subject/saml:SubjectConfirmation[@Method='urn:oasis:names:tc:SAML:2.0:cm:bearer']"
            "/saml:SubjectConfirmationData",
        )
        matching = [node for node in confirmations if node.get("Recipient") == acs_url]
        if not matching:
            recipients = [node.get("Recipient") for node in confirmations]
            raise SignInRejected(
                "wrong-recipient", f"no bearer confirmation has Recipient {acs_url} (got {recipients})"
            )
        if any(node.get("InResponseTo") not in (None, expected) for node in matching):
            raise SignInRejected("unknown-request", "the signed InResponseTo differs from the response's")

    # /saml/metadata ----------------------------------------------------------------------------------------

    def metadata(self, view: EdgeRequest) -> EdgeResponse:
        document = self.settings.get_sp_metadata()
        problems = self.settings.validate_metadata(document)
        if problems:
            raise RuntimeError(f"the service provider metadata is invalid: {problems}")
        text = document.decode("utf-8") if isinstance(document, bytes) else str(document)
        return EdgeResponse(
            200,
            [("Content-Type", "application/samlmetadata+xml; charset=utf-8"), ("Cache-Control", "max-age=300")],
            text,
        )

    # /saml/logout and /saml/sls ----------------------------------------------------------------------------

    def logout(self, view: EdgeRequest) -> EdgeResponse:
        """Forget the session in this browser, then end the identity provider's session when it offers SLO."""
        email = ""
        with contextlib.suppress(TokenRejected):
            email = self.cookie.read(view.header_values("cookie"), self.clock()).email
        cleared = self.cookie.clear_cookies()
        self.log.info("signed out email=%s", email or "(no session)")
        if self.config.idp.slo_url and email:
            auth = OneLogin_Saml2_Auth(request_data(self.config, view.uri), self.settings_document)
            location = auth.logout(return_to=HOME, name_id=email, name_id_format=self.config.name_id_format)
            return redirect(location, *cleared)
        return self._signed_out(*cleared)

    def single_logout_service(self, view: EdgeRequest) -> EdgeResponse:
        """The identity provider's answer to our logout, or its own request to log this browser out."""
        cleared = self.cookie.clear_cookies()
        try:
            query = {name: values[0] for name, values in view.query().items() if values}
            auth = OneLogin_Saml2_Auth(request_data(self.config, view.uri, get=query), self.settings_document)
            location = auth.process_slo(keep_local_session=True)
        except Exception as error:  # a malformed logout message must still end the local session
            self.log.warning("single logout message not understood: %s", error)
            return self._signed_out(*cleared)
        if auth.get_errors():
            self.log.warning("single logout message refused: %s %s", auth.get_errors(), auth.get_last_error_reason())
        if location:
            return redirect(location, *cleared)
        return self._signed_out(*cleared)

    def _signed_out(self, *cookies: str) -> EdgeResponse:
        return page(
            200,
            "Signed out",
            "You are signed out of the Customer Contact Manager.",
            *cookies,
            action_url=f"{SAML_PREFIX}login?next={quote(HOME, safe='')}",
            action_label="Sign in again",
        )


def _text(node: Any) -> str:
    return "".join(node.itertext()).strip()


@contextlib.contextmanager
def _library_errors_refused() -> Iterator[None]:
    """Whatever python3-saml raises while reading a response is an invalid response, refused like the others."""
    try:
        yield
    except SAML_LIBRARY_ERRORS as error:
        raise SignInRejected("invalid-response", f"{type(error).__name__}: {str(error)[:300]}") from None
