"""The local edge server in this process: the real handlers called in-thread, requests made straight through WSGI."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from ccm.config import load_config
from ccm.devidp.local import local_sign_in
from ccm.devidp.wsgi import DevIdpApp
from ccm.local.cloudfront import s3_origin
from ccm.local.edge_server import EdgeFunctions, LocalEdge
from ccm.local.http import WsgiApp
from ccm.local.lambdas import FunctionSpec, LocalContext
from ccm.local.static_site import StaticSite
from tests.conftest import CONFIG_PATH, TABLE
from tests.html_forms import forms_of

PUBLIC = "http://localhost:8080"
HOST = "localhost:8080"


@dataclass
class InProcess:
    """A function invoked in this thread; events and results make the JSON round trip a real invocation makes."""

    name: str
    handler: Callable[[dict[str, Any], Any], Any]
    events: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        event = json.loads(json.dumps(event))
        self.events.append(event)
        context = LocalContext.for_invocation(FunctionSpec(self.name, "in-process", 30), request_id)
        return json.loads(json.dumps(self.handler(event, context)))


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def header_values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: WsgiApp,
    method: str,
    target: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    host: str = HOST,
) -> Reply:
    """One request through WSGI, the way waitress passes it on (the raw URI kept as ``REQUEST_URI``)."""
    parts = urlsplit(target)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(parts.path, encoding="latin-1"),
        "QUERY_STRING": parts.query,
        "REQUEST_URI": parts.path + (f"?{parts.query}" if parts.query else ""),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8080",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
    }
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    captured: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        captured.update(status=int(status.split()[0]), headers=response_headers)

    chunks = b"".join(app(environ, start_response))
    return Reply(captured["status"], captured["headers"], chunks)


@dataclass
class Visitor:
    """A browser in miniature: keeps cookies, sends them back, follows redirects on request."""

    app: WsgiApp
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Reply:
        sent = {"Accept": "text/html", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        reply = call(self.app, method, target.removeprefix(PUBLIC), headers=sent, body=body)
        for cookie in reply.header_values("Set-Cookie"):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return reply

    def follow(self, method: str, target: str, **options: Any) -> Reply:
        reply = self.request(method, target, **options)
        while reply.status in (302, 303):
            reply = self.request("GET", reply.header("Location") or "/")
        return reply

    def sign_in(self, email: str) -> Reply:
        page = self.follow("GET", "/")
        chosen = next(form for form in forms_of(page.text) if form["fields"].get("user") == email)
        posted = self.request("POST", chosen["action"], **_form(chosen["fields"]))
        [auto_post] = forms_of(posted.text)
        return self.request("POST", auto_post["action"], **_form(auto_post["fields"]))

    def api(self, method: str, path: str, document: Any = None, *, signed: bool = True) -> Reply:
        body = b"" if document is None else json.dumps(document).encode()
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if signed:
            headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
        return self.request(method, path, headers=headers, body=body)


def _form(fields: dict[str, str]) -> dict[str, Any]:
    return {
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        "body": urlencode(fields).encode(),
    }


@dataclass
class LocalEdgeUnderTest:
    edge: LocalEdge
    gatekeeper: InProcess
    saml: InProcess
    api: InProcess
    web: Path


def build_edge(tmp_path: Path, edge_module: ModuleType, api_module: ModuleType) -> LocalEdgeUnderTest:
    """The edge server over the real gatekeeper, SAML and API handlers, and a ``web/`` folder of its own."""
    app_config = load_config(CONFIG_PATH)
    idp, edge_config = local_sign_in(
        app_config, tmp_path / "devidp", public_base_url=PUBLIC, idp_base_url=f"{PUBLIC}/idp", table=TABLE
    )
    edge_module.use_config(edge_config)
    web = tmp_path / "web"
    web.mkdir()
    gatekeeper = InProcess("ccm-gatekeeper", edge_module.viewer_request)
    saml = InProcess("ccm-saml", edge_module.saml_handler)
    api = InProcess("ccm-api", api_module.handler)
    edge = LocalEdge(
        PUBLIC,
        EdgeFunctions(gatekeeper, saml, api),
        StaticSite(web),
        s3_origin("ccm-local-web", "us-east-1"),
        mounts={"/idp": DevIdpApp(idp)},
    )
    return LocalEdgeUnderTest(edge, gatekeeper, saml, api, web)
