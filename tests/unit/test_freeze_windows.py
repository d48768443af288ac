"""Freeze windows: validated in config.json, expanded in wall-clock time in their own zone across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ccm.config import AppConfig, ChangeCalendarConfig, FreezeWindow, parse_model
from ccm.domain.freezes import expand, freezes_met, occurrences
from ccm.domain.windows import Window
from ccm.errors import ConfigError


def freeze(**fields: Any) -> FreezeWindow:
    document = {"name": "Weekly freeze", "customers": ["alpha"], "timezone": "Europe/Berlin"} | fields
    return FreezeWindow.model_validate(document)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_weekly_berlin_freeze_keeps_its_wall_clock_time_across_both_dst_changes() -> None:
    # Friday 16:00 Berlin: 15:00 UTC in winter (CET), 14:00 UTC in summer (CEST); DST starts 2030-03-31.
    weekly = freeze(start="2030-03-01T16:00", rrule="FREQ=WEEKLY;BYDAY=FR", duration="PT4H")

    found = expand(weekly, utc(2030, 3, 20), utc(2030, 4, 10))

    assert [(o.start, o.end) for o in found] == [
        (utc(2030, 3, 22, 15), utc(2030, 3, 22, 19)),
        (utc(2030, 3, 29, 15), utc(2030, 3, 29, 19)),
        (utc(2030, 4, 5, 14), utc(2030, 4, 5, 18)),
    ]
    autumn = expand(weekly, utc(2030, 10, 20), utc(2030, 11, 2))  # DST ends 2030-10-27
    assert [o.start for o in autumn] == [utc(2030, 10, 25, 14), utc(2030, 11, 1, 15)]


def test_a_new_york_freeze_over_the_dst_weekend_counts_days_in_wall_clock_and_hours_exactly() -> None:
    # Friday 18:00 New York for 2 calendar days and 12 hours: Monday 06:00 local, whatever the clocks do.
    # DST starts Sunday 2030-03-10 (EST -5 -> EDT -4).
    weekend = freeze(
        timezone="America/New_York", start="2030-03-01T18:00", rrule="FREQ=WEEKLY;BYDAY=FR", duration="P2DT12H"
    )

    found = expand(weekend, utc(2030, 3, 8), utc(2030, 3, 12))

    [over_the_change] = found
    assert over_the_change.start == utc(2030, 3, 8, 23)  # 18:00 EST
    assert over_the_change.end == utc(2030, 3, 11, 10)  # Sunday 18:00 EDT + 12 h exact = 06:00 EDT
    assert (over_the_change.end - over_the_change.start).total_seconds() == 59 * 3600  # an hour shorter


def test_exact_hours_across_a_dst_change_keep_their_length() -> None:
    night = freeze(timezone="America/New_York", start="2030-11-02T22:00", rrule="FREQ=DAILY", duration="PT8H")

    [across] = expand(night, utc(2030, 11, 3), utc(2030, 11, 3, 4))  # DST ends 2030-11-03 02:00 EDT

    assert across.start == utc(2030, 11, 3, 2)  # 22:00 EDT
    assert across.end == utc(2030, 11, 3, 10)  # 8 hours later: 05:00 EST on the clock


def test_a_start_inside_the_spring_forward_gap_moves_forward_by_the_gap() -> None:
    nightly = freeze(start="2030-03-30T02:30", rrule="FREQ=DAILY;COUNT=3", duration="PT1H")

    found = expand(nightly, utc(2030, 3, 29), utc(2030, 4, 3))

    # 02:30 on 2030-03-31 does not exist in Berlin; it is read as 02:30 CET = 03:30 CEST.
    assert [o.start for o in found] == [utc(2030, 3, 30, 1, 30), utc(2030, 3, 31, 1, 30), utc(2030, 4, 1, 0, 30)]


def test_a_one_off_freeze_is_one_occurrence_in_its_zone() -> None:
    year_end = freeze(name="Year-end freeze", customers=["*"], start="2030-12-20T00:00", end="2031-01-03T00:00")

    assert expand(year_end, utc(2030, 12, 1), utc(2030, 12, 21))[0].start == utc(2030, 12, 19, 23)
    assert expand(year_end, utc(2031, 1, 3), utc(2031, 2, 1)) == []
    assert year_end.applies_to("zulu")


def test_only_the_freezes_of_a_changes_customers_are_met() -> None:
    weekly = freeze(start="2030-03-01T16:00", rrule="FREQ=WEEKLY;BYDAY=FR", duration="PT4H", customers=["alpha"])
    everyone = freeze(name="All", customers=["*"], start="2030-03-08T17:00", end="2030-03-08T18:00")
    window = Window(utc(2030, 3, 8, 16), utc(2030, 3, 8, 17, 30), "UTC")

    hits = freezes_met([weekly, everyone], window, ["bravo", "alpha"])
    assert [(hit.occurrence.name, hit.customers) for hit in hits] == [
        ("Weekly freeze", ["alpha"]),
        ("All", ["alpha", "bravo"]),
    ]
    assert [hit.occurrence.name for hit in freezes_met([weekly, everyone], window, ["bravo"])] == ["All"]
    assert occurrences([weekly], utc(2030, 3, 8), utc(2030, 3, 9), ["charlie"]) == []


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"start": "2030-01-01T00:00"}, "needs an end"),
        ({"start": "2030-01-01T00:00", "rrule": "FREQ=WEEKLY"}, "needs a duration"),
        ({"start": "2030-01-01T00:00", "rrule": "FREQ=FORTNIGHTLY", "duration": "PT1H"}, "not an iCalendar RRULE"),
        ({"start": "2030-01-01T00:00", "rrule": "FREQ=HOURLY", "duration": "PT1H"}, "at most daily"),
        ({"start": "2030-01-01T00:00", "rrule": "FREQ=DAILY", "duration": "1 hour"}, "not an ISO 8601 duration"),
        ({"start": "2030-01-01T00:00+01:00", "end": "2030-01-02T00:00"}, "without offset"),
        ({"start": "2030-01-02T00:00", "end": "2030-01-01T00:00"}, "end must be after start"),
        ({"start": "2030-01-01T00:00", "end": "2030-01-02T00:00", "timezone": "Mars/Olympus"}, "IANA"),
        ({"start": "2030-01-01T00:00", "end": "2030-01-02T00:00", "customers": ["*", "alpha"]}, "not both"),
    ],
)
def test_a_broken_freeze_window_is_refused_with_its_reason(fields: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        freeze(**fields)


def test_config_validate_names_the_freeze_whose_customer_is_unknown(app_config: AppConfig) -> None:
    document = app_config.model_dump(mode="json")
    document["change_calendar"] = {
        "freeze_windows": [
            {
                "name": "X",
                "customers": ["alpha", "nobody"],
                "timezone": "UTC",
                "start": "2030-01-01T00:00",
                "end": "2030-01-02T00:00",
            }
        ]
    }
    with pytest.raises(
        ConfigError, match=r"config.json: .*freeze_windows\[0\].customers: unknown customer code\(s\) nobody"
    ):
        parse_model(AppConfig, document, Path("config.json"))


def test_todays_config_without_a_calendar_section_has_no_freezes(app_config: AppConfig) -> None:
    assert app_config.change_calendar == ChangeCalendarConfig()
    assert app_config.change_calendar.freeze_windows == []
