"""The local edge server: one WSGI application that plays CloudFront in front of the real handlers.

Cache behaviours as in ``infra/template.yaml``, chosen by the viewer's path:

- ``/api/*`` and the legacy API paths: the gatekeeper (viewer request), then the API function through its
  Function URL (payload 2.0), with only the headers the API's origin request policy forwards;
- ``/saml/*``: the SAML handler as an origin-request function, with the body, cookies and query;
- ``/feeds/*``: no gatekeeper (customers' public calendars); the API function with nothing but the path, its
  answers kept 5 minutes (``ccm.local.edge_cache``) and given the portal's headers;
- ``/feedback/*``: no gatekeeper (completion emails' rating pages); the API function with the path, the query, the
  form's body and its hash, never cached, given the portal's headers;
- everything else: the gatekeeper, then the web bucket (``web/`` on disk).

A 404 from the web bucket passes through the gatekeeper again, as the web behaviour's origin-response function,
which gives an unknown path the portal's 404 page; every answer then gets CloudFront's compression
(``ccm.local.compression``).

Applications mounted by prefix (the development identity provider, the outbox) are answered before the edge:
they are not part of the distribution.
"""

from __future__ import annotations

import base64
import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from ccm.edge.behaviours import FEEDS_CACHE_SECONDS, is_api_path, is_feedback_path, is_feeds_path, is_saml_path
from ccm.local.cloudfront import (
    API_POLICY,
    FEEDBACK_POLICY,
    FEEDS_POLICY,
    SAML_POLICY,
    ForwardedRequest,
    generated_response,
    is_generated_response,
    origin_request_event,
    origin_response_event,
    payload_signature_matches,
    viewer_request_event,
    with_security_headers,
)
from ccm.local.compression import compress_for_viewer
from ccm.local.edge_cache import ResponseCache
from ccm.local.function_url import function_url_event, function_url_response, signature_refused
from ccm.local.http import BodyTooLarge, HttpRequest, HttpResponse, StartResponse, WsgiApp, text_response
from ccm.local.lambdas import FunctionError
from ccm.local.static_site import StaticSite
from ccm.web_assets import PORTAL_HEADERS

logger = logging.getLogger(__name__)
WEB_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Invoker(Protocol):
    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any: ...


@dataclass(frozen=True)
class EdgeFunctions:
    gatekeeper: Invoker
    saml: Invoker
    api: Invoker


def cloudfront_request_id() -> str:
    return base64.urlsafe_b64encode(os.urandom(42)).decode("ascii")


class LocalEdge:
    def __init__(
        self,
        public_base_url: str,
        functions: EdgeFunctions,
        site: StaticSite,
        web_origin: dict[str, Any],
        mounts: Mapping[str, WsgiApp] | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.public = urlsplit(public_base_url)
        self.functions = functions
        self.site = site
        self.web_origin = web_origin
        self.mounts = dict(mounts or {})
        self.region = region
        self.feeds_cache = ResponseCache(FEEDS_CACHE_SECONDS)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        host = str(environ.get("HTTP_HOST", "")).lower()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO") or "/")
        if host != self.public.netloc.lower():
            # Cookies and the SAML recipient belong to the public address; send every other name there.
            query = environ.get("QUERY_STRING")
            location = f"{self.public.scheme}://{self.public.netloc}{path}" + (f"?{query}" if query else "")
            return HttpResponse(307, [("Location", location)]).send(start_response, method)
        for prefix, app in self.mounts.items():
            if path == prefix or path.startswith(prefix + "/"):
                mounted = dict(environ, SCRIPT_NAME=str(environ.get("SCRIPT_NAME", "")) + prefix)
                mounted["PATH_INFO"] = path[len(prefix) :] or "/"
                return app(mounted, start_response)
        try:
            request = HttpRequest.from_environ(environ)
        except BodyTooLarge as error:
            return text_response(413, f"{error}\n").send(start_response, method)
        response = self.handle(request)
        logger.info(
            "%s %s -> %s (%d ms)", request.method, request.path, response.status, (time.monotonic() - started) * 1000
        )
        return response.send(start_response, request.method)

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = cloudfront_request_id()
        if is_saml_path(request.path):
            return with_security_headers(
                self._saml(request, ForwardedRequest.of(request).for_origin(SAML_POLICY), request_id)
            )
        if is_feeds_path(request.path):
            return self._feeds(request, request_id)
        if is_feedback_path(request.path):
            return self._public(
                self._api(ForwardedRequest.of(request).for_origin(FEEDBACK_POLICY), request_id), request
            )
        try:
            result = self.functions.gatekeeper.invoke(viewer_request_event(request, request_id), request_id)
        except FunctionError as error:
            logger.error("the gatekeeper failed: %s", error)
            return text_response(502, "The edge function failed (LambdaExecutionError). See .local-data/logs.\n")
        if is_generated_response(result):
            return generated_response(result)
        forwarded = ForwardedRequest.from_function(result, request)
        if is_api_path(request.path):
            api = self._api(forwarded.for_origin(API_POLICY), request_id)
            return with_security_headers(self._to_viewer(request, api))
        if request.method not in WEB_METHODS:
            return text_response(403, "This distribution is not configured to allow the HTTP request method.\n")
        file = self.site.respond(forwarded.method, forwarded.uri, forwarded.header("if-none-match"))
        response = self._to_viewer(request, self._web_origin_response(forwarded, file, request_id))
        response.headers.extend(PORTAL_HEADERS)
        return with_security_headers(response)

    def _feeds(self, request: HttpRequest, request_id: str) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return text_response(403, "This distribution is not configured to allow the HTTP request method.\n")
        response = self.feeds_cache.get(request.path)
        if response is None:
            response = self._api(ForwardedRequest.of(request).for_origin(FEEDS_POLICY), request_id)
            self.feeds_cache.keep(request.path, response)
        return self._public(response, request)

    def _public(self, response: HttpResponse, request: HttpRequest) -> HttpResponse:
        """A public behaviour's answer as the viewer gets it: the portal's response headers policy applied."""
        viewer = self._to_viewer(request, response)
        present = {name.lower() for name, _ in viewer.headers}
        viewer.headers.extend((name, value) for name, value in PORTAL_HEADERS if name.lower() not in present)
        return with_security_headers(viewer)

    def _to_viewer(self, request: HttpRequest, origin_response: HttpResponse) -> HttpResponse:
        """What CloudFront makes of an origin's response on its way to the viewer: compression."""
        return compress_for_viewer(origin_response, request.header("accept-encoding"))

    def _web_origin_response(self, request: ForwardedRequest, file: HttpResponse, request_id: str) -> HttpResponse:
        """The web behaviour's origin-response function (the gatekeeper) on a 404; it passes every other status on
        untouched, so the local edge calls it only for those."""
        if file.status != 404:
            return file
        event = origin_response_event(request, file, request_id, self.web_origin)
        try:
            result = self.functions.gatekeeper.invoke(event, request_id)
        except FunctionError as error:
            logger.error("the gatekeeper failed on an origin response: %s", error)
            return text_response(502, "The edge function failed (LambdaExecutionError). See .local-data/logs.\n")
        return generated_response(result) if result.get("body") is not None else file

    def _saml(self, viewer: HttpRequest, request: ForwardedRequest, request_id: str) -> HttpResponse:
        event = origin_request_event(request, request_id, self.web_origin)
        try:
            result = self.functions.saml.invoke(event, request_id)
        except FunctionError as error:
            logger.error("the SAML handler failed: %s", error)
            return text_response(502, "The sign-in function failed (LambdaExecutionError). See .local-data/logs.\n")
        if is_generated_response(result):
            return generated_response(result)
        # Forwarded rather than answered: the /saml/* behaviour's origin is the web bucket.
        file = self.site.respond(str(result.get("method") or request.method), str(result.get("uri") or request.uri))
        return self._to_viewer(viewer, file)

    def _api(self, request: ForwardedRequest, request_id: str) -> HttpResponse:
        if not payload_signature_matches(request):
            return signature_refused()
        try:
            result = self.functions.api.invoke(function_url_event(request, request_id, region=self.region), request_id)
        except FunctionError as error:
            logger.error("the API function failed: %s", error)
            return HttpResponse(502, [("Content-Type", "application/json")], b'{"Message":"Internal Server Error"}')
        return function_url_response(result)
