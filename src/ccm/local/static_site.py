"""The web bucket as CloudFront's S3 origin, served straight from ``web/`` on disk.

Only what ``infra.web`` would publish is served (no hidden files, no ``node_modules``), with the same content
types and cache headers; ``/`` is ``index.html`` (the distribution's default root object) or, while the portal
has none, a page listing the pages there are. Files are read on every request, so edits show at once.
"""

from __future__ import annotations

import hashlib
from email.utils import formatdate
from functools import cache
from pathlib import Path
from urllib.parse import unquote

from jinja2 import Environment, PackageLoader, select_autoescape

from ccm.local.http import HttpResponse, text_response
from ccm.web_assets import cache_control, content_type, is_published, site_files

ROOT_OBJECT = "index.html"


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("ccm", "templates"), autoescape=select_autoescape(["html"]))


class StaticSite:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def respond(self, method: str, raw_path: str, if_none_match: str | None = None) -> HttpResponse:
        if method not in ("GET", "HEAD"):
            return text_response(405, f"{method} is not allowed on the portal's files.\n")
        key = unquote(raw_path).lstrip("/")
        if key == "":
            if (self.root / ROOT_OBJECT).is_file():
                key = ROOT_OBJECT
            else:
                return self._listing()
        path = self._file(key)
        if path is None:
            return text_response(404, f"The portal has no file /{key}.\n")
        data = path.read_bytes()
        etag = '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'
        headers = [
            ("Content-Type", content_type(path)),
            ("Cache-Control", cache_control(path)),
            ("ETag", etag),
            ("Last-Modified", formatdate(path.stat().st_mtime, usegmt=True)),
        ]
        # Weak comparison (RFC 9110): a browser sends back the weak tag of a compressed copy.
        if if_none_match and etag in [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]:
            return HttpResponse(304, headers)
        return HttpResponse(200, headers, data)

    def _file(self, key: str) -> Path | None:
        relative = Path(key)
        if relative.is_absolute() or ".." in relative.parts or not is_published(relative):
            return None
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def _listing(self) -> HttpResponse:
        pages = [key for key, _ in site_files(self.root)] if self.root.is_dir() else []
        html = _templates().get_template("local_site_index.html").render(root=str(self.root), pages=pages)
        return text_response(200, html, "text/html; charset=utf-8")
