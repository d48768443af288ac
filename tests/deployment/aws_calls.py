"""A pytest plugin that records, through botocore's event hooks, every AWS call a deployed component makes.

A call belongs to the component whose entry point is on the calling thread's stack (a handler, or the CLI
command the import task runs), or on the stack of the thread that started the calling thread: the backend and
the import work in thread pools. Calls made with assumed-role credentials happen in a customer's account, under
that customer's role, and are kept apart. What the tests themselves do around a component (seeding moto,
reading results) is not recorded.

Each call becomes the authorization requests AWS would evaluate for it (:mod:`tests.deployment.iam_requests`),
kept once per distinct request with the first test that made it, so recording stays cheap over the whole suite.

``make test`` loads it with ``-p tests.deployment.aws_calls``; the IAM test in
``tests/deployment/test_iam_against_code.py`` runs last and reads what was recorded. Run alone, that test runs
the component tests in a subprocess with ``--aws-calls-out`` to record them.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import botocore.session
import pytest

from tests.deployment.iam_requests import ENDPOINT_URL, AuthorizationRequest, UnmappedCall, requests_for

ENTRY_POINTS: dict[tuple[str, str], str] = {
    # (module, function) on the stack -> component; each component's role is found in the rendered template.
    ("functions.api.app", "handler"): "api",
    ("functions.backend.app", "handler"): "backend",
    ("functions.audit.app", "handler"): "audit",
    ("functions.clock.app", "handler"): "clock",
    ("functions.ses_events.app", "handler"): "ses-events",
    ("functions.router.app", "handler"): "router",
    ("functions.edge_auth.app", "viewer_request"): "edge-viewer-request",
    ("functions.edge_auth.app", "saml_handler"): "edge-saml",
    ("functions.edge_auth.app", "live_authorizer"): "live-authorizer",
    ("functions.live.app", "handler"): "live",
    # The scheduled ECS task runs `ccm identity-center import --all`.
    ("ccm.cli.identity_cmd", "import_contacts"): "import",
}

COMPONENT_TESTS = (
    "tests/api",
    "tests/integration/test_backend_handler.py",
    "tests/integration/test_channel_posts.py",
    "tests/audit/test_audit_events.py",
    "tests/audit/test_reports.py",
    "tests/audit/test_admin_events.py",
    "tests/audit/test_live_events.py",
    "tests/integration/test_clock.py",
    "tests/integration/test_ses_events.py",
    "tests/integration/test_router.py",
    "tests/meetings/test_meeting_handler.py",
    "tests/cli/test_identity_import.py",
    "tests/edge/test_saml_sign_in.py",
    "tests/edge/test_hostile_sign_in.py",
)
"""The tests that drive each component through its entry point; run in a subprocess when the session did not."""

IAM_TEST = "tests/deployment/test_iam_against_code.py"
_INHERITED = "_ccm_component"


def _component_on_stack(frame: FrameType | None) -> str | None:
    while frame is not None:
        component = ENTRY_POINTS.get((frame.f_globals.get("__name__", ""), frame.f_code.co_name))
        if component is not None:
            return component
        frame = frame.f_back
    return None


def current_component() -> str | None:
    return _component_on_stack(sys._getframe(1)) or getattr(threading.current_thread(), _INHERITED, None)


@dataclass
class Recorded:
    """One distinct authorization request of one component, with how often and where it was first made."""

    component: str
    request: AuthorizationRequest
    calls: int
    first_test: str


@dataclass
class Unmapped:
    component: str
    service: str
    operation: str
    first_test: str


@dataclass
class Recording:
    requests: dict[tuple[str, AuthorizationRequest], Recorded] = field(default_factory=dict)
    unmapped: dict[tuple[str, str, str], Unmapped] = field(default_factory=dict)
    customer_role_calls: int = 0
    test: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, component: str, requests: list[AuthorizationRequest]) -> None:
        with self._lock:
            for request in requests:
                known = self.requests.get((component, request))
                if known is None:
                    self.requests[(component, request)] = Recorded(component, request, 1, self.test)
                else:
                    known.calls += 1

    def add_unmapped(self, component: str, service: str, operation: str) -> None:
        with self._lock:
            self.unmapped.setdefault(
                (component, service, operation), Unmapped(component, service, operation, self.test)
            )

    def add_customer_role_call(self) -> None:
        with self._lock:
            self.customer_role_calls += 1

    def components(self) -> set[str]:
        return {component for component, _ in self.requests} | {key[0] for key in self.unmapped}

    def of(self, component: str) -> Iterator[Recorded]:
        return (recorded for (name, _), recorded in self.requests.items() if name == component)

    def to_document(self) -> dict[str, Any]:
        return {
            "requests": [{**asdict(r), "request": r.request.to_document()} for r in self.requests.values()],
            "unmapped": [asdict(u) for u in self.unmapped.values()],
            "customer_role_calls": self.customer_role_calls,
        }

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Recording:
        recording = cls(customer_role_calls=int(document["customer_role_calls"]))
        for item in document["requests"]:
            request = AuthorizationRequest.from_document(item["request"])
            recording.requests[(item["component"], request)] = Recorded(
                item["component"], request, int(item["calls"]), item["first_test"]
            )
        for item in document["unmapped"]:
            unmapped = Unmapped(**item)
            recording.unmapped[(unmapped.component, unmapped.service, unmapped.operation)] = unmapped
        return recording


RECORDING = Recording()
"""What this process recorded (empty unless the plugin is loaded)."""


@dataclass
class SessionCoverage:
    """Whether every component test ran in this session before the IAM test, so that its recording is whole."""

    loaded: bool = False
    collected: set[str] = field(default_factory=set)
    deselected: set[str] = field(default_factory=set)
    ran: set[str] = field(default_factory=set)

    def complete(self) -> bool:
        """Every test file of :data:`COMPONENT_TESTS` collected whole, none deselected, all run."""
        component_tests = {nodeid for nodeid in self.collected if _is_component_test(nodeid)}
        files = {_file_of(nodeid) for nodeid in component_tests}
        return (
            self.loaded
            and expected_component_files() <= files
            and not any(_is_component_test(nodeid) for nodeid in self.deselected)
            and component_tests <= self.ran
        )


ROOT = Path(__file__).resolve().parents[2]


def expected_component_files(root: Path = ROOT) -> set[str]:
    files = set()
    for entry in COMPONENT_TESTS:
        path = root / entry
        files |= {p.relative_to(root).as_posix() for p in path.glob("test_*.py")} if path.is_dir() else {entry}
    return files


COVERAGE = SessionCoverage()


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _is_component_test(nodeid: str) -> bool:
    path = _file_of(nodeid)
    return any(path == prefix or path.startswith(prefix + "/") for prefix in COMPONENT_TESTS)


def own_access_key() -> str:
    return os.environ.get("AWS_ACCESS_KEY_ID", "")


def _watch(client: Any) -> None:
    service = client.meta.service_model.service_name
    region = client.meta.region_name or "us-east-1"

    def stash(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        component = current_component()
        if component is not None:
            context["ccm_iam"] = (component, {**params, ENDPOINT_URL: client.meta.endpoint_url})

    def record(http_response: Any, model: Any, context: dict[str, Any], **_: Any) -> None:
        stashed = context.get("ccm_iam")
        if stashed is None:
            return
        component, params = stashed
        credentials = client._request_signer._credentials
        if credentials is None or credentials.access_key != own_access_key():
            RECORDING.add_customer_role_call()
            return
        status = int(getattr(http_response, "status_code", 0) or 0)
        try:
            RECORDING.add(component, requests_for(service, model.name, params, region=region, status=status))
        except UnmappedCall:
            RECORDING.add_unmapped(component, service, model.name)

    client.meta.events.register("before-parameter-build", stash)
    client.meta.events.register("after-call", record)


def _install() -> None:
    original_create_client = botocore.session.Session.create_client

    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = original_create_client(self, *args, **kwargs)
        _watch(client)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]

    original_thread_init = threading.Thread.__init__

    def thread_init(self: threading.Thread, *args: Any, **kwargs: Any) -> None:
        original_thread_init(self, *args, **kwargs)
        component = _component_on_stack(sys._getframe(1)) or getattr(threading.current_thread(), _INHERITED, None)
        if component is not None:
            setattr(self, _INHERITED, component)

    threading.Thread.__init__ = thread_init  # type: ignore[method-assign]


# -- pytest hooks ---------------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--aws-calls-out", help="write the AWS calls recorded per component to this JSON file")


def pytest_configure(config: pytest.Config) -> None:
    COVERAGE.loaded = True
    _install()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The IAM test reads what the others recorded: it runs last.
    items.sort(key=lambda item: _file_of(item.nodeid) == IAM_TEST)


def pytest_deselected(items: list[pytest.Item]) -> None:
    COVERAGE.deselected.update(item.nodeid for item in items)


def pytest_collection_finish(session: pytest.Session) -> None:
    COVERAGE.collected = {item.nodeid for item in session.items}


def pytest_runtest_setup(item: pytest.Item) -> None:
    RECORDING.test = item.nodeid


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "teardown":
        COVERAGE.ran.add(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = session.config.getoption("--aws-calls-out")
    if out:
        Path(out).write_text(json.dumps(RECORDING.to_document()), encoding="utf-8")
