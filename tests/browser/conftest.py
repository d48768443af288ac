"""Browser tests: Debian's Chromium driven by Playwright against the local stack, as a person uses the portal.

One stack serves every browser test (``stack``, stopped once they are done, so the rest of the suite has the
machine to itself); each ``sign_in`` opens a fresh browser context (its own cookies)
and signs in through the development identity provider. Console errors and uncaught exceptions of every page
are collected from its first request on (a CSP violation is a console error) and fail the test that saw them;
when a test fails, every page it opened is saved as a screenshot under ``tests/artifacts/``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Generator, Iterator
from typing import Any, Protocol

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, ViewportSize, expect

from tests.conftest import ROOT
from tests.local.stack_process import LocalStackProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 375, "height": 740}

# The browser, the emulator and four functions share the machine's two cores; on a loaded CI machine a page that
# answers in a second here can take longer than Playwright's default five seconds. A bound, not a speed check.
expect.set_options(timeout=10_000)


class SignIn(Protocol):
    """``sign_in(email, path="/", viewport=None)``: a new browser context signed in as ``email``, on ``path``."""

    def __call__(self, email: str, path: str = "/", viewport: ViewportSize | None = None) -> Page: ...


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {"executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    process = LocalStackProcess(tmp_path_factory.mktemp("browser-stack") / "local-data")
    try:
        yield process.start("--snapshot-interval", "0")
    finally:
        process.kill()


class PageProblems:
    """Console errors and uncaught exceptions of the pages a test opened, less those it provoked on purpose."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._expected: list[re.Pattern[str]] = []

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._record(f"uncaught: {error}"))

    def expected(self, pattern: str) -> None:
        """Ignore messages matching ``pattern`` (a 412 the test asked for, say), seen so far and from now on."""
        self._expected.append(re.compile(pattern))
        self.messages = [message for message in self.messages if not re.search(pattern, message)]

    def assert_none(self) -> None:
        assert self.messages == [], "the pages reported errors:\n" + "\n".join(self.messages)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self._record(f"console: {message.text} at {message.location.get('url', '')}")

    def _record(self, message: str) -> None:
        if not any(pattern.search(message) for pattern in self._expected):
            self.messages.append(message)


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def opened_pages() -> list[Page]:
    return []


@pytest.fixture
def sign_in(
    browser: Browser, stack: LocalStackProcess, page_problems: PageProblems, opened_pages: list[Page]
) -> Iterator[SignIn]:
    contexts: list[BrowserContext] = []

    def adopt(page: Page) -> None:
        """Every page of a signed-in context (pop-ups too) is watched and photographed if the test fails."""
        if page not in opened_pages:
            opened_pages.append(page)
            page_problems.watch(page)

    def open_as(email: str, path: str = "/", viewport: ViewportSize | None = None) -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, base_url=stack.url, accept_downloads=True)
        contexts.append(context)
        context.on("page", adopt)
        page = context.new_page()
        adopt(page)
        page.goto(stack.url + path)
        page.wait_for_url(re.compile(r"/idp/"))
        choice = page.locator("form").filter(has=page.locator(f'input[name="user"][value="{email}"]'))
        assert choice.count() == 1, f"the identity provider's sign-in page offers no demo user {email}"
        choice.get_by_role("button").click()
        target = path.split("?")[0].split("#")[0].rstrip("/")
        page.wait_for_url(re.compile(re.escape(stack.url + target) + r"/?([?#].*)?$"))
        return page

    yield open_as
    for context in contexts:
        # A routing handler still fetching when the test ends (a page that asked once more) must not fail the
        # next test: its errors are dropped with it.
        context.unroute_all(behavior="ignoreErrors")
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """A test whose pages reported errors fails, in its own call phase, so its pages are photographed."""
    result = yield
    problems = getattr(item, "funcargs", {}).get("page_problems")
    if isinstance(problems, PageProblems):
        for page in getattr(item, "funcargs", {}).get("opened_pages") or []:
            # One round trip to the browser delivers the events it already sent (an error just logged).
            with contextlib.suppress(Error):
                page.context.cookies()
        problems.assert_none()
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when != "call" or not report.failed:
        return report
    problems = getattr(item, "funcargs", {}).get("page_problems")
    if isinstance(problems, PageProblems) and problems.messages:
        report.sections.append(("page errors", "\n".join(problems.messages)))
    pages: list[Page] = getattr(item, "funcargs", {}).get("opened_pages") or []
    name = re.sub(r"[^\w.-]+", "_", item.nodeid.split("::", 1)[-1])[:120]
    saved = []
    for number, page in enumerate(pages, start=1):
        path = ARTIFACTS / f"{name}-{number}.png"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=True)
            saved.append(str(path.relative_to(ROOT)))
        except Error as error:  # a closed page cannot be photographed; the report says so
            saved.append(f"(page {number}: {error.message})")
    if saved:
        report.sections.append(("screenshots", "\n".join(saved)))
    return report
