"""The window index and the customers' feeds, held against the AWS adapter and the in-memory fake alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from ccm.domain.objects import AnyObject, Change
from ccm.domain.status import Status
from ccm.storage.catalog import Summary
from ccm.storage.port import ObjectRepository
from ccm.storage.window_index import months_touched
from tests.factories import make_announcement, make_change

DAY = datetime(2030, 1, 7, tzinfo=UTC)


def window(start: datetime, hours: float) -> dict[str, str]:
    return {"implementationStart": start.isoformat(), "implementationEnd": (start + timedelta(hours=hours)).isoformat()}


def ids(found: Sequence[Summary]) -> list[str]:
    return [summary.id for summary in found]


def test_windows_meeting_a_range_are_found_by_start_including_those_that_began_earlier(
    repository: ObjectRepository,
) -> None:
    before = repository.create(make_change(status="approved", **window(DAY - timedelta(days=40), 24 * 45)))
    inside = repository.create(make_change(status="submitted", **window(DAY + timedelta(hours=10), 2)))
    after = repository.create(make_change(status="approved", **window(DAY + timedelta(days=3), 2)))
    repository.create(make_change(status="approved", implementationStart="", implementationEnd=""))

    found = repository.windows(DAY, DAY + timedelta(days=2))

    assert ids(found) == [before.obj.id, inside.obj.id]
    assert after.obj.id not in ids(repository.windows(DAY, DAY + timedelta(days=3)))  # a touching end is outside
    assert found[1].window_start == "2030-01-07T10:00:00Z" and found[1].window_timezone == "America/New_York"


def test_moving_a_window_moves_it_in_the_index_and_deleting_removes_it(repository: ObjectRepository) -> None:
    stored = repository.create(make_change(status="cancelled", **window(DAY, 2)))

    def move(obj: AnyObject) -> None:
        assert isinstance(obj, Change)
        obj.implementation_start = DAY + timedelta(days=60)
        obj.implementation_end = DAY + timedelta(days=60, hours=2)

    repository.update(stored.obj.id, move)
    assert repository.windows(DAY, DAY + timedelta(days=1)) == []
    assert ids(repository.windows(DAY + timedelta(days=60), DAY + timedelta(days=61))) == [stored.obj.id]

    repository.retire(repository.get(stored.obj.id), reason="deleted", by="admin@example.com", at=DAY)
    assert repository.windows(DAY, DAY + timedelta(days=90)) == []


def test_an_announcement_is_in_the_calendar_by_its_meeting(repository: ObjectRepository) -> None:
    meeting = repository.create(
        make_announcement(
            status="approved",
            include_meeting=True,
            meeting_date=(DAY + timedelta(hours=15)).isoformat(),
            meeting_duration="90",
            meeting_timezone="Europe/Berlin",
        )
    )
    repository.create(make_announcement(status="approved"))

    [found] = repository.windows(DAY, DAY + timedelta(days=1))

    assert (found.id, found.window_end, found.window_timezone) == (
        meeting.obj.id,
        "2030-01-07T16:30:00Z",
        "Europe/Berlin",
    )


def test_a_customers_feed_lists_what_it_was_told_of_and_nothing_of_other_customers(
    repository: ObjectRepository,
) -> None:
    approved = repository.create(make_change(status="approved", customers=["alpha"], **window(DAY, 2)))
    repository.create(make_change(status="submitted", customers=["alpha"], **window(DAY, 2)))
    repository.create(make_change(status="approved", customers=["bravo"], **window(DAY, 2)))
    repository.create(make_change(status="cancelled", customers=["alpha"], **window(DAY, 2)))
    called_off = repository.create(
        make_change(status="cancelled", customers=["alpha"], approvedAt="2030-01-01T00:00:00Z", **window(DAY, 3))
    )
    repository.create(make_change(status="completed", customers=["alpha"], **window(DAY - timedelta(days=60), 2)))

    found = repository.feed("alpha", DAY - timedelta(days=30))

    assert ids(found) == sorted([approved.obj.id, called_off.obj.id])  # same start: by id
    assert {summary.status for summary in found} == {Status.APPROVED, Status.CANCELLED}
    assert all(summary.reason_excerpt == "Certificates expire next month" for summary in found)
    assert all(summary.impact_excerpt == "None expected" for summary in found)


def test_a_window_is_indexed_in_every_month_it_touches() -> None:
    assert months_touched(datetime(2030, 11, 30, tzinfo=UTC), datetime(2031, 2, 1, tzinfo=UTC)) == [
        "2030-11",
        "2030-12",
        "2031-01",
        "2031-02",
    ]
