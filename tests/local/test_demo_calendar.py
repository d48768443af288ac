"""The change calendar's demo: freezes in the local config and a conflict of two changes on the first start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ccm.config import AppConfig, ChangeCalendarConfig, FreezeWindow
from ccm.domain.freezes import occurrences
from ccm.local.demo_calendar import CONFLICT_CUSTOMER, demo_freeze_windows, seed_calendar_changes
from ccm.storage.memory import InMemoryRepository
from ccm.workflow import Actor, Services
from ccm.workflow.calendar import calendar


def test_the_demo_shows_a_weekly_freeze_a_year_end_freeze_and_one_conflict(app_config: AppConfig) -> None:
    now = datetime(2030, 3, 31, 9, 0, tzinfo=UTC)  # the end of a month: the pair lands the day before
    freezes = [FreezeWindow.model_validate(document) for document in demo_freeze_windows(now)]
    config = app_config.model_copy(update={"change_calendar": ChangeCalendarConfig(freeze_windows=freezes)})
    store = InMemoryRepository()
    services = Services(store, config, clock=lambda: now)

    ids = seed_calendar_changes(store, now)
    view = calendar(
        services, Actor(email="viewer@example.com"), datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 4, 1, tzinfo=UTC)
    )

    assert sorted(event.id for event in view.events) == sorted(ids)
    [conflict] = view.conflicts
    assert conflict.customers == [CONFLICT_CUSTOMER] and conflict.start.day == 30
    assert {occurrence.name for occurrence in view.freezes} == {"Weekend trading freeze"}
    year_end = occurrences(freezes, datetime(2030, 12, 1, tzinfo=UTC), datetime(2031, 1, 31, tzinfo=UTC))
    assert "Year-end freeze" in {occurrence.name for occurrence in year_end}
    assert all(store.get(object_id).obj.modifications[-1].user_id == "approver@example.com" for object_id in ids)


def test_after_new_year_the_demo_year_end_freeze_is_the_next_one() -> None:
    [_, year_end] = demo_freeze_windows(datetime(2030, 12, 31, 12, tzinfo=UTC) + timedelta(hours=1))
    assert year_end["start"] == "2031-12-20T00:00"
