"""Lambda functions run locally: each execution environment is a process of its own, as on AWS.

A handler is named the way Lambda names it (``functions/api/app.py:handler`` is ``functions.api.app:handler``) and
loaded by that name inside the environment, so the local stack runs the very modules that are deployed and
``ccm`` itself never imports ``functions``. An environment handles one event at a time; module globals (the
cached services, Powertools' resolver and metrics) live once per environment, exactly as in a Lambda sandbox.
Events and results cross the process boundary as JSON text, so anything a real invocation could not carry
fails here too. An invocation that outlives the function's timeout is stopped with its environment, as Lambda
does, and the next event gets a fresh (cold) one.

Environments write their logs (Powertools JSON lines, EMF metrics) to ``<logs>/<function>.log``, the local
stand-in for the function's CloudWatch log group.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ccm.errors import CcmError

ACCOUNT_ID = "123456789012"
"""The account of moto's default credentials: the account the local functions run in."""
START_TIMEOUT_SECONDS = 120.0

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str
    """``package.module:function``, loaded inside each environment."""
    timeout_seconds: float
    memory_mb: int = 512
    concurrency: int = 1
    region: str = "us-east-1"
    setup: str | None = None
    """``package.module:function`` called once per environment with ``setup_argument`` before the first event."""
    setup_argument: str | None = None
    log_file: str | None = None


class FunctionError(CcmError):
    """The function failed: its handler raised, it timed out, its environment died, or it was stopped."""

    def __init__(self, function: str, error_type: str, message: str) -> None:
        super().__init__(f"{function}: {error_type}: {message}")
        self.function = function
        self.error_type = error_type
        self.message = message


@dataclass
class LocalContext:
    """What Lambda passes as ``context``: names, limits and the time left before the function is stopped."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline: float
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    @classmethod
    def for_invocation(cls, spec: FunctionSpec, request_id: str | None = None) -> LocalContext:
        return cls(
            function_name=spec.name,
            memory_limit_in_mb=spec.memory_mb,
            invoked_function_arn=f"arn:aws:lambda:{spec.region}:{ACCOUNT_ID}:function:{spec.name}",
            aws_request_id=request_id or str(uuid.uuid4()),
            deadline=time.monotonic() + spec.timeout_seconds,
            log_group_name=f"/aws/lambda/{spec.name}",
        )

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def load_reference(reference: str) -> Callable[..., Any]:
    """``package.module:attribute`` -> the attribute, imported the way the Lambda runtime imports a handler."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"{reference!r} is not of the form package.module:function")
    target = getattr(importlib.import_module(module_name), attribute)
    if not callable(target):
        raise ValueError(f"{reference} is not callable")
    return target  # type: ignore[no-any-return]


def invoke_handler(handler: Handler, spec: FunctionSpec, payload: str, request_id: str) -> str:
    """One invocation inside an environment: JSON in, ``{"result": ...}`` or Lambda's error document out."""
    context = LocalContext.for_invocation(spec, request_id)
    try:
        return json.dumps({"result": handler(json.loads(payload), context)})
    except Exception as error:  # an unhandled error is the invocation's result, as Lambda reports it
        traceback.print_exc()
        return json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)})


def _environment_main(spec_fields: dict[str, Any], connection: Connection) -> None:
    """The body of an environment process: start up once, then answer events until the pipe closes."""
    # The terminal's Ctrl-C reaches the whole process group; the stack, not each environment, decides to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    spec = FunctionSpec(**spec_fields)
    if spec.log_file:
        log = os.open(spec.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
    try:
        if spec.setup:
            load_reference(spec.setup)(spec.setup_argument)
        handler = load_reference(spec.handler)
    except Exception as error:  # an Init error: reported to the stack, which refuses to start
        traceback.print_exc()
        connection.send(json.dumps({"errorType": "Runtime.ImportModuleError", "errorMessage": str(error)}))
        return
    connection.send(json.dumps({"ready": os.getpid()}))
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        payload, request_id = request
        connection.send(invoke_handler(handler, spec, payload, request_id))


class _Environment:
    def __init__(self, spec: FunctionSpec) -> None:
        context = multiprocessing.get_context("spawn")  # never fork: the stack's threads must not be copied
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=_environment_main, args=(asdict(spec), child), name=f"{spec.name}-environment", daemon=True
        )
        self.process.start()
        child.close()
        self.spec = spec
        self.ready = False
        self._talking = threading.Lock()  # one conversation on the pipe at a time

    def wait_ready(self, timeout: float) -> None:
        with self._talking:
            self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        reply = self._receive(timeout, "Runtime.InitTimeout")
        if "ready" not in reply:
            raise FunctionError(self.spec.name, str(reply.get("errorType")), str(reply.get("errorMessage")))
        self.ready = True

    def call(self, payload: str, request_id: str) -> dict[str, Any]:
        with self._talking:
            self._wait_ready(START_TIMEOUT_SECONDS)
            self.connection.send((payload, request_id))
            return self._receive(self.spec.timeout_seconds + 1, "Sandbox.Timedout")

    def _receive(self, timeout: float, timeout_type: str) -> dict[str, Any]:
        try:
            if not self.connection.poll(timeout):
                self.stop(0)
                raise FunctionError(self.spec.name, timeout_type, f"no answer within {timeout:.0f} seconds")
            reply: dict[str, Any] = json.loads(self.connection.recv())
            return reply
        except (EOFError, OSError) as error:
            raise FunctionError(self.spec.name, "Runtime.ExitError", f"the environment ended: {error}") from None

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self, grace: float) -> None:
        self.connection.close()
        self.process.join(grace)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class LocalFunction:
    """Up to ``spec.concurrency`` environments of one function; :meth:`invoke` waits for a free one."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        if spec.log_file:
            Path(spec.log_file).parent.mkdir(parents=True, exist_ok=True)
        self._idle: queue.Queue[_Environment | None] = queue.Queue()
        self._all: list[_Environment] = []
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(spec.concurrency):
            self._idle.put(None)  # a free slot without an environment yet: started on first use

    def warm(self, environments: int = 1) -> None:
        """Start ``environments`` environments now (a cold start each); more start when events need them."""
        slots = [self._idle.get() for _ in range(self.spec.concurrency)]
        for index, slot in enumerate(slots):
            if (slot is None or not slot.alive) and index < environments:
                slot = self._new_environment()
            self._idle.put(slot)

    def wait_ready(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        for environment in list(self._all):
            environment.wait_ready(timeout)

    def _new_environment(self) -> _Environment:
        with self._lock:
            if self._closed:
                raise FunctionError(self.spec.name, "Stopped", "the local stack is stopping")
            environment = _Environment(self.spec)
            self._all.append(environment)
            return environment

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        """The handler's result; raises :class:`FunctionError` for an error, a timeout or a lost environment."""
        slot = self._idle.get()
        environment = slot if slot is not None and slot.alive else None
        try:
            environment = environment or self._new_environment()
            reply = environment.call(json.dumps(event), request_id or str(uuid.uuid4()))
        except FunctionError:
            if environment is not None and not environment.alive:
                environment = None
            raise
        finally:
            self._idle.put(environment)
        if "errorType" in reply:
            raise FunctionError(self.spec.name, str(reply["errorType"]), str(reply.get("errorMessage", "")))
        return reply["result"]

    def close(self, grace: float = 5.0) -> None:
        """End every environment: an invocation still running gets ``grace`` seconds, then it is stopped."""
        with self._lock:
            self._closed = True
            environments = list(self._all)
        deadline = time.monotonic() + grace
        for environment in environments:
            environment.stop(max(0.0, deadline - time.monotonic()))
