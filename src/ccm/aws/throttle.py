"""Put a client's calls behind a rate limiter, so paginators and helpers are limited without knowing it."""

from __future__ import annotations

from typing import Any, TypeVar

from ccm.aws.ratelimit import RateLimiter

C = TypeVar("C")


def limit_calls(client: C, limiter: RateLimiter) -> C:
    """Every API call the client makes first takes a token from ``limiter``.

    botocore emits ``before-parameter-build`` once per operation call (each page of a paginator is one; its own
    retries happen further down), so a throttled and retried call costs one token, and the adaptive retry mode
    slows the client further if AWS still objects. It is also emitted before any handler can answer the call
    in place of AWS, so every call is counted.
    """

    def take_token(**_: Any) -> None:
        limiter.acquire()

    events = client.meta.events  # type: ignore[attr-defined]
    service = client.meta.service_model.service_id.hyphenize()  # type: ignore[attr-defined]
    events.register(f"before-parameter-build.{service}", take_token)
    return client
