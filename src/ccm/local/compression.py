"""CloudFront's automatic compression (``Compress: true`` on every cache behaviour of the template), as the local
edge plays it, so that what the portal's pages cost locally is what they cost behind the distribution.

CloudFront compresses a response from an origin when the viewer accepts it, the origin sent it uncompressed with a
known length, its status is 200, 403 or 404, it weighs 1,000 to 10,000,000 bytes and its type is one CloudFront
compresses; it then turns a strong ``ETag`` into a weak one. It prefers Brotli where the viewer offers it, but
browsers offer Brotli only over HTTPS, so on ``http://localhost`` CloudFront would answer them with gzip too.
"""

from __future__ import annotations

import gzip

from ccm.local.http import HttpResponse

COMPRESSED_STATUSES = frozenset({200, 403, 404})
MIN_BYTES = 1_000
MAX_BYTES = 10_000_000
COMPRESSIBLE_TYPES = frozenset(
    {
        "application/dash+xml",
        "application/eot",
        "application/font",
        "application/font-sfnt",
        "application/javascript",
        "application/json",
        "application/opentype",
        "application/otf",
        "application/pdf",
        "application/pkcs7-mime",
        "application/protobuf",
        "application/rss+xml",
        "application/truetype",
        "application/ttf",
        "application/vnd.apple.mpegurl",
        "application/vnd.mapbox-vector-tile",
        "application/vnd.ms-fontobject",
        "application/wasm",
        "application/xhtml+xml",
        "application/xml",
        "application/x-font-opentype",
        "application/x-font-truetype",
        "application/x-font-ttf",
        "application/x-httpd-cgi",
        "application/x-javascript",
        "application/x-mpegurl",
        "application/x-opentype",
        "application/x-otf",
        "application/x-perl",
        "application/x-ttf",
        "font/eot",
        "font/opentype",
        "font/otf",
        "font/ttf",
        "image/svg+xml",
        "text/css",
        "text/csv",
        "text/html",
        "text/javascript",
        "text/js",
        "text/plain",
        "text/richtext",
        "text/tab-separated-values",
        "text/xml",
        "text/x-component",
        "text/x-java-source",
        "text/x-script",
        "vnd.apple.mpegurl",
    }
)
"""The content types CloudFront compresses (its developer guide, "File types that CloudFront compresses")."""


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header admits gzip (named, or ``*``, with a quality above zero)."""
    offered: dict[str, float] = {}
    for part in (accept_encoding or "").split(","):
        name, _, parameters = part.strip().partition(";")
        if not name:
            continue
        quality = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.strip().partition("=")
            if key.lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        offered[name.strip().lower()] = quality
    return offered.get("gzip", offered.get("*", 0.0)) > 0


def is_compressible(response: HttpResponse) -> bool:
    media_type = (response.header("Content-Type") or "").split(";", 1)[0].strip().lower()
    return (
        response.status in COMPRESSED_STATUSES
        and response.header("Content-Encoding") is None
        and media_type in COMPRESSIBLE_TYPES
        and MIN_BYTES <= len(response.body) <= MAX_BYTES
    )


def compress_for_viewer(response: HttpResponse, accept_encoding: str | None) -> HttpResponse:
    """``response`` as CloudFront hands it to a viewer who sent ``accept_encoding``: gzipped where CloudFront would."""
    if not accepts_gzip(accept_encoding) or not is_compressible(response):
        return response
    headers = [
        (name, _weak(value) if name.lower() == "etag" else value)
        for name, value in response.headers
        if name.lower() != "vary"
    ]
    headers += [("Content-Encoding", "gzip"), ("Vary", _with_accept_encoding(response.header("Vary")))]
    # mtime 0: the same file always compresses to the same bytes.
    return HttpResponse(response.status, headers, gzip.compress(response.body, mtime=0))


def _weak(etag: str) -> str:
    return etag if etag.startswith("W/") else f"W/{etag}"


def _with_accept_encoding(vary: str | None) -> str:
    names = [name.strip() for name in (vary or "").split(",") if name.strip()]
    if not any(name.lower() in ("accept-encoding", "*") for name in names):
        names.append("Accept-Encoding")
    return ", ".join(names)
