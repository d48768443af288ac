"""Local execution environments: a process per environment, handlers loaded by name, Lambda's errors and timeouts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from ccm.local.lambdas import FunctionError, FunctionSpec, LocalFunction
from tests.local.stack_process import running


@pytest.fixture
def started() -> Iterator[list[LocalFunction]]:
    functions: list[LocalFunction] = []
    yield functions
    for function in functions:
        function.close(grace=0)


def start(functions: list[LocalFunction], handler: str, **options: Any) -> LocalFunction:
    spec = FunctionSpec(name="sample", handler=f"tests.local.sample_handlers:{handler}", **options)
    function = LocalFunction(spec)
    functions.append(function)
    return function


def test_a_handler_runs_in_its_own_process_with_lambdas_context_and_its_setup(started: list[LocalFunction]) -> None:
    function = start(
        started,
        "describe",
        timeout_seconds=7,
        memory_mb=256,
        setup="tests.local.sample_handlers:remember",
        setup_argument="edge_config.json",
    )

    result = function.invoke({"hello": ["world"]}, request_id="request-1")

    assert result["event"] == {"hello": ["world"]}
    assert result["pid"] != os.getpid()
    assert (result["function_name"], result["memory"], result["request_id"]) == ("sample", 256, "request-1")
    assert result["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:sample"
    assert 0 < result["remaining_ms"] <= 7000
    assert result["setup"] == ["edge_config.json"]
    assert function.invoke({})["pid"] == result["pid"], "a warm environment serves the next event"


def test_an_unhandled_error_is_the_invocations_result_and_the_environment_lives_on(
    started: list[LocalFunction],
) -> None:
    function = start(started, "fail", timeout_seconds=5)
    first = function.invoke({})["pid"]

    with pytest.raises(FunctionError) as failure:
        function.invoke({"fail": True})

    assert (failure.value.error_type, failure.value.message) == ("ValueError", "asked to fail")
    assert function.invoke({})["pid"] == first


def test_an_invocation_past_its_timeout_is_stopped_with_its_environment_and_the_next_one_starts_cold(
    started: list[LocalFunction],
) -> None:
    function = start(started, "linger", timeout_seconds=1)
    first = function.invoke({"seconds": 0})["pid"]

    with pytest.raises(FunctionError) as failure:
        function.invoke({"seconds": 30})

    assert failure.value.error_type == "Sandbox.Timedout"
    assert not running(first)
    assert function.invoke({"seconds": 0})["pid"] != first


def test_a_handler_that_cannot_be_loaded_fails_with_an_init_error(started: list[LocalFunction]) -> None:
    function = start(started, "no_such_handler", timeout_seconds=5)

    with pytest.raises(FunctionError) as failure:
        function.invoke({})

    assert failure.value.error_type == "Runtime.ImportModuleError"
    assert "no_such_handler" in failure.value.message


def test_closing_a_function_ends_every_environment_and_refuses_new_events(started: list[LocalFunction]) -> None:
    function = start(started, "linger", timeout_seconds=5, concurrency=2)
    function.warm(2)
    function.wait_ready()
    pid = function.invoke({"seconds": 0})["pid"]

    function.close(grace=1)

    assert not running(pid)
    with pytest.raises(FunctionError) as failure:
        function.invoke({"seconds": 0})
    assert failure.value.error_type == "Stopped"
