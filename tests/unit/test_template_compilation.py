"""jinja2 compiles one template at a time once serialized: threads wait instead of racing CPython's AST state."""

from __future__ import annotations

import threading

from jinja2 import Environment

from ccm import template_compilation
from ccm.template_compilation import serialize_template_compilation


def test_a_thread_compiling_a_template_waits_while_another_compilation_holds_the_lock() -> None:
    serialize_template_compilation()
    compiled = threading.Event()

    def compile_in_thread() -> None:
        Environment().from_string("{{ 1 + 1 }}")
        compiled.set()

    with template_compilation._LOCK:
        worker = threading.Thread(target=compile_in_thread)
        worker.start()
        assert not compiled.wait(0.5), "the compilation did not wait for the lock"
    worker.join(5)
    assert compiled.is_set()
    assert Environment().from_string("{{ 6 * 7 }}").render() == "42"
