"""Syntax trees are built one thread at a time once the lock is installed: a template's lexer or a traceback waits."""

from __future__ import annotations

import ast
import sys
import threading
import traceback
from collections.abc import Callable

from jinja2 import Environment

from ccm import ast_construction
from ccm.ast_construction import affected, install_parse_lock, serialize_ast_construction


def test_only_the_cpython_releases_with_the_shared_counter_are_affected() -> None:
    assert affected((3, 11, 0), "cpython") and affected((3, 11, 7), "cpython")
    assert affected((3, 12, 1), "cpython")
    assert not affected((3, 11, 8), "cpython") and not affected((3, 12, 2), "cpython")
    assert not affected((3, 10, 14), "cpython") and not affected((3, 13, 0), "cpython")
    assert not affected((3, 11, 7), "pypy")


def test_the_lock_is_installed_on_an_affected_interpreter_once() -> None:
    installed = serialize_ast_construction()
    first = ast.parse
    serialize_ast_construction()

    assert installed == affected(sys.version_info[:3], sys.implementation.name)
    assert ast.parse is first


def waits_for_the_lock(work: Callable[[], object]) -> bool:
    """Whether ``work`` in another thread waits while this thread holds the lock, and completes once it is free."""
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    with ast_construction._PARSE_LOCK:
        worker = threading.Thread(target=run)
        worker.start()
        waited = not done.wait(0.5)
    worker.join(5)
    return waited and done.is_set()


def failing_sum() -> int:
    parts: dict[str, int] = {}
    return parts["first"] + parts["second"]


def formatted_traceback() -> str:
    try:
        failing_sum()
    except KeyError as error:
        return "".join(traceback.format_exception(error))
    raise AssertionError("no error")


def test_a_thread_lexing_a_template_or_printing_a_traceback_waits_while_another_parses() -> None:
    install_parse_lock()

    assert waits_for_the_lock(lambda: Environment().from_string("{{ 1.5 * 4 }}")), "the lexer reads 1.5 with ast"
    assert waits_for_the_lock(formatted_traceback), "3.11 underlines the failing expression with ast"
    assert Environment().from_string("{{ 1.5 * 4 }}").render() == "6.0"
    assert ast.literal_eval("[1, {'a': 2.5}]") == [1, {"a": 2.5}]
