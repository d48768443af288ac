"""The portal's static files (``web/``): which of them are published, with which content type and caching.

Shared by the deployment (``infra.web`` uploads them to the web bucket) and the local edge server (which serves
them as CloudFront's S3 origin would), so both answer with the same headers.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}
REVALIDATE = "no-cache"
"""Code and pages: always revalidated, so a release is visible at once."""
KEEP_A_DAY = "public, max-age=86400"
REVALIDATED_SUFFIXES = frozenset({".html", ".js", ".mjs", ".css", ".json", ".map", ".txt", ".xml", ".webmanifest"})
SKIPPED_DIRECTORIES = frozenset({"node_modules"})

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)
"""The Content-Security-Policy every portal page declares in its ``<meta http-equiv>``: scripts and styles only
from the portal's own files, so no inline script, handler attribute or style attribute ever runs."""
PORTAL_CSP = PAGE_CSP + "; frame-ancestors 'none'"
"""The same policy as CloudFront sends it on every portal file (``infra/template.yaml``): a header can also forbid
framing, which a ``<meta>`` cannot."""
PORTAL_HEADERS = (("Content-Security-Policy", PORTAL_CSP), ("X-Frame-Options", "DENY"))
"""What the portal's response headers policy adds to the managed security headers."""


def content_type(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def cache_control(path: Path) -> str:
    return REVALIDATE if path.suffix.lower() in REVALIDATED_SUFFIXES else KEEP_A_DAY


def site_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(object key, file) for every file to publish; hidden files and node_modules stay home."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or not is_published(relative):
            continue
        yield relative.as_posix(), path


def is_published(relative: Path) -> bool:
    """Hidden files and ``node_modules`` stay home; everything else under ``web/`` is part of the site."""
    return not any(part.startswith(".") or part in SKIPPED_DIRECTORIES for part in relative.parts)
