"""The reports page against the local stack and the demo's half year of finished changes: the charts render, each
table holds the API's numbers, each CSV export holds the table, the customer filter narrows them, and the page is
for approvers and admins only."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import assert_accessible, assert_no_horizontal_scroll, filter_by_customer, portal_api

pytestmark = pytest.mark.browser

APPROVER = "approver@example.com"
DEMO_CHANGES = 36
"""The local stack seeds six finished changes a month for the six months before its first start."""


def past_period() -> tuple[str, str]:
    """The seven months before this one: the demo's history, and no change other tests create (those lie ahead)."""
    now = datetime.now(UTC)
    index = now.year * 12 + now.month - 1
    first, last = index - 7, index - 1
    return f"{first // 12:04d}-{first % 12 + 1:02d}", f"{last // 12:04d}-{last % 12 + 1:02d}"


def summary_when_ready(page: Page, query: str) -> dict[str, Any]:
    """The API's summary once the audit function has added every demo change (it works through a queue)."""
    deadline = time.monotonic() + 90
    while True:
        answer = portal_api(page, "GET", f"/api/reports/summary?{query}")
        assert answer.status == 200, answer.text()
        body: dict[str, Any] = answer.json()
        if body["totals"]["changes"] >= DEMO_CHANGES or time.monotonic() > deadline:
            return body
        time.sleep(0.5)


def table_rows(page: Page, name: str) -> list[list[str]]:
    rows: list[list[str]] = page.locator(f"table[data-table='{name}'] tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].map(cell => cell.textContent.trim()))"
    )
    return rows


def exported(page: Page, name: str, tmp_path: Path) -> list[list[str]]:
    with page.expect_download() as download_info:
        page.locator(f"button[data-export='{name}']").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    return list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"), newline="")))


def test_the_reports_page_draws_every_chart_with_the_apis_numbers_in_its_tables_and_csv(
    sign_in: SignIn, tmp_path: Path
) -> None:
    first, last = past_period()
    page = sign_in(APPROVER, f"/reports.html?from={first}&to={last}")
    summary = summary_when_ready(page, f"from={first}&to={last}")
    assert summary["totals"]["changes"] == DEMO_CHANGES
    page.reload()

    expect(page.locator(".report-headline")).to_contain_text(f"{DEMO_CHANGES} changes")
    for name in ("types", "risks", "emergency", "approval", "notice", "outcomes", "deliveries"):
        expect(page.locator(f"section[data-report='{name}'] svg.chart rect.chart-bar").first).to_be_attached()

    months = summary["months"]
    assert table_rows(page, "types") == [
        [m["month"], *(str(m["byType"][t]) for t in ("standard", "normal", "emergency")), str(m["changes"])]
        for m in months
    ]
    drawn = page.locator("section[data-report='types'] rect.chart-bar").evaluate_all(
        "bars => bars.reduce((sum, bar) => sum + Number(bar.dataset.value), 0)"
    )
    assert drawn == DEMO_CHANGES
    assert table_rows(page, "outcomes") == [
        [
            row["customer"],
            *(str(row[o]) for o in ("successful", "successful_with_issues", "rolled_back", "failed")),
            str(row["total"]),
        ]
        for row in summary["outcomesByCustomer"]
    ]
    approval = summary["approvalLeadTime"]
    expect(page.locator("section[data-report='approval'] .report-note")).to_contain_text(
        f"median {approval['medianHours']:g} h"
    )
    expect(page.locator("section[data-report='notice'] line.chart-threshold")).to_have_count(1)

    for name in ("types", "outcomes", "approval"):
        rows = exported(page, name, tmp_path)
        header = page.locator(f"table[data-table='{name}'] thead th").all_text_contents()
        assert rows[0] == header
        assert rows[1:] == table_rows(page, name)
    assert_accessible(page, "the reports page")


def test_a_customer_filter_narrows_the_numbers_and_stays_in_the_address(sign_in: SignIn) -> None:
    first, last = past_period()
    page = sign_in(APPROVER, f"/reports.html?from={first}&to={last}")
    everyone = summary_when_ready(page, f"from={first}&to={last}")
    code = everyone["outcomesByCustomer"][0]["customer"]
    expect(page.locator(".report-headline")).to_be_visible()

    filter_by_customer(page, code, box="reportCustomer")
    page.get_by_role("button", name="Show").click()

    one = portal_api(page, "GET", f"/api/reports/summary?from={first}&to={last}&customer={code}").json()
    expect(page.locator(".report-headline")).to_contain_text(f"for {code}: {one['totals']['changes']} changes")
    assert one["totals"]["changes"] < everyone["totals"]["changes"]
    assert f"customer={code}" in page.url
    assert [row[0] for row in table_rows(page, "outcomes")] == [code]


def test_a_requester_is_told_the_reports_are_for_approvers_and_the_page_fits_a_phone(sign_in: SignIn) -> None:
    page = sign_in("requester@example.com", "/reports.html", viewport=PHONE)

    expect(page.locator("#reportSummary")).to_contain_text("Reports are for approvers and admins")
    expect(page.locator("section.report")).to_have_count(0)
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the reports page refused")
