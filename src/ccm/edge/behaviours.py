"""Which CloudFront cache behaviour answers a path, shared by the template renderer and the local edge server.

Standard library only and free of AWS calls: ``infra.render`` copies the ``/api/*`` behaviour for every legacy
path, and ``ccm.local`` routes requests the same way CloudFront does.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

API_PATH_PATTERN = "/api/*"
SAML_PATH_PATTERN = "/saml/*"
FEEDS_PATH_PATTERN = "/feeds/*"
"""Customers' public calendars: no gatekeeper, the API's public router (``ccm.api.public``), cached 5 minutes."""
FEEDS_CACHE_SECONDS = 300
FEEDBACK_PATH_PATTERN = "/feedback/*"
"""Completion emails' rating pages: no gatekeeper, the API's public router, never cached (a GET and the form's
POST)."""

LEGACY_API_PATHS = (
    "/upload",
    "/changes",
    "/changes/*",
    "/my-changes",
    "/drafts",
    "/drafts/*",
    "/announcements",
    "/announcements/*",
)
"""The original's un-prefixed API paths; the API keeps them as aliases, so CloudFront routes them to it."""

API_PATH_PATTERNS = (API_PATH_PATTERN, *LEGACY_API_PATHS)


def matches(pattern: str, path: str) -> bool:
    """CloudFront's path pattern match: case-sensitive, ``*`` any run of characters, ``?`` exactly one."""
    return fnmatchcase(path, pattern.replace("[", "[[]"))


def is_api_path(path: str) -> bool:
    return any(matches(pattern, path) for pattern in API_PATH_PATTERNS)


def is_saml_path(path: str) -> bool:
    return matches(SAML_PATH_PATTERN, path)


def is_feeds_path(path: str) -> bool:
    return matches(FEEDS_PATH_PATTERN, path)


def is_feedback_path(path: str) -> bool:
    return matches(FEEDBACK_PATH_PATTERN, path)
