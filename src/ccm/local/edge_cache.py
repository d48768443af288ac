"""The little of CloudFront's cache the local edge plays: the ``/feeds/*`` behaviour keeps a successful answer for
the cache policy's TTL (capped by the origin's ``max-age``), keyed by its path, as the distribution does."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ccm.local.http import HttpResponse

_MAX_AGE = re.compile(r"max-age=(\d+)")
MAX_ENTRIES = 1000


@dataclass
class ResponseCache:
    ttl_seconds: float
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, tuple[float, HttpResponse]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str) -> HttpResponse | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            expires, response = found
            if expires <= self.clock():
                del self._entries[key]
                return None
            return HttpResponse(response.status, list(response.headers), response.body)

    def keep(self, key: str, response: HttpResponse) -> None:
        """Keep a 200 for the TTL, or for less if the origin's ``Cache-Control`` says so (``no-store``: not at all)."""
        if response.status != 200:
            return
        control = next((value for name, value in response.headers if name.lower() == "cache-control"), "")
        if "no-store" in control or "private" in control:
            return
        match = _MAX_AGE.search(control)
        seconds = min(self.ttl_seconds, float(match.group(1))) if match else self.ttl_seconds
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (
                self.clock() + seconds,
                HttpResponse(response.status, list(response.headers), response.body),
            )
