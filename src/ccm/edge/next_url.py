"""Where to send a browser after sign-in: only ever a path on this site.

A ``next`` value or SAML ``RelayState`` comes from the browser and could point anywhere; an open redirect
after sign-in is a phishing tool. Standard library only: the gatekeeper builds ``next`` with it too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_LENGTH = 2048
HOME = "/"


class UnsafeRedirect(ValueError):
    """``next`` would leave this site or is not a plain path."""


def same_site_path(value: str | None, public_origin: str) -> str:
    """The path and query on this site that ``value`` names; ``UnsafeRedirect`` if it leads anywhere else.

    Accepts a local path (``/changes.html?x=1``) or an absolute URL of this very origin (some identity
    providers send one as RelayState). An empty value means the home page, and so does a path into ``/saml/``
    (signing in must not end on a sign-in endpoint).
    """
    if value is None or value == "":
        return HOME
    if len(value) > MAX_LENGTH:
        raise UnsafeRedirect(f"next is longer than {MAX_LENGTH} characters")
    if any(ord(character) < 0x21 or ord(character) == 0x7F for character in value) or "\\" in value:
        raise UnsafeRedirect(f"next {value[:80]!r} contains whitespace, control characters or backslashes")
    try:
        parts = urlsplit(value)
    except ValueError:  # a bracketed host that is no IPv6 address, such as //[evil
        raise UnsafeRedirect(f"next {value[:80]!r} is not a URL") from None
    if parts.scheme or parts.netloc:
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if origin != public_origin.lower():
            raise UnsafeRedirect(f"next {value[:80]!r} points to another site")
        value = parts.path or HOME
        if parts.query:
            value += "?" + parts.query
    if not value.startswith("/") or value.startswith("//"):
        raise UnsafeRedirect(f"next {value[:80]!r} is not a path on this site")
    if value == "/saml" or value.startswith("/saml/"):
        return HOME
    return value.split("#", 1)[0] or HOME


def is_safe_path(value: str, public_origin: str) -> bool:
    try:
        same_site_path(value, public_origin)
    except UnsafeRedirect:
        return False
    return True
