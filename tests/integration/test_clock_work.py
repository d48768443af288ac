"""The backend's side of the clock: the reminder and nudge messages it reads from a customer's queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ccm.backend.processor import MessageFailed
from ccm.domain.due_actions import NudgeAction, reminder
from ccm.domain.objects import Change
from ccm.storage.repository import Repository
from tests.backend_fakes import SentMail
from tests.backend_support import NOW, Harness
from tests.factories import make_change
from tests.meeting_support import FakeMeetings, meeting_harness, serialized_store

START = NOW + timedelta(days=1)


@pytest.fixture
def harness(aws: None) -> Harness:
    repository: Repository
    repository, dynamodb = serialized_store()
    harness = meeting_harness(repository, dynamodb, FakeMeetings())
    for code in ("alpha", "bravo"):
        harness.subscribe(code, "aws-announce", f"reader@{code}.example.com", f"lead@{code}.example.com")
        harness.subscribe(code, "aws-calendar", f"engineer@{code}.example.com")
    return harness


def approved(harness: Harness, **fields: Any) -> Change:
    change = make_change(
        status="approved",
        customers=["alpha", "bravo"],
        include_meeting=True,
        timezone="Europe/Berlin",
        implementationStart=START.isoformat(),
        implementationEnd=(START + timedelta(hours=2)).isoformat(),
        approvedBy="approver@example.com",
        **fields,
    )
    harness.publish(change)
    for code in change.customers:
        harness.deliver(code, change.id)
    harness.mail.outbox.clear()
    stored = harness.repository.get(change.id).obj
    assert isinstance(stored, Change)
    return stored


def remind(harness: Harness, change: Change, code: str = "alpha", offset: str = "P1D") -> None:
    assert change.implementation_start is not None
    action = reminder(change.id, code, change.version, offset, change.implementation_start, NOW)
    harness.backend.processor.process_message(action.body())


def nudge(harness: Harness, change: Change, number: int = 1, code: str = "alpha") -> None:
    assert change.implementation_end is not None
    action = NudgeAction(
        object_id=change.id,
        customer_code=code,
        version=change.version,
        number=number,
        limit=3,
        window_end=change.implementation_end,
        requester=change.owner,
        due_at=NOW,
    )
    harness.backend.processor.process_message(action.body())


def text_of(mail: SentMail) -> str:
    part = mail.message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def test_a_reminder_tells_the_customers_subscribers_when_it_starts_with_the_join_link_and_the_invitation(
    harness: Harness,
) -> None:
    change = approved(harness)
    meeting = change.meeting_metadata
    assert meeting is not None

    remind(harness, change)

    sent = harness.mail.outbox.sent
    assert sorted(mail.recipient for mail in sent) == ["lead@alpha.example.com", "reader@alpha.example.com"]
    assert {mail.event for mail in sent} == {"reminder"} and {mail.topic for mail in sent} == {"aws-announce"}
    assert (
        sent[0].message["Subject"].strip()
        == "Reminder: Rotate load balancer certificates, starts Mon 7 Jan 2030 13:00 CET"
    )
    text = text_of(sent[0])
    assert "starts in about 1 day, on Mon 7 Jan 2030 13:00 CET (Mon 7 Jan 2030 12:00 UTC)" in text
    assert f"Join: {meeting.join_url}" in text
    assert f"In your calendar: “{meeting.subject}” (Teams meeting, event {meeting.ical_uid})" in text


def test_a_redelivered_reminder_mails_nobody_twice_even_after_an_internal_edit(harness: Harness) -> None:
    change = approved(harness)

    remind(harness, change)
    harness.repository.update(change.id, lambda obj: setattr(obj, "snow_ticket", "CHG0042"))
    remind(harness, change)

    assert len(harness.mail.outbox.sent) == 2


def test_a_reminder_of_a_moved_or_no_longer_approved_window_is_dropped(harness: Harness) -> None:
    change = approved(harness)
    moved = START + timedelta(days=2)

    harness.repository.update(change.id, lambda obj: setattr(obj, "implementation_start", moved))
    remind(harness, change)
    harness.repository.update(change.id, lambda obj: obj.transition("cancelled", "requester@example.com", NOW))
    remind(harness, harness.repository.get(change.id).obj)  # type: ignore[arg-type]

    assert harness.mail.outbox.sent == []


def test_a_nudge_asks_the_requester_alone_to_complete_or_cancel_with_links_that_ask_to_confirm(
    harness: Harness,
) -> None:
    change = approved(harness)

    nudge(harness, change, number=2)
    nudge(harness, change, number=2)

    [mail] = harness.mail.outbox.sent
    assert (mail.recipient, mail.topic, mail.event) == ("requester@example.com", "", "overdue")
    assert (
        mail.message["Subject"].strip() == "Overdue: Rotate load balancer certificates - mark it complete or cancel it"
    )
    text = text_of(mail)
    assert f"my-changes.html?status=approved&objectId={change.id}&action=complete" in text
    assert f"my-changes.html?status=approved&objectId={change.id}&action=cancel" in text
    assert "reminder 2 of at most 3" in text and "unsubscribe" not in text.lower()


def test_a_completed_change_is_not_nudged(harness: Harness) -> None:
    change = approved(harness)
    harness.repository.update(change.id, lambda obj: obj.transition("completed", "requester@example.com", NOW))

    nudge(harness, change)

    assert harness.mail.outbox.sent == []


def test_a_reminder_waits_in_the_queue_until_the_customer_was_told_of_the_approval(harness: Harness) -> None:
    change = make_change(
        status="approved",
        customers=["alpha"],
        implementationStart=START.isoformat(),
        implementationEnd=(START + timedelta(hours=2)).isoformat(),
    )
    harness.publish(change)

    with pytest.raises(MessageFailed, match="has not been told"):
        remind(harness, change)
    harness.deliver("alpha", change.id)
    remind(harness, change)

    assert [mail.event for mail in harness.mail.outbox.sent] == ["approved", "approved", "reminder", "reminder"]
