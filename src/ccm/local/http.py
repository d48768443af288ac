"""Plain HTTP requests and responses of the local edge server, read from and written to WSGI."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

MAX_BODY_BYTES = 6 * 1024 * 1024
"""A Lambda Function URL accepts at most 6 MB; CloudFront passes bigger bodies only to other origins."""


class BodyTooLarge(ValueError):
    pass


def _header_name(environ_key: str) -> str:
    return "-".join(part.capitalize() for part in environ_key.split("_"))


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    """The raw (still percent-encoded) path, as CloudFront passes it on."""
    query: str = ""
    """The raw query string without ``?``."""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    client_ip: str = "127.0.0.1"

    @classmethod
    def from_environ(cls, environ: dict[str, Any], max_body: int = MAX_BODY_BYTES) -> HttpRequest:
        headers: list[tuple[str, str]] = []
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers.append((_header_name(key[5:]), str(value)))
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                headers.append((_header_name(key), str(value)))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_body:
            raise BodyTooLarge(f"the request body is larger than {max_body} bytes")
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        return cls(
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=_raw_path(environ),
            query=str(environ.get("QUERY_STRING", "")),
            headers=tuple(headers),
            body=body,
            client_ip=str(environ.get("REMOTE_ADDR", "127.0.0.1")),
        )

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def path_and_query(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


def _raw_path(environ: dict[str, Any]) -> str:
    # waitress keeps the request line's URI as sent; PATH_INFO is already percent-decoded (as latin-1 text).
    raw = str(environ.get("REQUEST_URI") or "")
    if raw.startswith("/"):
        return raw.split("?", 1)[0]
    decoded = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
    return quote(decoded.encode("latin-1").decode("utf-8", errors="replace"), safe="/%:@!$&'()*+,;=-._~") or "/"


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def send(self, start_response: StartResponse, method: str = "GET") -> list[bytes]:
        headers = [(key, value) for key, value in self.headers if key.lower() != "content-length"]
        headers.append(("Content-Length", str(len(self.body))))
        start_response(f"{self.status} {_phrase(self.status)}", headers)
        return [b""] if method == "HEAD" else [self.body]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def text_response(status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> HttpResponse:
    return HttpResponse(status, [("Content-Type", content_type), ("Cache-Control", "no-store")], text.encode("utf-8"))
