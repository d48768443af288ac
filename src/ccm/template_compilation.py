"""Serialized compilation of jinja2 templates in a process whose threads render templates at once.

CPython 3.11 can fail a compilation with ``SystemError: AST constructor recursion depth mismatch`` when two
threads build syntax trees at the same time (python/cpython#106905): the depth counter is shared by the whole
interpreter. jinja2 compiles a template to Python the first time it is used, in whichever thread uses it first;
the in-process AWS emulator does so for its response templates in the worker threads of fleet commands and in
its server threads. Compiling is rare (once per template), so one lock costs nothing measurable.
"""

from __future__ import annotations

import threading
from types import CodeType

from jinja2 import Environment

_LOCK = threading.Lock()
_ORIGINAL = Environment._compile


def _compile_one_at_a_time(self: Environment, source: str, filename: str) -> CodeType:
    with _LOCK:
        return _ORIGINAL(self, source, filename)


def serialize_template_compilation() -> None:
    """From now on, every jinja2 environment of this process compiles one template at a time."""
    setattr(Environment, "_compile", _compile_one_at_a_time)  # noqa: B010 (a private method, on purpose)
