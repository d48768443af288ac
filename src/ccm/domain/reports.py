"""What the reports count, as pure functions: the facts of one change, what they add to a month, and the summary
of a period read back from those monthly sums.

A change counts in the month (UTC) its window starts (else when it was submitted), once it has left draft. Its
facts are kept per *scope*: ``*`` (every customer) and each of its customers, so a report for one customer reads
that customer's sums. A month's sums are counters (:func:`contributions`): the number of changes, by type and
risk, emergencies, outcomes per customer, deliveries, and the approval and notice lead times as counts per whole
minute (``al#<minutes>``, ``nl#<minutes>``), from which medians and 90th percentiles are exact to the minute.

* approval lead time: from the submission that started the approval round to the approval (the first
  ``approved`` entry and the last ``submitted`` entry before it);
* notice lead time: from the first email a customer got about the change after it was approved (the backend's
  delivery summary, ``processed``) to the window's start; for ``*`` the earliest customer's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ccm.domain.times import parse_datetime

ALL = "*"
"""The scope of every customer together."""
DEFAULT_TYPE = "normal"
DEFAULT_RISK = "medium"
TYPES = ("standard", "normal", "emergency")
RISKS = ("low", "medium", "high")
OUTCOMES = ("successful", "successful_with_issues", "rolled_back", "failed")


@dataclass(frozen=True)
class ChangeFacts:
    """What one change contributes to the reports of one scope."""

    object_id: str
    title: str
    month: str
    change_type: str
    risk: str
    customers: tuple[str, ...]
    outcome: str | None = None
    approval_lead_minutes: int | None = None
    notice_lead_minutes: int | None = None
    window_start: str | None = None
    deliveries: int = 0

    def to_item(self) -> dict[str, Any]:
        return {
            "object_id": self.object_id,
            "title": self.title,
            "month": self.month,
            "change_type": self.change_type,
            "risk": self.risk,
            "customers": list(self.customers),
            "outcome": self.outcome,
            "approval_lead_minutes": self.approval_lead_minutes,
            "notice_lead_minutes": self.notice_lead_minutes,
            "window_start": self.window_start,
            "deliveries": self.deliveries,
        }

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ChangeFacts:
        def number(name: str) -> int | None:
            value = item.get(name)
            return None if value is None else int(value)

        return cls(
            object_id=str(item["object_id"]),
            title=str(item.get("title") or ""),
            month=str(item["month"]),
            change_type=str(item.get("change_type") or DEFAULT_TYPE),
            risk=str(item.get("risk") or DEFAULT_RISK),
            customers=tuple(str(code) for code in item.get("customers") or ()),
            outcome=item.get("outcome") or None,
            approval_lead_minutes=number("approval_lead_minutes"),
            notice_lead_minutes=number("notice_lead_minutes"),
            window_start=item.get("window_start") or None,
            deliveries=int(item.get("deliveries") or 0),
        )


def _time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def _minutes(start: datetime, end: datetime) -> int:
    return math.floor((end - start).total_seconds() / 60)


def _entries(document: Mapping[str, Any]) -> list[tuple[str, datetime, str | None]]:
    found = []
    for entry in document.get("modifications") or []:
        at = _time(entry.get("timestamp"))
        if at is not None:
            found.append((str(entry.get("modification_type")), at, entry.get("customer_code") or None))
    return found


def _approval_lead(entries: list[tuple[str, datetime, str | None]]) -> tuple[int | None, datetime | None]:
    submitted: datetime | None = None
    for kind, at, _ in entries:
        if kind == "submitted":
            submitted = at
        elif kind == "approved":
            return (_minutes(submitted, at) if submitted else None), at
    return None, None


def facts_of(document: Mapping[str, Any] | None) -> dict[str, ChangeFacts]:
    """The facts of a change document for every scope it counts in; none for drafts, deleted objects and
    announcements."""
    if document is None or document.get("announcement_id") or document.get("deletedAt"):
        return {}
    status = str(document.get("status") or "")
    if status in ("", "draft") or not document.get("changeId"):
        return {}
    start = _time(document.get("implementationStart"))
    anchor = start or _time(document.get("submittedAt")) or _time(document.get("createdAt"))
    if anchor is None:
        return {}
    entries = _entries(document)
    approval_lead, approved_at = _approval_lead(entries)
    customers = tuple(sorted(str(code) for code in document.get("customers") or []))
    first_email: dict[str, datetime] = {}
    deliveries: dict[str, int] = {}
    for kind, at, customer in entries:
        if kind != "processed" or customer is None:
            continue
        deliveries[customer] = deliveries.get(customer, 0) + 1
        if approved_at is not None and at >= approved_at and customer not in first_email:
            first_email[customer] = at
    outcome = document.get("outcome") or ("successful" if status == "completed" else None)
    common: dict[str, Any] = {
        "object_id": str(document["changeId"]),
        "title": str(document.get("changeTitle") or ""),
        "month": f"{anchor:%Y-%m}",
        "change_type": str(document.get("changeType") or DEFAULT_TYPE),
        "risk": str(document.get("risk") or DEFAULT_RISK),
        "outcome": outcome,
        "approval_lead_minutes": approval_lead,
        "window_start": document.get("implementationStart") or None,
    }
    earliest = min(first_email.values(), default=None)
    facts = {
        ALL: ChangeFacts(
            **common,
            customers=customers,
            notice_lead_minutes=_minutes(earliest, start) if earliest and start else None,
            deliveries=sum(deliveries.values()),
        )
    }
    for code in customers:
        email = first_email.get(code)
        facts[code] = ChangeFacts(
            **common,
            customers=(code,),
            notice_lead_minutes=_minutes(email, start) if email and start else None,
            deliveries=deliveries.get(code, 0),
        )
    return facts


EXACT_BELOW = 1_000
"""Lead times under this many minutes are counted to the minute."""
TENS_BELOW = 10_000
"""From EXACT_BELOW to here, to ten minutes (1% at most); from here on, to the hour (0.6% at most)."""
LONGEST_LEAD = 90 * 24 * 60
"""Longer lead times are counted as this one: the reports say "90 days or more"."""


def lead_bucket(minutes: int) -> int:
    """The histogram bucket of a lead time: the time rounded towards zero to the bucket's boundary.

    A month's counters are one DynamoDB item (400 KB at most), so a histogram may not have a key per minute
    ever seen: at 100,000 changes the notice lead times alone take tens of thousands of distinct values. Buckets
    keep at most about 3,900 keys per histogram with percentiles within 1%, and since every bucket boundary from
    ten minutes on is a multiple of ten (below TENS_BELOW) or of sixty, "less notice than N hours" is exact.
    """
    size = min(abs(minutes), LONGEST_LEAD)
    if size >= TENS_BELOW:
        size -= size % 60
    elif size >= EXACT_BELOW:
        size -= size % 10
    return size if minutes >= 0 else -size


def contributions(facts: ChangeFacts | None) -> dict[str, int]:
    """The counters one change adds to its month's sums."""
    if facts is None:
        return {}
    counters: dict[str, int] = {"changes": 1, f"tr#{facts.change_type}#{facts.risk}": 1}
    if facts.change_type == "emergency":
        counters["emergency"] = 1
    for code in facts.customers:
        if facts.outcome:
            counters[f"out#{code}#{facts.outcome}"] = 1
    if facts.outcome:
        counters[f"outcome#{facts.outcome}"] = 1
    if facts.approval_lead_minutes is not None:
        counters[f"al#{lead_bucket(facts.approval_lead_minutes)}"] = 1
    if facts.notice_lead_minutes is not None:
        counters[f"nl#{lead_bucket(facts.notice_lead_minutes)}"] = 1
    if facts.deliveries:
        counters["deliveries"] = facts.deliveries
    return counters


def month_deltas(before: ChangeFacts | None, after: ChangeFacts | None) -> dict[str, dict[str, int]]:
    """What to add to each month's counters (negative to take away) when a change's facts move from ``before``
    to ``after``; months and counters that do not change are left out."""
    deltas: dict[str, dict[str, int]] = {}
    for facts, sign in ((before, -1), (after, 1)):
        if facts is None:
            continue
        month = deltas.setdefault(facts.month, {})
        for name, count in contributions(facts).items():
            month[name] = month.get(name, 0) + sign * count
    return {
        month: {name: count for name, count in counters.items() if count}
        for month, counters in deltas.items()
        if any(counters.values())
    }


# -- reading the sums back ---------------------------------------------------------------------------------


def percentile(histogram: Mapping[int, int], fraction: float) -> int | None:
    """The nearest-rank percentile of values given as value -> count; ``None`` without values."""
    total = sum(count for count in histogram.values() if count > 0)
    if total == 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(histogram):
        seen += max(histogram[value], 0)
        if seen >= rank:
            return value
    return max(histogram)


def _histogram(counters: Iterable[Mapping[str, int]], prefix: str) -> dict[int, int]:
    merged: dict[int, int] = {}
    for month in counters:
        for name, count in month.items():
            if name.startswith(prefix) and count > 0:
                value = int(name[len(prefix) :])
                merged[value] = merged.get(value, 0) + count
    return merged


def _hours(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


@dataclass
class Summary:
    """The numbers of a period, as the API, the CLI and the page show them."""

    start: str
    end: str
    customer: str | None
    notice_minimum_hours: int
    months: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    approval_lead: dict[str, Any] = field(default_factory=dict)
    notice_lead: dict[str, Any] = field(default_factory=dict)
    outcomes_by_customer: list[dict[str, Any]] = field(default_factory=list)
    below_minimum: list[dict[str, Any]] = field(default_factory=list)
    below_minimum_complete: bool = True
    """Whether ``below_minimum`` lists every change the notice lead time counts below the minimum."""

    def public(self) -> dict[str, Any]:
        return {
            "from": self.start,
            "to": self.end,
            "customer": self.customer,
            "months": self.months,
            "totals": self.totals,
            "approvalLeadTime": self.approval_lead,
            "noticeLeadTime": self.notice_lead,
            "outcomesByCustomer": self.outcomes_by_customer,
            "belowNoticeMinimum": self.below_minimum,
            "belowNoticeMinimumComplete": self.below_minimum_complete,
        }


def _lead(histogram: Mapping[int, int]) -> dict[str, Any]:
    median, p90 = percentile(histogram, 0.5), percentile(histogram, 0.9)
    return {
        "count": sum(histogram.values()),
        "medianHours": _hours(median),
        "p90Hours": _hours(p90),
    }


def summarize(
    start: str,
    end: str,
    customer: str | None,
    sums: Mapping[str, Mapping[str, int]],
    *,
    notice_minimum_hours: int,
    below: Iterable[ChangeFacts] = (),
) -> Summary:
    """The summary of the months of ``sums`` (month -> counters), in month order."""
    summary = Summary(start, end, customer, notice_minimum_hours)
    ordered = [sums[month] for month in sorted(sums)]
    for month in sorted(sums):
        counters = sums[month]
        changes = counters.get("changes", 0)
        emergencies = counters.get("emergency", 0)
        summary.months.append(
            {
                "month": month,
                "changes": changes,
                "byType": {kind: sum(counters.get(f"tr#{kind}#{risk}", 0) for risk in RISKS) for kind in TYPES},
                "byRisk": {risk: sum(counters.get(f"tr#{kind}#{risk}", 0) for kind in TYPES) for risk in RISKS},
                "emergencies": emergencies,
                "emergencyShare": round(emergencies / changes, 4) if changes else 0.0,
                "outcomes": {outcome: counters.get(f"outcome#{outcome}", 0) for outcome in OUTCOMES},
                "deliveries": counters.get("deliveries", 0),
                "approvalLeadTime": _lead(_histogram([counters], "al#")),
                "noticeLeadTime": _lead(_histogram([counters], "nl#")),
            }
        )
    changes = sum(month["changes"] for month in summary.months)
    emergencies = sum(month["emergencies"] for month in summary.months)
    summary.totals = {
        "changes": changes,
        "emergencies": emergencies,
        "emergencyShare": round(emergencies / changes, 4) if changes else 0.0,
        "byType": {kind: sum(m["byType"][kind] for m in summary.months) for kind in TYPES},
        "byRisk": {risk: sum(m["byRisk"][risk] for m in summary.months) for risk in RISKS},
        "outcomes": {outcome: sum(m["outcomes"][outcome] for m in summary.months) for outcome in OUTCOMES},
        "deliveries": sum(month["deliveries"] for month in summary.months),
    }
    summary.approval_lead = _lead(_histogram(ordered, "al#"))
    notice = _histogram(ordered, "nl#")
    minimum = notice_minimum_hours * 60
    summary.notice_lead = {
        **_lead(notice),
        "minimumHours": notice_minimum_hours,
        "belowMinimum": sum(count for minutes, count in notice.items() if minutes < minimum),
    }
    per_customer: dict[str, dict[str, int]] = {}
    for counters in ordered:
        for name, count in counters.items():
            if name.startswith("out#") and count > 0:
                _, code, outcome = name.split("#", 2)
                row = per_customer.setdefault(code, dict.fromkeys(OUTCOMES, 0))
                row[outcome] = row.get(outcome, 0) + count
    summary.outcomes_by_customer = [
        {"customer": code, **per_customer[code], "total": sum(per_customer[code].values())}
        for code in sorted(per_customer)
    ]
    summary.below_minimum = [
        {
            "id": facts.object_id,
            "title": facts.title,
            "windowStart": facts.window_start,
            "noticeHours": _hours(facts.notice_lead_minutes),
            "customers": list(facts.customers),
        }
        for facts in sorted(below, key=lambda f: (f.notice_lead_minutes or 0, f.object_id))
    ]
    summary.below_minimum_complete = len(summary.below_minimum) >= summary.notice_lead["belowMinimum"]
    return summary
