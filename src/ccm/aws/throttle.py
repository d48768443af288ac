"""Put a client's calls behind a rate limiter, so paginators and helpers are limited without knowing it."""

from __future__ import annotations

from typing import Any, TypeVar

from ccm.aws.ratelimit import RateLimiter

C = TypeVar("C")


def limit_calls(client: C, limiter: RateLimiter) -> C:
    """Every API call the client makes first takes a token from ``limiter``.

    botocore emits ``before-call`` once per operation (its own retries happen below it), so a throttled and
    retried call costs one token; the adaptive retry mode then slows the client further if AWS still objects.
    """

    def take_token(**_: Any) -> None:
        limiter.acquire()

    events = client.meta.events  # type: ignore[attr-defined]
    service = client.meta.service_model.service_id.hyphenize()  # type: ignore[attr-defined]
    events.register(f"before-call.{service}", take_token)
    return client
