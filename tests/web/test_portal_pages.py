"""The portal's pages as files: each declares the policy, runs only its own module, and hides no inline code."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from ccm.web_assets import PAGE_CSP
from tests.conftest import ROOT

WEB = ROOT / "web"
PAGES = sorted(WEB.glob("*.html"))
NAVIGATION = [
    "index.html",
    "create-change.html",
    "create-announcement.html",
    "my-changes.html",
    "approvals.html",
    "calendar.html",
    "announcements.html",
    "search-changes.html",
    "reports.html",
]


class PageParts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.policies: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.inline_script = False
        self.handlers: list[str] = []
        self.styled: list[str] = []
        self.ids: list[str] = []
        self.addresses: list[str] = []
        self.navigation: list[tuple[str, bool]] = []
        """(href, marked as the current page) of each link of the header's navigation."""
        self.header_ids: list[str] = []
        self.tabs: list[tuple[str, str]] = []
        """(status, label) of each status tab of a list page."""
        self._tab: str | None = None
        self._in_script = False
        self._in_header = False
        self._in_nav = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.addresses += [str(value) for name, value in attrs if name in ("href", "src") and value]
        if tag == "header" and attributes.get("id") == "siteHeader":
            self._in_header = True
        if self._in_header and attributes.get("id"):
            self.header_ids.append(str(attributes["id"]))
        if self._in_header and tag == "nav":
            self._in_nav = True
        status = attributes.get("data-status") or attributes.get("data-tab")
        if tag == "button" and status:
            self._tab = str(status)
        if self._in_nav and tag == "a":
            self.navigation.append((str(attributes.get("href")), attributes.get("aria-current") == "page"))
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "content-security-policy":
            self.policies.append(attributes.get("content") or "")
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
        self.handlers += [f"{tag}[{name}]" for name, _ in attrs if name.startswith("on")]
        if "style" in attributes:
            self.styled.append(tag)
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        if tag == "nav":
            self._in_nav = False
        if tag == "header":
            self._in_header = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True
        if self._tab is not None and data.strip():
            self.tabs.append((self._tab, data.strip()))
            self._tab = None


def parts_of(page: Path) -> PageParts:
    parser = PageParts()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_every_page_of_the_navigation_exists() -> None:
    assert {page.name for page in PAGES} >= set(NAVIGATION)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_each_page_declares_the_policy_and_runs_only_its_own_module(page: Path) -> None:
    parts = parts_of(page)
    assert parts.policies == [PAGE_CSP]
    [script] = parts.scripts
    assert script.get("type") == "module"
    source = str(script.get("src")).removeprefix("/")
    assert source.startswith("assets/js/pages/") and (WEB / source).is_file()
    assert not parts.inline_script
    assert parts.handlers == []
    assert parts.styled == []
    assert len(parts.ids) == len(set(parts.ids)), "duplicate ids"
    assert {"siteHeader", "main", "statusContainer"} <= set(parts.ids)


def test_no_script_inserts_markup() -> None:
    """User text reaches the page as text nodes: no script assigns HTML or writes it."""
    offenders = []
    for script in sorted((WEB / "assets" / "js").rglob("*.js")):
        text = script.read_text(encoding="utf-8")
        for pattern in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            if pattern in text:
                offenders.append(f"{script.relative_to(WEB)}: {pattern}")
    assert offenders == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_each_page_carries_the_whole_header_so_nothing_moves_when_its_scripts_run(page: Path) -> None:
    parts = parts_of(page)
    assert [href for href, _ in parts.navigation] == [f"/{name}" for name in NAVIGATION]
    current = [href for href, marked in parts.navigation if marked]
    assert current == ([f"/{page.name}"] if page.name in NAVIGATION else [])
    assert parts.header_ids == ["siteHeader", "navToggle", "userInfo", "logoutBtn", "navMenu"]


def test_the_404_page_names_every_file_from_the_root_as_it_is_served_at_any_address() -> None:
    parts = parts_of(WEB / "404.html")
    relative = [address for address in parts.addresses if not address.startswith(("/", "#"))]
    assert relative == []
    assert all((WEB / address.lstrip("/")).is_file() for address in parts.addresses if "/assets/" in address)


def test_both_lists_by_status_offer_the_same_tabs_from_their_html() -> None:
    changes, announcements = parts_of(WEB / "my-changes.html").tabs, parts_of(WEB / "announcements.html").tabs
    assert [status for status, _ in changes] == [
        "all",
        "draft",
        "submitted",
        "approved",
        "completed",
        "cancelled",
        "rejected",
    ]
    assert changes == announcements
