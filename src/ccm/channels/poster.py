"""One HTTP POST of a channel, bounded: 5-second timeouts, no redirects followed, at most 1 KB of the answer kept.

The outcome never carries the URL: error texts are written here from the kind of failure, not taken from the
HTTP library's exception (whose message names the URL).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Protocol

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
        started = self.clock()
        try:
            response = self.session.post(
                url,
                data=body,
                headers={"User-Agent": USER_AGENT, **headers},
                timeout=(self.timeout, self.timeout),
                allow_redirects=False,
                stream=True,
            )
        except requests.Timeout:
            return HttpOutcome(None, self._ms(started), error=f"no answer within {self.timeout:g} s")
        except requests.RequestException as error:
            return HttpOutcome(None, self._ms(started), error=f"connection failed ({type(error).__name__})")
        try:
            kept = response.raw.read(KEPT_BODY_BYTES, decode_content=True) or b""
        except Exception as error:  # the answer broke off: its status still counts
            kept = f"(body unreadable: {type(error).__name__})".encode()
        finally:
            response.close()
        return HttpOutcome(
            response.status_code,
            self._ms(started),
            body=kept[:KEPT_BODY_BYTES].decode("utf-8", errors="replace"),
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )

    def _ms(self, started: float) -> int:
        return int((self.clock() - started) * 1000)
