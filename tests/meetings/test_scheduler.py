"""The scheduler's rules at the service level, with in-memory fakes of the calendar, the claims and SES."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ccm.config import AppConfig, SesConfig
from ccm.domain.objects import AnyObject, MeetingMetadata, ModificationType
from ccm.mail.decisions import Topics
from ccm.mail.recipients import RecipientDirectory
from ccm.meetings.content import MeetingContent
from ccm.meetings.plan import MeetingPlan, meeting_plan
from ccm.meetings.port import MeetingError
from ccm.meetings.record import apply_entries
from ccm.meetings.scheduler import MeetingScheduler, Reconciled
from ccm.storage.meeting_claims import ActionClaim, ActionInProgress, Completed, run_once
from tests.backend_fakes import FakeMailboxes
from tests.backend_support import NOW, Clock
from tests.factories import make_change
from tests.meeting_support import FakeMeetings, MemoryMeetingClaims


class World:
    def __init__(self, config: AppConfig, ses_config: SesConfig) -> None:
        self.clock = Clock()
        self.claims = MemoryMeetingClaims(clock=self.clock)
        self.calendar = FakeMeetings()
        mail = FakeMailboxes()
        for code in config.customer_codes:
            mail.for_customer(config.customer(code)).subscribe("aws-calendar", [f"engineer@{code}.example.com"])
        self.scheduler = MeetingScheduler(
            config,
            Topics.from_ses_config(ses_config),
            RecipientDirectory(config, mail),
            self.claims,
            self.calendar,
            MeetingContent(config, ses_config),
            clock=lambda: NOW,
            sleep=lambda seconds: self.clock.advance(seconds),
            wait_seconds=0.0,
        )

    def settle(self, obj: AnyObject, outcome: Reconciled) -> AnyObject:
        """What the recorder writes, applied to the object in memory."""
        apply_entries(obj, outcome.entries, obj.version, "backend", NOW)
        return obj


@pytest.fixture
def world(app_config: AppConfig, ses_config: SesConfig) -> World:
    return World(app_config, ses_config)


def approved(**keys: object) -> AnyObject:
    return make_change(status="approved", include_meeting=True, customers=["alpha", "bravo"], **keys)


def moved(obj: AnyObject, hours: int) -> AnyObject:
    copy = obj.model_copy(deep=True)
    assert copy.implementation_start is not None and copy.implementation_end is not None  # type: ignore[union-attr]
    copy.implementation_start += timedelta(hours=hours)  # type: ignore[union-attr]
    copy.implementation_end += timedelta(hours=hours)  # type: ignore[union-attr]
    copy.version += 1
    return copy


def planned(world: World, obj: AnyObject) -> MeetingPlan:
    plan = meeting_plan(obj, world.scheduler.topics)
    assert plan is not None
    return plan


def test_a_worker_that_died_after_creating_leaves_a_meeting_the_next_one_finds(world: World) -> None:
    change = approved()
    assert isinstance(world.claims.claim(change.id, "CREATE#0"), ActionClaim)
    # The dead worker got as far as the calendar, not as far as storing its result.
    left_behind = world.calendar.create(world.scheduler.request(change, planned(world, change), ("a@example.com",)))

    with pytest.raises(ActionInProgress):
        world.scheduler.reconcile(change)
    world.clock.advance(301)
    outcome = world.scheduler.reconcile(change)

    assert outcome.meeting is not None and outcome.meeting.meeting_id == left_behind.meeting_id
    assert world.calendar.count("create") == 1
    assert outcome.created is True


def test_moving_a_window_back_and_forth_updates_the_meeting_each_time(world: World) -> None:
    change = approved()
    current = world.settle(change, world.scheduler.reconcile(change))

    for hours in (2, -2, 2):
        current = moved(current, hours)
        outcome = world.scheduler.reconcile(current)
        assert outcome.updated
        world.settle(current, outcome)

    assert world.calendar.count("update") == 3
    (event,) = world.calendar.events.values()
    assert event.request.start == current.implementation_start  # type: ignore[union-attr]
    assert current.meeting_metadata is not None and current.meeting_metadata.sequence == 3


def test_an_update_computed_from_a_replaced_version_is_left_to_the_newer_one(world: World) -> None:
    change = approved()
    world.settle(change, world.scheduler.reconcile(change))
    edited = moved(change, 1)

    outcome = world.scheduler.reconcile(edited, version_now=lambda: edited.version + 1)

    assert (outcome.detail, outcome.entries, world.calendar.count("update")) == ("superseded by a newer version", [], 0)
    assert world.scheduler.reconcile(edited).updated


def test_a_cancellation_before_any_meeting_keeps_a_late_creation_from_happening(world: World) -> None:
    change = approved()
    cancelled = change.model_copy(deep=True)
    cancelled.transition("cancelled", "approver@example.com", NOW)

    assert world.scheduler.cancel(cancelled).detail == "no meeting"
    late = world.scheduler.reconcile(change)

    assert (late.meeting, late.detail) == (None, "the object was cancelled first")
    assert world.calendar.calls == []


def test_a_calendar_failure_releases_the_claim_so_the_retry_creates_the_meeting(world: World) -> None:
    change = approved()
    world.calendar.fail_next = MeetingError("Graph is down")

    with pytest.raises(MeetingError):
        world.scheduler.reconcile(change)
    outcome = world.scheduler.reconcile(change)

    assert outcome.created and world.calendar.count("create") == 1


def test_a_meeting_recorded_without_a_provider_is_a_teams_meeting_and_is_cancelled_there(world: World) -> None:
    change = approved()
    world.settle(change, world.scheduler.reconcile(change))
    assert change.meeting_metadata is not None
    change.meeting_metadata = MeetingMetadata.model_validate(
        change.meeting_metadata.model_dump(exclude={"provider", "revision"})
    )
    change.transition("cancelled", "approver@example.com", NOW)

    outcome = world.scheduler.cancel(change)

    assert outcome.cancelled and world.calendar.count("cancel") == 1
    assert [kind for kind, _ in outcome.entries] == [ModificationType.MEETING_CANCELLED]


def test_a_worker_waits_for_the_one_holding_the_claim_and_uses_its_result(world: World) -> None:
    holder = world.claims.claim("CHG-1", "CREATE#0")
    assert isinstance(holder, ActionClaim)
    waits: list[float] = []

    def other_worker_finishes(seconds: float) -> None:
        waits.append(seconds)
        world.claims.complete(holder, {"meeting": None, "by": "the other worker"})

    once = run_once(world.claims, "CHG-1", "CREATE#0", lambda: {"by": "me"}, sleep=other_worker_finishes)

    assert (once.result, once.performed, waits) == ({"meeting": None, "by": "the other worker"}, False, [0.25])
    assert isinstance(world.claims.claim("CHG-1", "CREATE#0"), Completed)


def test_waiting_ends_with_in_progress_so_the_queue_retries_later(world: World) -> None:
    world.claims.claim("CHG-1", "CREATE#0")

    with pytest.raises(ActionInProgress, match="CREATE#0 of CHG-1 is in progress"):
        run_once(
            world.claims,
            "CHG-1",
            "CREATE#0",
            lambda: {"by": "me"},
            sleep=world.clock.advance,
            clock=world.clock,
            wait_seconds=2.0,
        )
