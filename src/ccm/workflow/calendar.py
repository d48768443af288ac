"""The change calendar: what happens when (read from the catalog's window index), the freeze windows of the
period, the changes that compete for a customer, and the warnings shown while a change is being planned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ccm.domain.conflicts import Conflict, Scheduled, conflicts, conflicts_with
from ccm.domain.freezes import FreezeHit, FreezeOccurrence, freezes_met, occurrences
from ccm.domain.status import Status
from ccm.domain.times import is_timezone, parse_datetime
from ccm.domain.windows import Window
from ccm.errors import UnknownCustomer
from ccm.storage.catalog import Summary
from ccm.workflow.actor import Actor
from ccm.workflow.commands import Kind
from ccm.workflow.errors import InvalidInput, Problem
from ccm.workflow.services import Services

MAX_RANGE_DAYS = 92
MAX_PLANNED_WINDOW = timedelta(days=366)


@dataclass(frozen=True)
class CalendarView:
    start: datetime
    end: datetime
    events: list[Summary]
    freezes: list[FreezeOccurrence]
    conflicts: list[Conflict]


@dataclass(frozen=True)
class PlanningWarnings:
    """What a change planned for ``window`` and ``customers`` would run into."""

    window: Window
    customers: list[str]
    conflicts: list[Conflict]
    freezes: list[FreezeHit]


def day_range(first: date, last: date, zone_name: str | None) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in ``zone_name`` (UTC if none), at most 92 days."""
    problems = []
    zone_text = zone_name or "UTC"
    if not is_timezone(zone_text) and zone_text != "UTC":
        problems.append(Problem("timezone", f"{zone_text!r} is not an IANA time zone"))
    if last < first:
        problems.append(Problem("to", "must not be before from"))
    elif (last - first).days + 1 > MAX_RANGE_DAYS:
        problems.append(Problem("to", f"the calendar shows at most {MAX_RANGE_DAYS} days at once"))
    if problems:
        raise InvalidInput(problems)
    zone = ZoneInfo(zone_text)
    start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start, end


def status_names(text: str | None) -> list[Status]:
    """``approved,submitted`` -> the statuses; an unknown name is a 422 naming the allowed ones."""
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    known = {status.value: status for status in Status}
    unknown = [name for name in names if name not in known]
    if unknown:
        allowed = ", ".join(known)
        raise InvalidInput.one("status", f"unknown status {', '.join(unknown)}; use {allowed}")
    return [known[name] for name in names]


def scheduled(summary: Summary) -> Scheduled | None:
    if summary.kind != "change" or summary.window_start is None or summary.window_end is None:
        return None
    window = Window(
        parse_datetime(summary.window_start), parse_datetime(summary.window_end), summary.window_timezone or "UTC"
    )
    return Scheduled(summary.id, summary.title, summary.status, tuple(summary.customers), window)


def _visible(summary: Summary, actor: Actor) -> bool:
    return summary.status is not Status.DRAFT or summary.created_by == actor.email


def _check_customer(services: Services, customers: Sequence[str]) -> None:
    unknown = services.config.unknown_customers(customers)
    if unknown:
        raise UnknownCustomer(unknown)


def calendar(
    services: Services,
    actor: Actor,
    start: datetime,
    end: datetime,
    *,
    customer: str | None = None,
    kind: Kind | None = None,
    statuses: Sequence[Status] = (),
) -> CalendarView:
    """Events, freeze occurrences and conflicts of [start, end). Drafts show only to their creator.

    The filters choose the events; conflicts are found among every change of the period that can conflict (so a
    status filter never hides what a shown change competes with), restricted to ``customer`` when given.
    """
    if customer is not None:
        _check_customer(services, [customer])
    found = [summary for summary in services.repository.windows(start, end) if _visible(summary, actor)]
    concerning = [summary for summary in found if customer is None or customer in summary.customers]
    events = [
        summary
        for summary in concerning
        if (kind is None or summary.kind == kind) and (not statuses or summary.status in statuses)
    ]
    changes = [item for item in (scheduled(summary) for summary in concerning) if item is not None]
    clashes = conflicts(changes)
    if customer is not None:
        clashes = [clash for clash in clashes if customer in clash.customers]
    freezes = occurrences(
        services.config.change_calendar.freeze_windows, start, end, [customer] if customer is not None else None
    )
    return CalendarView(start, end, events, freezes, clashes)


def planning_warnings(
    services: Services,
    actor: Actor,
    customers: Sequence[str],
    start_text: str,
    end_text: str,
    *,
    timezone: str | None = None,
    exclude: str | None = None,
) -> PlanningWarnings:
    """The changes a window for ``customers`` would overlap, and the freezes it would meet."""
    codes = sorted({code.strip() for code in customers if code.strip()})
    problems = []
    zone = timezone or "UTC"
    if not is_timezone(zone) and zone != "UTC":
        problems.append(Problem("timezone", f"{zone!r} is not an IANA time zone"))
        zone = "UTC"
    moments: dict[str, datetime] = {}
    for name, text in (("start", start_text), ("end", end_text)):
        try:
            moments[name] = parse_datetime(text, zone)
        except ValueError:
            problems.append(Problem(name, f"{text!r} is not an RFC 3339 datetime"))
    if not codes:
        problems.append(Problem("customers", "name at least one customer code"))
    if len(moments) == 2:
        if moments["end"] <= moments["start"]:
            problems.append(Problem("end", "must be after start"))
        elif moments["end"] - moments["start"] > MAX_PLANNED_WINDOW:
            problems.append(Problem("end", "the window may span at most 365 days"))
    if problems:
        raise InvalidInput(problems)
    _check_customer(services, codes)
    window = Window(moments["start"], moments["end"], zone)
    candidate = Scheduled(exclude or "", "", Status.SUBMITTED, tuple(codes), window)
    others = [
        item
        for item in (scheduled(summary) for summary in services.repository.windows(window.start, window.end))
        if item is not None and item.id != exclude
    ]
    freezes = freezes_met(services.config.change_calendar.freeze_windows, window, codes)
    return PlanningWarnings(window, codes, conflicts_with(candidate, others), freezes)
