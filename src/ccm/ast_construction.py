"""One thread at a time builds Python syntax-tree objects, on the CPython releases where two at once can fail.

CPython 3.11.0 to 3.11.7 and 3.12.0 to 3.12.1 count the depth of the ``ast`` objects they build in one counter
per interpreter. When the garbage collector lets another thread run in the middle of ``ast.parse`` and that thread
parses too, the first fails with ``SystemError: AST constructor recursion depth mismatch`` (python/cpython#106905,
fixed in 3.11.8 and 3.12.2). Compiling source to byte code (imports, ``exec``, jinja2's ``compile`` of a template's
generated module, dataclasses) builds no such objects and is not affected.

The callers that build them are many and not ours: the 3.11 traceback module (to underline the failing expression
of each frame it prints: ``logger.exception`` in a worker thread, or a test's log capture formatting it),
``inspect`` for built-in signatures, werkzeug's URL rules (moto's server), jinja2's lexer (``ast.literal_eval`` of
every decimal number in a template). So on those releases ``ast.parse``, which every one of them goes through,
takes one process-wide lock; elsewhere nothing changes.
"""

from __future__ import annotations

import ast
import functools
import sys
import threading
from typing import Any

AFFECTED_RELEASES = (((3, 11, 0), (3, 11, 8)), ((3, 12, 0), (3, 12, 2)))
"""Half-open ranges of CPython releases with the shared counter."""

_PARSE_LOCK = threading.RLock()
_INSTALL_LOCK = threading.Lock()
_MARK = "_ccm_one_thread_at_a_time"


def affected(version: tuple[int, int, int], implementation: str) -> bool:
    return implementation == "cpython" and any(low <= version < high for low, high in AFFECTED_RELEASES)


def install_parse_lock() -> None:
    """From now on ``ast.parse`` (and so ``ast.literal_eval``) runs in one thread at a time, in this process."""
    with _INSTALL_LOCK:
        if getattr(ast.parse, _MARK, False):
            return
        original = ast.parse

        @functools.wraps(original)
        def parse(*args: Any, **kwargs: Any) -> Any:
            # Re-entrant: a finalizer run by the collector in the middle of a parse may parse in the same thread.
            with _PARSE_LOCK:
                return original(*args, **kwargs)

        setattr(parse, _MARK, True)
        setattr(ast, "parse", parse)  # noqa: B010 (replacing a standard library function, on purpose)


def serialize_ast_construction() -> bool:
    """Install the lock where this interpreter needs it; whether it is in place. Call before starting threads."""
    if not affected(sys.version_info[:3], sys.implementation.name):
        return False
    install_parse_lock()
    return True
