"""Two changes conflict when they share a customer and their windows overlap; drafts and cancelled ones never do."""

from __future__ import annotations

from datetime import UTC, datetime

from ccm.domain.conflicts import Scheduled, conflicts, conflicts_with
from ccm.domain.status import Status
from ccm.domain.windows import Window


def change(id_: str, customers: tuple[str, ...], start: int, end: int, status: Status = Status.APPROVED) -> Scheduled:
    window = Window(datetime(2030, 1, 7, start, tzinfo=UTC), datetime(2030, 1, 7, end, tzinfo=UTC), "UTC")
    return Scheduled(id_, f"Change {id_}", status, customers, window)


def test_overlapping_changes_of_one_customer_conflict_once_with_the_shared_customers_and_interval() -> None:
    a = change("CHG-a", ("alpha", "bravo"), 10, 12)
    b = change("CHG-b", ("bravo", "charlie"), 11, 13)

    [found] = conflicts([b, a])

    assert (found.first.id, found.second.id, found.customers) == ("CHG-a", "CHG-b", ["bravo"])
    assert (found.start.hour, found.end.hour) == (11, 12)


def test_touching_windows_other_customers_drafts_and_cancelled_changes_do_not_conflict() -> None:
    base = change("CHG-a", ("alpha",), 10, 12)
    touching = change("CHG-b", ("alpha",), 12, 13)
    elsewhere = change("CHG-c", ("bravo",), 10, 12)
    draft = change("CHG-d", ("alpha",), 10, 12, Status.DRAFT)
    cancelled = change("CHG-e", ("alpha",), 10, 12, Status.CANCELLED)

    assert conflicts([base, touching, elsewhere, draft, cancelled]) == []


def test_a_long_window_conflicts_with_every_change_it_spans() -> None:
    long = change("CHG-long", ("alpha",), 8, 20)
    shorts = [change(f"CHG-{hour}", ("alpha",), hour, hour + 1) for hour in (9, 12, 15)]

    assert sorted(c.second.id if c.first.id == "CHG-long" else c.first.id for c in conflicts([long, *shorts])) == [
        "CHG-12",
        "CHG-15",
        "CHG-9",
    ]


def test_a_planned_window_is_checked_against_the_others_but_never_against_itself() -> None:
    planned = change("CHG-a", ("alpha",), 10, 12, Status.DRAFT)
    stored_self = change("CHG-a", ("alpha",), 9, 11)
    other = change("CHG-b", ("alpha", "bravo"), 11, 14, Status.SUBMITTED)

    [found] = conflicts_with(planned, [stored_self, other])

    assert (found.second.id, found.customers, found.start.hour, found.end.hour) == ("CHG-b", ["alpha"], 11, 12)
