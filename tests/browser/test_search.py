"""The search page against the real local stack: each filter the server applies narrows the results, the order is
the one chosen, links and exports carry the results, and hostile text stays text."""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    chosen_customer,
    drop_customers,
    pick_customers,
    portal_api,
)

pytestmark = pytest.mark.browser

REQUESTER = "requester@example.com"
APPROVER = "approver@example.com"
ADMIN = "admin@example.com"
HOSTILE = "<img src=x onerror=alert(1)>"


@dataclass(frozen=True)
class Seeded:
    """What one run created; every title carries `token`, so other tests' objects never match a search by it."""

    token: str

    def title(self, name: str) -> str:
        return f"{name} {self.token}"

    def titles(self, *names: str) -> list[str]:
        return sorted((self.title(name) for name in names), key=str.casefold)


NAMES = {
    "aurora": "Aurora database failover",  # requester, alpha, submitted
    "borealis": "Borealis DNS cutover",  # requester, bravo, draft
    "cascade": "Cascade load balancer swap",  # approver, charlie, approved
    "delta": "Delta cache flush",  # approver, alpha + delta, completed
    "ember": "Ember certificate renewal",  # requester, echo, cancelled
    "finops": "FinOps savings report",  # admin, bravo, FinOps announcement, submitted
    "hostile": f"{HOSTILE} Community day",  # admin, charlie, CIC announcement, submitted
}
EVERY = list(NAMES)


def change(title: str, customers: list[str], reason: str) -> dict[str, Any]:
    return {
        "object_type": "change",
        "changeTitle": title,
        "customers": customers,
        "changeReason": reason,
        "implementationPlan": "Follow the runbook",
        "testPlan": "Check the dashboards",
        "customerImpact": "None expected",
        "rollbackPlan": "Revert",
        "implementationStart": "2030-01-07T15:00:00Z",
        "implementationEnd": "2030-01-07T17:00:00Z",
        "timezone": "America/New_York",
    }


def announcement(kind: str, title: str, customers: list[str], summary: str) -> dict[str, Any]:
    return {
        "object_type": f"announcement_{kind}",
        "announcement_type": kind,
        "title": title,
        "summary": summary,
        "content": "Talks and demos all afternoon",
        "customers": customers,
    }


def api(page: Page, method: str, path: str, body: Any = None) -> Any:
    """A set-up call that must succeed; its JSON answer."""
    response = portal_api(page, method, f"/api{path}", body)
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def hostile_summary(seeded: Seeded) -> str:
    return f"Talks about <b>community</b> and demos, {seeded.token}, then {HOSTILE} drinks"


def seed_announcements(admin: Page, seeded: Seeded) -> None:
    finops = announcement("finops", seeded.title(NAMES["finops"]), ["bravo"], "Rightsizing saved a lot")
    api(admin, "POST", "/announcements", finops)
    hostile = announcement("cic", seeded.title(NAMES["hostile"]), ["charlie"], hostile_summary(seeded))
    api(admin, "POST", "/announcements", hostile)


@pytest.fixture
def everything(sign_in: SignIn) -> tuple[Page, Seeded]:
    """Seven objects: every status, both kinds, three creators. The requester's page, who searches."""
    seeded = Seeded(f"zq{uuid.uuid4().hex[:10]}")
    requester, approver, admin = sign_in(REQUESTER), sign_in(APPROVER), sign_in(ADMIN)
    title = {key: seeded.title(name) for key, name in NAMES.items()}
    api(requester, "POST", "/changes", change(title["aurora"], ["alpha"], "Primary region maintenance"))
    api(requester, "POST", "/drafts", change(title["borealis"], ["bravo"], "Zones move to the new resolver"))
    cascade = api(approver, "POST", "/changes", change(title["cascade"], ["charlie"], "Old balancers retire"))
    api(admin, "POST", f"/changes/{cascade['id']}/approve")
    delta = api(approver, "POST", "/changes", change(title["delta"], ["alpha", "delta"], "Stale entries"))
    api(admin, "POST", f"/changes/{delta['id']}/approve")
    api(approver, "POST", f"/changes/{delta['id']}/complete")
    ember = api(requester, "POST", "/changes", change(title["ember"], ["echo"], "Certificates expire soon"))
    api(requester, "POST", f"/changes/{ember['id']}/cancel")
    seed_announcements(admin, seeded)
    return requester, seeded


@pytest.fixture
def two_announcements(sign_in: SignIn) -> tuple[Page, Seeded]:
    """The FinOps announcement and the one with a hostile title, both by the admin; the requester's page."""
    seeded = Seeded(f"zq{uuid.uuid4().hex[:10]}")
    seed_announcements(sign_in(ADMIN), seeded)
    return sign_in(REQUESTER), seeded


def search(page: Page) -> None:
    """Run the search with what the form holds and wait until its results are shown."""
    page.locator("#searchButton").click()
    expect(page.locator("#results")).not_to_have_attribute("aria-busy", "true")


def expect_titles(page: Page, seeded: Seeded, *keys: str) -> None:
    expect(page.locator("#results .result-title")).to_have_text(seeded.titles(*(NAMES[key] for key in keys)))
    count = len(keys)
    expect(page.locator("#resultCount")).to_have_text(f"{count} result{'' if count == 1 else 's'}")


def test_each_filter_narrows_the_results_and_the_sort_orders_them(everything: tuple[Page, Seeded]) -> None:
    page, seeded = everything
    page.goto(f"/search-changes.html?q={seeded.token}&sort=title-asc")
    expect(page.locator("#searchQuery")).to_have_value(seeded.token)
    expect_titles(page, seeded, *EVERY)

    page.locator("#searchQuery").fill(f"ember certificate renewal {seeded.token}".upper())
    page.locator("#searchQuery").press("Enter")
    expect_titles(page, seeded, "ember")
    page.locator("#searchQuery").fill(seeded.token)

    page.locator("#statusSearch").select_option("draft")
    search(page)
    expect_titles(page, seeded, "borealis")
    edit = page.locator("#results .result").get_by_role("link", name=f"Edit {seeded.title(NAMES['borealis'])}")
    expect(edit).to_have_attribute("href", re.compile(r"^edit-change\.html\?changeId=CHG-"))
    page.locator("#statusSearch").select_option("submitted")
    search(page)
    expect_titles(page, seeded, "aurora", "finops", "hostile")
    expect(page.locator("#results .result a", has_text="Edit")).to_have_count(0)
    page.locator("#statusSearch").select_option("completed")
    search(page)
    expect_titles(page, seeded, "delta")
    page.locator("#statusSearch").select_option("all")
    search(page)
    expect_titles(page, seeded, *EVERY)
    expect(page.locator("#results .badge")).to_have_count(7)

    page.locator("#objectTypeSearch").select_option("change")
    search(page)
    expect_titles(page, seeded, "aurora", "borealis", "cascade", "delta", "ember")
    page.locator("#objectTypeSearch").select_option("announcement")
    search(page)
    expect_titles(page, seeded, "finops", "hostile")
    page.locator("#objectTypeSearch").select_option("announcement_finops")
    search(page)
    expect_titles(page, seeded, "finops")
    page.locator("#objectTypeSearch").select_option("all")

    page.locator("#createdBy").fill("APPROVER@")
    search(page)
    expect_titles(page, seeded, "cascade", "delta")
    page.locator("#createdBy").fill("")

    page.locator("#advanced > summary").click()
    pick_customers(page, "alpha", "echo")
    search(page)
    expect_titles(page, seeded, "aurora", "delta", "ember")
    assert "customers=alpha%2Cecho" in page.url
    drop_customers(page, "alpha", "echo")

    page.locator("#dateRange").select_option("custom")
    page.locator("#startDate").fill("2001-01-01")
    page.locator("#endDate").fill("2001-12-31")
    search(page)
    expect(page.locator("#results .result")).to_have_count(0)
    expect(page.locator("#results .empty-state")).to_contain_text("Nothing found")
    expect(page.locator("#resultCount")).to_have_text("0 results")
    expect(page.locator("#exportCsv")).to_be_disabled()
    assert "range=custom" in page.url and "start=2001-01-01" in page.url and "end=2001-12-31" in page.url
    page.locator("#dateRange").select_option("today")
    expect(page.locator("#customRange")).to_be_hidden()
    search(page)
    expect_titles(page, seeded, *EVERY)

    page.locator("#sortBy").select_option("title-desc")
    expect(page.locator("#results .result-title")).to_have_text(seeded.titles(*NAMES.values())[::-1])
    page.locator("#sortBy").select_option("status-asc")
    expect(page.locator("#results .badge")).to_have_text(
        ["Draft", "Pending approval", "Pending approval", "Pending approval", "Approved", "Completed", "Cancelled"]
    )
    for order in ("modified-desc", "modified-asc"):
        page.locator("#sortBy").select_option(order)
        expect(page.locator("#results .result")).to_have_count(7)
        moments = page.locator("#results .result time").evaluate_all("nodes => nodes.map(n => n.dateTime)")
        assert moments == sorted(moments, reverse=order.endswith("desc"))
    assert "sort=modified-asc" in page.url


def test_a_link_with_q_searches_exports_the_results_and_shows_hostile_text_as_text(
    two_announcements: tuple[Page, Seeded], tmp_path: Path
) -> None:
    page, seeded = two_announcements
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    page.goto(f"/search-changes.html?q={seeded.token}&type=announcement&sort=title-asc")
    expect(page.locator("#searchQuery")).to_have_value(seeded.token)
    expect(page.locator("#objectTypeSearch")).to_have_value("announcement")
    expect_titles(page, seeded, "finops", "hostile")

    hostile = page.locator("#results .result").filter(has_text="Community day")
    expect(hostile.locator(".result-title")).to_have_text(seeded.title(NAMES["hostile"]))
    expect(hostile.locator(".result-title mark")).to_have_text(seeded.token)
    expect(hostile.locator(".snippet")).to_have_text(hostile_summary(seeded))
    expect(hostile.locator(".snippet mark")).to_have_text(seeded.token)
    expect(page.locator("#results img, #results b")).to_have_count(0)

    with page.expect_download() as download_info:
        page.locator("#exportCsv").click()
    download = download_info.value
    assert re.fullmatch(r"search-results-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"), newline="")))
    assert rows[0] == [
        "Change ID",
        "Title",
        "Status",
        "Change Type",
        "Risk",
        "Created By",
        "Modified At",
        "Customers",
        "Outcome",
        "Outcome note",
    ]
    shown_ids = page.locator("#results .result").evaluate_all("nodes => nodes.map(n => n.dataset.id)")
    assert [row[0] for row in rows[1:]] == shown_ids
    # Announcements have no change type, risk or outcome.
    assert [row[1:6] + row[7:] for row in rows[1:]] == [
        [seeded.title(NAMES["hostile"]), "submitted", "", "", ADMIN, "charlie", "", ""],
        [seeded.title(NAMES["finops"]), "submitted", "", "", ADMIN, "bravo", "", ""],
    ]
    assert dialogs == []

    page.set_viewport_size(PHONE)
    page.goto(f"/search-changes.html?q={seeded.token}&customers=bravo&range=custom&start=2020-01-01")
    expect(page.locator("#advanced")).to_have_attribute("open", "")
    expect(chosen_customer(page, "bravo")).to_be_visible()
    expect(page.locator("#startDate")).to_have_value("2020-01-01")
    expect_titles(page, seeded, "finops")
    assert_accessible(page, "search page with a result, a custom range and the customers open")
    assert_no_horizontal_scroll(page)
