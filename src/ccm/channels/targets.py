"""Where a channel may post: the checks that keep a configured URL from reaching anything it should not.

* only ``https``; the local stack's catchers are plain ``http`` on the loopback interface, allowed only with
  ``allow_loopback_http`` (``CCM_CHANNELS_LOOPBACK_HTTP``, which no deployed function has);
* a ``teams`` channel posts only to Teams Workflows hosts, a ``slack`` channel only to Slack's webhook host;
* no user name or password in the URL, no IP literal of a private, loopback or link-local network;
* redirects are never followed (:mod:`ccm.channels.poster`).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ccm.errors import CcmError

TEAMS_HOST_SUFFIXES = (".logic.azure.com", ".api.powerplatform.com")
"""Teams Workflows ("Post to a channel when a webhook request is received") URLs live under these."""
SLACK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class TargetRefused(CcmError):
    """The URL may not be posted to; never retried."""


def _host_kind(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_target(channel_type: str, url: str, *, allow_loopback_http: bool = False) -> None:
    """Raise :class:`TargetRefused` with a sentence that names no part of the URL but its scheme and host kind."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise TargetRefused("the URL cannot be parsed") from None
    host = (parts.hostname or "").lower()
    if not host:
        raise TargetRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("the URL carries credentials before its host")
    loopback = host in LOOPBACK_HOSTS
    if parts.scheme == "http":
        if allow_loopback_http and loopback:
            return
        raise TargetRefused("only https URLs are posted to")
    if parts.scheme != "https":
        raise TargetRefused(f"the scheme {parts.scheme or '(none)'} is not https")
    if loopback and allow_loopback_http:
        return
    address = _host_kind(host)
    if loopback or (address is not None and not address.is_global):
        raise TargetRefused("the host is a private, loopback or link-local address")
    if channel_type == "teams" and not host.endswith(TEAMS_HOST_SUFFIXES):
        raise TargetRefused("a teams channel posts only to a Teams Workflows webhook host")
    if channel_type == "slack" and (host not in SLACK_HOSTS or port not in (None, 443)):
        raise TargetRefused("a slack channel posts only to Slack's incoming webhook host")
