"""One bounded HTTP request (5-second timeouts, no redirects followed, a capped read of the answer): a channel's POST,
and through :func:`bounded_request` every ServiceNow and Jira call too.

The outcome never carries the URL: error texts are written here from the kind of failure, not taken from the
HTTP library's exception (whose message names the URL).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests

TIMEOUT_SECONDS = 5.0
KEPT_BODY_BYTES = 1024
USER_AGENT = "ccm-channels/1"


@dataclass(frozen=True)
class HttpOutcome:
    status: int | None
    """``None``: no answer (timeout, connection refused)."""
    latency_ms: int
    body: str = ""
    retry_after: float | None = None
    error: str | None = None


class Transport(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpOutcome: ...


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta seconds or an HTTP date; ``None`` when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


class RequestsTransport:
    def __init__(self, timeout: float = TIMEOUT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self.clock = clock
        self.session = requests.Session()
        # The channel's URL is all there is: no proxy from the environment, no netrc credentials.
        self.session.trust_env = False

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpOutcome:
        return bounded_request(
            self.session,
            "POST",
            url,
            timeout=self.timeout,
            clock=self.clock,
            kept_bytes=KEPT_BODY_BYTES,
            data=body,
            headers={"User-Agent": USER_AGENT, **headers},
        )


def bounded_request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float,
    clock: Callable[[], float],
    kept_bytes: int,
    **arguments: Any,
) -> HttpOutcome:
    """One request with ``timeout`` for connecting and for each read, no redirect followed and at most
    ``kept_bytes`` of the answer read; a failure is described by its kind, never by the exception's text (which
    names the URL). The channels' posts and the ServiceNow and Jira clients all send through it."""
    started = clock()

    def elapsed_ms() -> int:
        return int((clock() - started) * 1000)

    try:
        response = session.request(
            method, url, timeout=(timeout, timeout), allow_redirects=False, stream=True, **arguments
        )
    except requests.Timeout:
        return HttpOutcome(None, elapsed_ms(), error=f"no answer within {timeout:g} s")
    except requests.RequestException as error:
        return HttpOutcome(None, elapsed_ms(), error=f"connection failed ({type(error).__name__})")
    try:
        kept = response.raw.read(kept_bytes, decode_content=True) or b""
    except Exception as error:  # the answer broke off: its status still counts
        kept = f"(body unreadable: {type(error).__name__})".encode()
    finally:
        response.close()
    return HttpOutcome(
        response.status_code,
        elapsed_ms(),
        body=kept[:kept_bytes].decode("utf-8", errors="replace"),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )
