"""One bounded HTTP request to ServiceNow or Jira: 5-second timeouts, no redirects, at most 256 KB of an answer read.

Error texts are written here from the kind of failure, never taken from the HTTP library's exception (whose message
names the URL), and the ``Authorization`` header never leaves this module's caller: nothing here logs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from ccm.channels.poster import bounded_request
from ccm.errors import CcmError

TIMEOUT_SECONDS = 5.0
KEPT_BODY_BYTES = 256 * 1024
USER_AGENT = "ccm-integrations/1"


@dataclass(frozen=True)
class Answer:
    status: int | None
    """``None``: no answer (timeout, connection refused)."""
    latency_ms: int
    body: str = ""
    retry_after: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Worth trying again later: no answer, throttled, or the other system's own failure."""
        return self.status is None or self.status == 429 or self.status >= 500

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def describe(self) -> str:
        return self.error or f"HTTP {self.status}"


class Unreachable(CcmError):
    """The other system did not answer usefully (no answer, 429, 5xx): try again later, never refuse a change."""

    def __init__(self, system: str, answer: Answer) -> None:
        super().__init__(f"{system} is unreachable: {answer.describe()}")
        self.answer = answer


class Refused(CcmError):
    """The other system refused the request for good (401, 403, 400, a redirect): retrying cannot help."""

    def __init__(self, system: str, answer: Answer, what: str = "") -> None:
        detail = f" ({what})" if what else ""
        super().__init__(f"{system} refused the request: {answer.describe()}{detail}")
        self.answer = answer


def require(system: str, answer: Answer) -> Answer:
    """The answer if it is a 2xx; :class:`Unreachable` or :class:`Refused` otherwise."""
    if answer.ok:
        return answer
    if answer.retryable:
        raise Unreachable(system, answer)
    raise Refused(system, answer)


class Http(Protocol):
    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
        body: Any = None,
        form: Mapping[str, str] | None = None,
    ) -> Answer: ...


class RequestsHttp:
    def __init__(self, timeout: float = TIMEOUT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self.clock = clock
        self.session = requests.Session()
        # The configured address is all there is: no proxy from the environment, no netrc credentials.
        self.session.trust_env = False

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
        body: Any = None,
        form: Mapping[str, str] | None = None,
    ) -> Answer:
        outcome = bounded_request(
            self.session,
            method,
            url,
            timeout=self.timeout,
            clock=self.clock,
            kept_bytes=KEPT_BODY_BYTES,
            params=dict(params) if params else None,
            json=body,
            data=dict(form) if form is not None else None,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **headers},
        )
        return Answer(outcome.status, outcome.latency_ms, outcome.body, outcome.retry_after, outcome.error)
