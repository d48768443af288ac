"""Reports and the audit trail as the portal and the CLI read them: who may, which period, from which rows.

Reports are sums per whole month (UTC), so a period is a range of months; ``from`` and ``to`` may be given as
``YYYY-MM`` or as a day, whose month counts. The audit trail is listed to the second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ccm.domain.reports import ALL, Summary, summarize
from ccm.domain.times import format_rfc3339, parse_datetime
from ccm.storage.audit_index import TrailPage, months_between
from ccm.workflow.actor import Actor
from ccm.workflow.errors import Forbidden, InvalidInput
from ccm.workflow.services import Services

MAX_REPORT_MONTHS = 36
"""A report spans at most three years: one request of counters, one query per month of the notice list."""
MAX_TRAIL_PAGE = 1000
LISTED_BELOW_MINIMUM = 100
"""How many of the changes below the notice minimum a report lists unless asked for more (all are counted)."""
MAX_LISTED_BELOW_MINIMUM = 10_000
_MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def months(self) -> list[str]:
        return months_between(self.start, self.end)


def require_report_reader(actor: Actor) -> None:
    if not actor.is_approver:
        raise Forbidden("reports are for approvers and admins")


def require_auditor(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("the audit trail is for admins")


def _month_or_day(field: str, value: str) -> date:
    text = value.strip()
    try:
        if _MONTH.match(text):
            return date.fromisoformat(f"{text}-01")
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidInput.one(field, f"{value!r} is not a month (YYYY-MM) or a day (YYYY-MM-DD)") from None


def report_period(start: str, end: str) -> Period:
    first, last = _month_or_day("from", start), _month_or_day("to", end)
    if first > last:
        raise InvalidInput.one("to", f"{end} is before {start}")
    period = Period(first.replace(day=1), last)
    if len(period.months) > MAX_REPORT_MONTHS:
        raise InvalidInput.one("to", f"a report spans at most {MAX_REPORT_MONTHS} months; ask for a shorter period")
    return period


def report_summary(
    services: Services,
    actor: Actor,
    *,
    start: str,
    end: str,
    customer: str | None = None,
    listed: int = LISTED_BELOW_MINIMUM,
) -> Summary:
    """The numbers of the months from ``start`` to ``end``, of every customer or of ``customer``, with the
    ``listed`` changes that gave the least notice of those below the minimum (all of them are counted)."""
    require_report_reader(actor)
    period = report_period(start, end)
    if customer is not None and customer not in services.config.customer_mappings:
        raise InvalidInput.one("customer", f"{customer!r} is not a customer of config.json")
    store = services.report_store()
    scope = customer or ALL
    minimum = services.config.reports.notice_minimum_hours
    sums = store.months(scope, period.months)
    if not 1 <= listed <= MAX_LISTED_BELOW_MINIMUM:
        raise InvalidInput.one("listed", f"list between 1 and {MAX_LISTED_BELOW_MINIMUM} changes")
    # Each month's least-notice changes first, then the least of all months: at most ``listed`` rows per month.
    below = [facts for month in period.months for facts in store.below_notice(scope, month, minimum * 60, listed)]
    below.sort(key=lambda facts: (facts.notice_lead_minutes or 0, facts.object_id))
    return summarize(
        period.months[0], period.months[-1], customer, sums, notice_minimum_hours=minimum, below=below[:listed]
    )


def _instant(field: str, value: str, *, end: bool) -> str:
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return f"{day.isoformat()}T23:59:59Z" if end else f"{day.isoformat()}T00:00:00Z"
        return format_rfc3339(parse_datetime(text, "UTC"))
    except ValueError:
        raise InvalidInput.one(field, f"{value!r} is not a day (YYYY-MM-DD) or an RFC 3339 time") from None


def audit_trail(
    services: Services, actor: Actor, *, start: str, end: str, limit: int = 200, cursor: str | None = None
) -> TrailPage:
    """One page of the audit events from ``start`` to ``end`` (days or RFC 3339 times, both inclusive)."""
    require_auditor(actor)
    first, last = _instant("from", start, end=False), _instant("to", end, end=True)
    if first > last:
        raise InvalidInput.one("to", f"{end} is before {start}")
    limit = max(1, min(limit, MAX_TRAIL_PAGE))
    return services.audit_index().page(first, last, limit=limit, cursor=cursor)
