"""Reading a request body as JSON, with limits, so that no body can make the API fail or store without bound.

* at most :data:`MAX_BODY_BYTES` (413 otherwise);
* nested at most :data:`MAX_DEPTH` levels, numbers of at most :data:`MAX_DIGITS` digits (400 otherwise: such a
  body is no change or announcement, and parsing it would cost the server, not the client);
* ``NaN``, ``Infinity`` and numbers beyond a double (``1e400``) are not JSON numbers: 422, never silently
  normalised.

A body that is not JSON at all stays Powertools' own validation error (422 ``is not valid JSON``).
"""

from __future__ import annotations

import json
import math
from http import HTTPStatus
from typing import Any

from ccm.errors import CcmError

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_DIGITS = 64


class BodyRefused(CcmError):
    """The body is refused before any route sees it; ``status`` is the HTTP status that says why."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise BodyRefused(HTTPStatus.BAD_REQUEST, f"the body holds a number of more than {MAX_DIGITS} digits")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_DIGITS * 2:
        raise BodyRefused(HTTPStatus.BAD_REQUEST, f"the body holds a number of more than {MAX_DIGITS} digits")
    value = float(text)
    if not math.isfinite(value):
        raise BodyRefused(HTTPStatus.UNPROCESSABLE_ENTITY, f"the body holds {text}, which is beyond any number")
    return value


def _constant(name: str) -> Any:
    raise BodyRefused(HTTPStatus.UNPROCESSABLE_ENTITY, f"the body holds {name}, which is not a JSON number")


def _depth(value: Any) -> int:
    """How deeply ``value`` nests arrays and objects, measured without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                return level
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, level + 1) for child in children)
    return deepest


def read_json(text: str) -> Any:
    """The body as JSON within the limits; :class:`BodyRefused` otherwise, ``json.JSONDecodeError`` if not JSON."""
    size = len(text.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        raise BodyRefused(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"the body is {size} bytes; the API accepts at most {MAX_BODY_BYTES} bytes (256 KB)",
        )
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise BodyRefused(HTTPStatus.BAD_REQUEST, f"the body is nested deeper than {MAX_DEPTH} levels") from None
    if _depth(value) > MAX_DEPTH:
        raise BodyRefused(HTTPStatus.BAD_REQUEST, f"the body is nested deeper than {MAX_DEPTH} levels")
    return value
