"""The development identity provider as a WSGI application (mount it anywhere; links follow ``SCRIPT_NAME``).

Routes, relative to the mount point:

- ``GET /`` and ``GET /sso?SAMLRequest=..&RelayState=..``: the sign-in page listing the demo users (an
  IdP-initiated sign-in without ``SAMLRequest``, an answer to the portal's AuthnRequest with it).
- ``POST /sso`` (``user`` or ``email`` + ``groups``, plus the hidden ``SAMLRequest``/``RelayState``): a page
  that posts the signed response to the portal's assertion consumer service.
- ``GET /metadata``: the IdP metadata XML (feed it to ``ccm edge-config build --idp-metadata``).
- ``GET /slo?SAMLRequest=..``: single logout; answers the portal's logout service with a LogoutResponse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from ccm.devidp.provider import DemoUser, DevIdentityProvider, DevIdpError

StartResponse = Callable[..., Any]
MAX_FORM_BYTES = 64 * 1024


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("ccm", "templates"), autoescape=select_autoescape(["html"]))


def _template(name: str) -> Template:
    return _templates().get_template(name)


class DevIdpApp:
    def __init__(self, idp: DevIdentityProvider) -> None:
        self.idp = idp

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        query = _single(parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True))
        try:
            if path in ("/", "/sso") and method in ("GET", "HEAD"):
                return self._sign_in_page(environ, query, start_response)
            if path == "/sso" and method == "POST":
                return self._post_response(_read_form(environ), start_response)
            if path == "/metadata" and method in ("GET", "HEAD"):
                return _respond(start_response, "200 OK", "application/samlmetadata+xml", self.idp.metadata())
            if path == "/slo" and method in ("GET", "HEAD"):
                return self._logout(query, start_response)
        except DevIdpError as error:
            return _message(start_response, "400 Bad Request", "Request refused", str(error))
        return _message(start_response, "404 Not Found", "Not found", f"The identity provider has no page {path}.")

    def _sign_in_page(
        self, environ: dict[str, Any], query: dict[str, str], start_response: StartResponse
    ) -> list[bytes]:
        saml_request = query.get("SAMLRequest", "")
        if saml_request:
            self.idp.read_authn_request(saml_request)
        html = _template("devidp_signin.html").render(
            service_provider=self.idp.service_provider.entity_id,
            users=self.idp.users,
            action=str(environ.get("SCRIPT_NAME", "")) + "/sso",
            saml_request=saml_request,
            relay_state=query.get("RelayState", ""),
        )
        return _respond(start_response, "200 OK", "text/html; charset=utf-8", html)

    def _post_response(self, form: dict[str, str], start_response: StartResponse) -> list[bytes]:
        user = self._chosen_user(form)
        in_response_to = None
        if form.get("SAMLRequest"):
            in_response_to = self.idp.read_authn_request(form["SAMLRequest"]).request_id
        html = _template("devidp_post.html").render(
            acs_url=self.idp.service_provider.acs_url,
            saml_response=self.idp.sign_in(user, in_response_to),
            relay_state=form.get("RelayState", ""),
        )
        return _respond(start_response, "200 OK", "text/html; charset=utf-8", html)

    def _chosen_user(self, form: dict[str, str]) -> DemoUser:
        if form.get("user"):
            user = self.idp.user(form["user"])
            if user is None:
                raise DevIdpError(f"there is no demo user {form['user']!r}")
            return user
        email = form.get("email", "").strip()
        if "@" not in email:
            raise DevIdpError("enter an email address to sign in as")
        groups = tuple(group.strip() for group in form.get("groups", "").split(",") if group.strip())
        return DemoUser(email, "custom", groups)

    def _logout(self, query: dict[str, str], start_response: StartResponse) -> list[bytes]:
        if not query.get("SAMLRequest"):
            raise DevIdpError("a LogoutRequest (SAMLRequest) is required")
        location = self.idp.logout_redirect(query["SAMLRequest"], query.get("RelayState"))
        if location is None:
            return _message(start_response, "200 OK", "Signed out", "You are signed out of the identity provider.")
        start_response("302 Found", [("Location", location), ("Cache-Control", "no-store")])
        return [b""]


def _single(fields: dict[str, list[str]]) -> dict[str, str]:
    return {name: values[0] for name, values in fields.items() if values}


def _read_form(environ: dict[str, Any]) -> dict[str, str]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise DevIdpError("Content-Length is not a number") from None
    if length > MAX_FORM_BYTES:
        raise DevIdpError("the form is too large")
    body = environ["wsgi.input"].read(length) if length else b""
    return _single(parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def _respond(start_response: StartResponse, status: str, content_type: str, text: str) -> list[bytes]:
    body = text.encode("utf-8")
    start_response(
        status, [("Content-Type", content_type), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")]
    )
    return [body]


def _message(start_response: StartResponse, status: str, title: str, message: str) -> list[bytes]:
    html = _template("edge_page.html").render(title=title, message=message)
    return _respond(start_response, status, "text/html; charset=utf-8", html)
