"""Browser tests: Debian's Chromium driven by Playwright against the local stack, as a person uses the portal.

One stack serves the whole session (``stack``); each ``sign_in`` opens a fresh browser context (its own cookies)
and signs in through the development identity provider. Console errors and uncaught exceptions of every page
are collected (a CSP violation is a console error), and when a test fails, every page it opened is saved as a
screenshot under ``tests/artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, ViewportSize

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
SignIn = Callable[..., Page]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {"executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    process = LocalStackProcess(tmp_path_factory.mktemp("browser-stack") / "local-data")
    try:
        yield process.start("--snapshot-interval", "0")
    finally:
        process.kill()


class PageProblems:
    """Console errors and uncaught exceptions of the pages a test opened."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"uncaught: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.messages.append(f"console: {message.text} at {message.location.get('url', '')}")

    def expected(self, pattern: str) -> None:
        """Forget the messages a test provoked on purpose (a 412 it asked for, say)."""
        self.messages = [message for message in self.messages if not re.search(pattern, message)]


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

    def open_as(email: str, path: str = "/", viewport: ViewportSize | None = None) -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, base_url=stack.url, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        opened_pages.append(page)
        page.goto(stack.url + path)
        page.wait_for_url(re.compile(r"/idp/"))
        page.locator(f"form:has(input[name=user][value='{email}']) button").click()
        target = path.split("?")[0].rstrip("/")
        page.wait_for_url(re.compile(re.escape(stack.url + target) + r"/?(\?.*)?$"))
        page.wait_for_load_state()
        # Watched only from here: the identity provider's pages are not the portal's.
        page_problems.watch(page)
        return page

    yield open_as
    for context in contexts:
        context.close()
    # Every page a test opened must have run without a script error or a blocked resource.
    assert page_problems.messages == [], "the pages reported errors:\n" + "\n".join(page_problems.messages)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    pages: list[Page] = getattr(item, "funcargs", {}).get("opened_pages") or []
    name = re.sub(r"[^\w.-]+", "_", item.nodeid.split("::", 1)[-1])[:120]
    saved = []
    for number, page in enumerate(pages, start=1):
        path = ARTIFACTS / f"{name}-{number}.png"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=True)
            saved.append(str(path.relative_to(ROOT)))
        except Exception as error:  # a closed page cannot be photographed; the report says so
            saved.append(f"(page {number}: {error})")
    if saved:
        report.sections.append(("screenshots", "\n".join(saved)))
