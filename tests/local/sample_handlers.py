"""Handlers the execution-environment tests run in processes of their own (loaded by name, like Lambda does)."""

from __future__ import annotations

import os
import time
from typing import Any

_setup: list[str] = []


def remember(argument: str) -> None:
    _setup.append(argument)


def describe(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "event": event,
        "pid": os.getpid(),
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "arn": context.invoked_function_arn,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "setup": list(_setup),
    }


def fail(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"pid": os.getpid()}


def linger(event: dict[str, Any], context: Any) -> dict[str, Any]:
    time.sleep(float(event.get("seconds", 0)))
    return {"pid": os.getpid()}
