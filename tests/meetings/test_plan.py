"""What a change's or announcement's meeting should be, derived from the object alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ccm.config import SesConfig
from ccm.domain.ids import AnnouncementType
from ccm.mail.decisions import Topics
from ccm.meetings.plan import listed_attendees, meeting_plan, parse_duration
from tests.factories import make_announcement, make_change


@pytest.fixture
def topics(ses_config: SesConfig) -> Topics:
    return Topics.from_ses_config(ses_config)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [(None, 60), (45, 45), ("90", 90), ("90 minutes", 90), ("2 hours", 120), ("1.5h", 90), ("soon", 60), ("0", 60)],
)
def test_a_duration_is_read_as_minutes_or_hours_and_defaults_to_one_hour(text: int | str | None, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


def test_a_change_meeting_spans_the_implementation_window_in_the_changes_own_zone(topics: Topics) -> None:
    change = make_change(include_meeting=True, timezone="Europe/London", customers=["bravo", "alpha"])

    plan = meeting_plan(change, topics)

    assert plan is not None
    assert (plan.start, plan.end) == (change.implementation_start, change.implementation_end)
    assert plan.timezone == "Europe/London"
    assert plan.subject == "Change Implementation: Rotate load balancer certificates"
    assert (plan.topic, plan.customers, plan.hide_attendees) == ("aws-calendar", ("alpha", "bravo"), False)
    assert plan.key == f"{change.id}#0"


def test_a_meeting_time_and_title_override_the_window_and_the_default_subject(topics: Topics) -> None:
    change = make_change(meetingTitle="Cut-over call", meetingTime="2030-01-07T09:00:00", meetingDuration="30")

    plan = meeting_plan(change, topics)

    assert plan is not None
    assert plan.start == datetime(2030, 1, 7, 14, 0, tzinfo=UTC)  # 09:00 in New York
    assert plan.end - plan.start == timedelta(minutes=30)
    assert plan.subject == "Cut-over call"


def test_a_window_without_an_end_lasts_an_hour_and_no_start_means_no_meeting(topics: Topics) -> None:
    open_ended = meeting_plan(make_change(implementationEnd=None), topics)
    unscheduled = meeting_plan(make_change(implementationStart=None, implementationEnd=None), topics)

    assert open_ended is not None and open_ended.end - open_ended.start == timedelta(hours=1)
    assert unscheduled is None


def test_an_announcement_meeting_invites_its_type_topic_and_hides_attendees(topics: Topics) -> None:
    announcement = make_announcement(
        AnnouncementType.FINOPS,
        meeting_date="2030-02-01T16:00:00Z",
        meeting_duration=90,
        meeting_timezone="Europe/Berlin",
    )

    plan = meeting_plan(announcement, topics)

    assert plan is not None
    assert (plan.subject, plan.topic, plan.timezone) == (
        "FINOPS Event: Community day",
        "finops-announce",
        "Europe/Berlin",
    )
    assert plan.end - plan.start == timedelta(minutes=90)
    assert plan.hide_attendees
    assert meeting_plan(make_announcement(), topics) is None


def test_the_revision_moves_with_the_window_title_or_invitees_but_not_with_other_text(topics: Topics) -> None:
    change = make_change()
    base = meeting_plan(change, topics)
    assert base is not None

    def revision(**changes: object) -> str:
        plan = meeting_plan(change.model_copy(update=changes), topics)
        assert plan is not None
        return plan.revision

    assert revision(implementation_plan="Something else entirely") == base.revision
    assert revision(implementation_start=change.implementation_start + timedelta(minutes=5)) != base.revision  # type: ignore[operator]
    assert revision(change_title="Renamed") != base.revision
    assert revision(customers=["alpha", "bravo", "charlie"]) != base.revision
    assert revision(attendees="extra@example.com") != base.revision


def test_listed_attendees_are_read_from_free_text_once_each() -> None:
    assert listed_attendees("a@example.com, B@example.com; b@EXAMPLE.com  <c@example.com>\nnot-an-address") == (
        "a@example.com",
        "B@example.com",
        "c@example.com",
    )
    assert listed_attendees(None) == ()
