"""Report numbers against the seeded data set (tests/audit/seed.py), whose answers are worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.client import ADMIN, APPROVER, REQUESTER
from tests.audit.conftest import AuditStack
from tests.audit.seed import seed

PERIOD = {"from": "2030-01", "to": "2030-03"}


@pytest.fixture
def seeded(stack: AuditStack) -> dict[str, str]:
    ids = seed(stack.services)
    stack.drain()
    return ids


def summary(stack: AuditStack, **query: str) -> dict[str, Any]:
    response = stack.api.as_(APPROVER).get("/api/reports/summary", query={**PERIOD, **query})
    assert response.status == 200, response.text
    body: dict[str, Any] = response.json
    return body


def test_the_summary_of_every_customer_matches_the_worked_answers(stack: AuditStack, seeded: dict[str, str]) -> None:
    body = summary(stack)

    totals = body["totals"]
    assert totals["changes"] == 6
    assert totals["byType"] == {"standard": 1, "normal": 4, "emergency": 1}
    assert totals["byRisk"] == {"low": 2, "medium": 2, "high": 2}
    assert (totals["emergencies"], totals["emergencyShare"]) == (1, 0.1667)
    assert totals["outcomes"] == {"successful": 1, "successful_with_issues": 0, "rolled_back": 1, "failed": 1}
    assert totals["deliveries"] == 5
    assert [(m["month"], m["changes"]) for m in body["months"]] == [("2030-01", 2), ("2030-02", 2), ("2030-03", 2)]
    assert body["approvalLeadTime"] == {"count": 4, "medianHours": 4.0, "p90Hours": 48.0}
    assert body["noticeLeadTime"] == {
        "count": 4,
        "medianHours": 12.0,
        # 287.5 h (17,250 minutes) is counted in its hour: lead times past 10,000 minutes are kept to the hour.
        "p90Hours": 287.0,
        "minimumHours": 72,
        "belowMinimum": 2,
    }
    assert [(row["id"], row["noticeHours"]) for row in body["belowNoticeMinimum"]] == [
        (seeded["C2"], 2.8),
        (seeded["C4"], 12.0),
    ]
    assert body["belowNoticeMinimumComplete"] is True
    assert body["outcomesByCustomer"] == [
        {"customer": "alpha", "successful": 1, "successful_with_issues": 0, "rolled_back": 1, "failed": 0, "total": 2},
        {"customer": "bravo", "successful": 0, "successful_with_issues": 0, "rolled_back": 1, "failed": 1, "total": 2},
    ]


def test_one_customers_summary_counts_only_its_changes_and_its_own_notice(
    stack: AuditStack, seeded: dict[str, str]
) -> None:
    body = summary(stack, customer="alpha")

    assert body["totals"]["changes"] == 4
    assert body["approvalLeadTime"] == {"count": 3, "medianHours": 4.0, "p90Hours": 24.0}
    assert [(row["id"], row["noticeHours"]) for row in body["belowNoticeMinimum"]] == [
        (seeded["C2"], 2.8),
        (seeded["C4"], 12.0),
    ]
    bravo = summary(stack, customer="bravo")
    assert [(row["id"], row["noticeHours"]) for row in bravo["belowNoticeMinimum"]] == [(seeded["C2"], 2.7)]


def test_the_sums_follow_later_writes_and_ignore_redelivery(stack: AuditStack, seeded: dict[str, str]) -> None:
    before = summary(stack)
    stack.handle(stack.delivered)
    assert summary(stack) == before

    stack.clock.advance(days=3)
    done = stack.api.as_(ADMIN).post(
        f"/api/changes/{seeded['C4']}/complete", {"outcome": "successful_with_issues", "note": "Slow"}
    )
    assert done.status == 200, done.text
    stack.drain()

    after = summary(stack)
    assert after["totals"]["outcomes"]["successful_with_issues"] == 1
    assert after["outcomesByCustomer"][0]["successful_with_issues"] == 1
    assert after["totals"]["changes"] == 6


def test_reports_are_for_approvers_and_admins_and_name_a_bad_period(stack: AuditStack) -> None:
    assert stack.api.as_(REQUESTER).get("/api/reports/summary", query=PERIOD).status == 403
    assert stack.api.as_(ADMIN).get("/api/reports/summary", query=PERIOD).status == 200
    reversed_period = stack.api.as_(APPROVER).get("/api/reports/summary", query={"from": "2030-03", "to": "2030-01"})
    assert reversed_period.status == 422
    assert "before" in reversed_period.text
    assert stack.api.as_(APPROVER).get("/api/reports/summary", query={**PERIOD, "customer": "nobody"}).status == 422


def test_a_report_lists_the_changes_with_the_least_notice_first_and_says_when_it_lists_only_some(
    stack: AuditStack, seeded: dict[str, str]
) -> None:
    one = summary(stack, listed="1")

    assert [row["id"] for row in one["belowNoticeMinimum"]] == [seeded["C2"]]
    assert one["belowNoticeMinimumComplete"] is False
    assert one["noticeLeadTime"]["belowMinimum"] == 2
    for listed in ("0", "1001"):
        refused = stack.api.as_(APPROVER).get("/api/reports/summary", query={**PERIOD, "listed": listed})
        assert refused.status == 422, refused.text
        assert "listed" in refused.text
