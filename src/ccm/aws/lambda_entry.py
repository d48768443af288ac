"""What every Lambda handler of ours does on its first invocation: wrap its entry in the X-Ray tracer, if tracing
is on. Importing the X-Ray SDK costs a few hundred milliseconds of cold start, so it is imported only then."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

Entry = Callable[[dict[str, Any], Any], dict[str, Any]]


def tracing_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Powertools' own switch: tracing is on unless ``POWERTOOLS_TRACE_DISABLED`` is ``true``."""
    value = (os.environ if environ is None else environ).get("POWERTOOLS_TRACE_DISABLED", "")
    return value.strip().lower() != "true"


def traced(service: str, entry: Entry) -> Entry:
    """``entry`` under the tracer of ``service`` where tracing is on; ``entry`` itself elsewhere."""
    if not tracing_enabled():
        return entry
    from aws_lambda_powertools import Tracer

    wrapped: Entry = Tracer(service=service).capture_lambda_handler(entry)
    return wrapped
