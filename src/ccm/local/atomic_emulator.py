"""Requests to the AWS emulator made atomic, as S3 and DynamoDB requests are in AWS.

S3 (``If-Match``/``If-None-Match`` on PUT and DELETE) and DynamoDB (condition expressions, transactions) decide
a conditional write and apply it as one step. moto checks the condition and then writes, with nothing between
the two that stops another thread: two writers can both pass the check and the second silently replaces the
first. Reads are not safe either: two threads reading one S3 object share its body's file position, and an
item being updated in place can be read half-written. The one-writer discipline of the archive, the catalog's
conditional rows and the delivery ledger's claims all rest on AWS's atomicity, so the local stack and the tests
(both run moto with threads) make every S3 object request and every DynamoDB request run alone. They are
in-memory and short: one lock for all of them costs nothing visible.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_LOCK = threading.RLock()
_PATCHED = "_ccm_atomic"

S3_OBJECT_REQUESTS = "_key_response"
"""moto's entry point for every request on one object (GET, HEAD, PUT, POST, DELETE)."""
DYNAMODB_REQUESTS = "call_action"


def _one_at_a_time(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    setattr(locked, _PATCHED, True)
    return locked


def make_emulator_requests_atomic() -> None:
    """From now on, the emulator's S3 object requests and DynamoDB requests in this process run one at a time."""
    from moto.dynamodb.responses import DynamoHandler
    from moto.s3.responses import S3Response

    for handler, name in ((S3Response, S3_OBJECT_REQUESTS), (DynamoHandler, DYNAMODB_REQUESTS)):
        method = getattr(handler, name)
        if not getattr(method, _PATCHED, False):
            setattr(handler, name, _one_at_a_time(method))
