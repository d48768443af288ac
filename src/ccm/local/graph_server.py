"""A local stand-in for Microsoft's token endpoint and the Graph calendar endpoints ccm uses, over HTTPS.

The real msal and requests code runs against it unchanged: msal discovers the tenant
(``/{tenant}/v2.0/.well-known/openid-configuration``) and takes a client-credentials token
(``/{tenant}/oauth2/v2.0/token``); the Graph client creates, finds, updates and cancels events under
``/v1.0/users/{organizer}/events``. Every meeting created, updated or cancelled is recorded, so the local stack's
outbox page can list them (:meth:`GraphServer.meetings`, or ``GET /_local/meetings``), and faults such as 429 or
503 with ``Retry-After`` can be injected (:meth:`FakeGraph.inject`).

Usage::

    server = GraphServer(cert_dir=".local-data/graph").start()
    os.environ.update(server.environment())          # CCM_GRAPH_AUTHORITY_HOST, CCM_GRAPH_BASE_URL, CCM_GRAPH_CA_BUNDLE
    server.seed_parameters(config.graph_config, boto3.client("ssm"))   # the secrets msal will read from SSM
    ...
    server.meetings()                                # what was scheduled, for the outbox page
    server.stop()
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socket import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from ccm.local.fake_graph import GRAPH_PREFIX, FakeGraph, GraphRequest, MeetingAction
from ccm.local.tls import LocalCertificate, local_certificate

if TYPE_CHECKING:
    import requests
    from mypy_boto3_ssm import SSMClient

    from ccm.config import GraphConfig

logger = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    server: _HttpsServer
    timeout = 15

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = GraphRequest(
            method=method,
            path=unquote(url.path),
            query=parse_qs(url.query, keep_blank_values=True),
            raw_query=url.query,
            headers={name: value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        response = self.server.graph.handle(request)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("local graph: " + format, *args)


class _HttpsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], graph: FakeGraph, certificate: LocalCertificate) -> None:
        self.graph = graph
        self.tls = certificate.server_context()
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs here, in the connection's own thread, so one slow client cannot stall the rest.
        assert isinstance(request, socket)
        try:
            secure = self.tls.wrap_socket(request, server_side=True)
        except OSError as error:
            logger.debug("local graph: TLS handshake with %s failed: %s", client_address, error)
            return
        try:
            _Handler(secure, client_address, self)
        finally:
            secure.close()


class GraphServer:
    """The fake token + Graph endpoints on ``https://127.0.0.1:<port>``, in a background thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        cert_dir: str | Path | None = None,
        graph: FakeGraph | None = None,
    ) -> None:
        self.graph = graph or FakeGraph()
        self._host = host
        self._port = port
        self._cert_dir = Path(cert_dir) if cert_dir is not None else None
        self._temporary: Path | None = None
        self._server: _HttpsServer | None = None
        self._thread: threading.Thread | None = None
        self.certificate: LocalCertificate | None = None

    def start(self) -> GraphServer:
        if self._server is not None:
            return self
        directory = self._cert_dir
        if directory is None:
            directory = self._temporary = Path(tempfile.mkdtemp(prefix="ccm-graph-"))
        self.certificate = local_certificate(directory)
        self._server = _HttpsServer((self._host, self._port), self.graph, self.certificate)
        self.graph.base_url = self.url
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name="local-graph", daemon=True
        )
        self._thread.start()
        logger.info("local Graph and token endpoints at %s", self.url)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None

    def __enter__(self) -> GraphServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the local Graph server is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"https://{self._host}:{self.port}"

    @property
    def authority_host(self) -> str:
        return self.url

    @property
    def graph_base_url(self) -> str:
        return f"{self.url}{GRAPH_PREFIX}"

    @property
    def ca_bundle(self) -> Path:
        if self.certificate is None:
            raise RuntimeError("the local Graph server is not running")
        return self.certificate.certificate_path

    def environment(self) -> dict[str, str]:
        """The ``CCM_GRAPH_*`` settings that point ccm's Graph client at this server and make it trust it."""
        return {
            "CCM_GRAPH_AUTHORITY_HOST": self.authority_host,
            "CCM_GRAPH_BASE_URL": self.graph_base_url,
            "CCM_GRAPH_CA_BUNDLE": str(self.ca_bundle),
        }

    def session(self) -> requests.Session:
        """A requests session that trusts this server's certificate (and ignores ``REQUESTS_CA_BUNDLE``)."""
        from ccm.meetings.graph_setup import graph_session

        return graph_session(str(self.ca_bundle))

    def seed_parameters(self, graph_config: GraphConfig, ssm: SSMClient) -> None:
        """Store this tenant's credentials under the SSM SecureString names ``graph_config`` gives."""
        for name, value in (
            (graph_config.tenant_id_parameter, self.graph.tenant_id),
            (graph_config.client_id_parameter, self.graph.client_id),
            (graph_config.client_secret_parameter, self.graph.client_secret),
        ):
            ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)

    def meetings(self) -> list[dict[str, Any]]:
        return self.graph.meetings()

    def actions(self) -> list[MeetingAction]:
        return self.graph.actions()
