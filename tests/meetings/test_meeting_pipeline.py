"""Meetings through the backend pipeline: moto storage, the real Graph adapter against the local HTTPS server.

Customers' messages run in threads at the same moment, as Lambda processes a batch from several queues.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from ccm.backend.meeting_steps import INVITE_STEP, MEETING_STEP
from ccm.backend.processor import MessageFailed
from ccm.config import AppConfig
from ccm.domain.ids import AnnouncementType
from ccm.domain.objects import COMPLETED_BEFORE_MEETING, NOBODY_INVITED, AnyObject, Change, ModificationType
from ccm.domain.status import Status
from ccm.local.graph_server import GraphServer
from ccm.storage.repository import Repository
from tests.backend_support import NOW, Harness
from tests.factories import make_announcement, make_change
from tests.meeting_support import Invitation, local_graph, meeting_harness, read_invitation, serialized_store

FIVE = ["alpha", "bravo", "charlie", "delta", "echo"]
EDITOR = "requester@example.com"


@pytest.fixture
def store(aws: None) -> tuple[Repository, Any]:
    return serialized_store()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def harness(
    store: tuple[Repository, Any], graph_server: GraphServer, app_config: AppConfig, sleeps: list[float]
) -> Harness:
    repository, dynamodb = store
    return meeting_harness(repository, dynamodb, local_graph(graph_server, app_config, sleeps))


def audiences(harness: Harness, codes: Iterable[str]) -> dict[str, str]:
    """One calendar subscriber and one announcement reader per customer; the calendar subscriber by customer."""
    engineers = {}
    for code in codes:
        engineers[code] = f"engineer@{code}.example.com"
        harness.subscribe(code, "aws-calendar", engineers[code])
        harness.subscribe(code, "aws-announce", f"reader@{code}.example.com")
    return engineers


def publish_approved(harness: Harness, codes: list[str], **keys: Any) -> Change:
    change = make_change(
        status="approved", customers=codes, approvedBy="approver@example.com", include_meeting=True, **keys
    )
    harness.publish(change)
    return change


def deliver_together(harness: Harness, codes: list[str], object_id: str) -> Counter[str]:
    """Every customer's message processed at the same moment; the metrics they counted, summed."""
    counts: Counter[str] = Counter()
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(codes))

    def deliver(code: str) -> None:
        start.wait()
        try:
            result = harness.deliver(code, object_id)
        except MessageFailed as failed:
            failures.append(failed.cause)
            return
        with lock:
            counts.update(result.counts)

    workers = [threading.Thread(target=deliver, args=(code,)) for code in codes]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    return counts


def edit(harness: Harness, object_id: str, **changes: Any) -> AnyObject:
    """What the API does when a user edits an approved object's meeting fields: a new version, new triggers."""

    def apply(obj: AnyObject) -> None:
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.record(ModificationType.UPDATED, EDITOR, NOW)

    obj = harness.repository.update(object_id, apply, location="archive").after.obj
    for code in obj.customers:
        harness.repository.archive.put_trigger(code, obj, "approved_announcement")
    return obj


def entries(harness: Harness, object_id: str, kind: ModificationType) -> list[Any]:
    return [m for m in harness.repository.get(object_id).obj.modifications if m.modification_type is kind]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def invitation_of(message: EmailMessage) -> Invitation:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return read_invitation(part.get_content())
    raise AssertionError("no text/calendar part")


def test_five_customers_processed_at_once_get_one_meeting_with_all_their_attendees(
    harness: Harness, graph_server: GraphServer
) -> None:
    engineers = audiences(harness, FIVE)
    change = publish_approved(harness, FIVE)

    counts = deliver_together(harness, FIVE, change.id)

    (meeting,) = graph_server.meetings()
    assert sorted(meeting["attendees"]) == sorted(engineers.values())
    assert [call.method for call in graph_server.graph.calls("POST")] == ["POST"]
    assert counts["MeetingsCreated"] == 1
    stored = harness.repository.get(change.id).obj
    assert stored.meeting_metadata is not None
    assert (stored.meeting_metadata.meeting_id, stored.meeting_metadata.join_url) == (meeting["id"], meeting["joinUrl"])
    assert (stored.meeting_metadata.ical_uid, stored.meeting_metadata.provider) == (meeting["iCalUId"], "teams")
    assert stored.version == change.version
    assert len(entries(harness, change.id, ModificationType.MEETING_SCHEDULED)) == 1
    approvals = [mail for mail in harness.mail.outbox.sent if mail.event == "approved"]
    assert sorted(mail.recipient for mail in approvals) == sorted(f"reader@{code}.example.com" for code in FIVE)
    assert all(meeting["joinUrl"] in html_of(mail.message) for mail in approvals)


def test_a_redelivered_message_creates_nothing_new(harness: Harness, graph_server: GraphServer) -> None:
    audiences(harness, FIVE)
    change = publish_approved(harness, FIVE)
    deliver_together(harness, FIVE, change.id)
    calls_before, mails_before = len(graph_server.graph.calls()), len(harness.mail.outbox.sent)
    stored = harness.repository.get(change.id).obj
    for code in FIVE:
        harness.repository.archive.put_trigger(code, stored, "approved_announcement")

    counts = deliver_together(harness, FIVE, change.id)

    assert len(graph_server.graph.calls()) == calls_before
    assert len(graph_server.meetings()) == 1
    assert len(harness.mail.outbox.sent) == mails_before
    assert counts["MeetingsCreated"] == counts["MeetingsUpdated"] == 0
    assert len(entries(harness, change.id, ModificationType.MEETING_SCHEDULED)) == 1


def test_a_window_change_issues_one_update_and_is_recorded_once(harness: Harness, graph_server: GraphServer) -> None:
    audiences(harness, FIVE)
    change = publish_approved(harness, FIVE)
    deliver_together(harness, FIVE, change.id)
    assert change.implementation_start is not None and change.implementation_end is not None
    later = timedelta(days=1, hours=2)
    edit(
        harness,
        change.id,
        implementation_start=change.implementation_start + later,
        implementation_end=change.implementation_end + later,
    )

    counts = deliver_together(harness, FIVE, change.id)

    assert len(graph_server.graph.calls("PATCH")) == 1
    assert counts["MeetingsUpdated"] == 1
    (meeting,) = graph_server.meetings()
    assert (meeting["start"], meeting["end"], meeting["updates"]) == (
        "2030-01-08T12:00:00.0000000",
        "2030-01-08T14:00:00.0000000",
        1,
    )
    stored = harness.repository.get(change.id).obj
    assert stored.meeting_metadata is not None
    assert stored.meeting_metadata.start_time == change.implementation_start + later
    assert stored.meeting_metadata.sequence == 1
    assert len(entries(harness, change.id, ModificationType.MEETING_UPDATED)) == 1


def test_a_cancel_issues_one_cancel_before_the_cancellation_email(harness: Harness, graph_server: GraphServer) -> None:
    audiences(harness, FIVE)
    change = publish_approved(harness, FIVE)
    deliver_together(harness, FIVE, change.id)
    harness.transition(change.id, "cancelled")

    counts = deliver_together(harness, FIVE, change.id)

    assert len(graph_server.graph.calls("POST", "/cancel")) == 1
    assert counts["MeetingsCancelled"] == 1
    assert [action.action for action in graph_server.actions()] == ["created", "cancelled"]
    assert harness.backend.pipeline.names(Status.CANCELLED) == [MEETING_STEP, INVITE_STEP, "email", "channels"]
    history = [m.modification_type for m in harness.repository.get(change.id).obj.modifications]
    assert history.count(ModificationType.MEETING_CANCELLED) == 1
    after_cancel = history[history.index(ModificationType.CANCELLED) :]
    assert after_cancel.index(ModificationType.MEETING_CANCELLED) < after_cancel.index(ModificationType.PROCESSED)
    cancellations = [mail.recipient for mail in harness.mail.outbox.sent if mail.event == "cancelled"]
    assert sorted(cancellations) == sorted(f"reader@{code}.example.com" for code in FIVE)


def test_a_failed_cancel_holds_back_the_cancellation_email_until_it_succeeds(
    harness: Harness, graph_server: GraphServer
) -> None:
    audiences(harness, ["alpha"])
    change = publish_approved(harness, ["alpha"])
    harness.deliver("alpha", change.id)
    harness.transition(change.id, "cancelled")
    graph_server.graph.inject(500, path_contains="/cancel")

    with pytest.raises(MessageFailed, match="answered 500"):
        harness.deliver("alpha", change.id)
    assert not [mail for mail in harness.mail.outbox.sent if mail.event == "cancelled"]

    harness.deliver("alpha", change.id)
    assert [mail.recipient for mail in harness.mail.outbox.sent if mail.event == "cancelled"] == [
        "reader@alpha.example.com"
    ]
    assert [action.action for action in graph_server.actions()] == ["created", "cancelled"]


def test_a_graph_outage_holds_the_approval_email_until_the_meeting_exists(
    harness: Harness, graph_server: GraphServer
) -> None:
    audiences(harness, ["alpha"])
    change = publish_approved(harness, ["alpha"])
    graph_server.graph.inject(500, method="POST")

    with pytest.raises(MessageFailed):
        harness.deliver("alpha", change.id)
    assert harness.mail.outbox.sent == []
    assert harness.repository.archive.trigger_exists("alpha", change.id)

    harness.deliver("alpha", change.id)
    (meeting,) = graph_server.meetings()
    (approval,) = harness.mail.outbox.sent
    assert meeting["joinUrl"] in html_of(approval.message)


def test_restricted_customers_and_listed_attendees_invite_only_whom_every_allow_list_admits(
    harness: Harness, graph_server: GraphServer
) -> None:
    harness.subscribe("alpha", "aws-calendar", "engineer@alpha.example.com")
    harness.subscribe("zulu", "aws-calendar", "sandbox-tester@example.com", "stranger@example.com")
    for code in ("alpha", "zulu"):
        harness.subscribe(code, "aws-announce")
    change = publish_approved(harness, ["alpha", "zulu"], attendees="approver@example.com, outsider@example.com")

    deliver_together(harness, ["alpha", "zulu"], change.id)

    (meeting,) = graph_server.meetings()
    assert sorted(meeting["attendees"]) == [
        "approver@example.com",
        "engineer@alpha.example.com",
        "sandbox-tester@example.com",
    ]


def test_customers_without_teams_get_invitations_by_email_then_the_update_and_the_cancellation(
    harness: Harness, graph_server: GraphServer
) -> None:
    engineers = audiences(harness, ["alpha", "xray"])
    change = publish_approved(harness, ["alpha", "xray"])

    deliver_together(harness, ["alpha", "xray"], change.id)

    (meeting,) = graph_server.meetings()
    assert meeting["attendees"] == [engineers["alpha"]]
    (invitation,) = [mail for mail in harness.mail.outbox.sent if mail.event == "meeting_request"]
    assert (invitation.recipient, invitation.customer_code, invitation.topic) == (
        engineers["xray"],
        "xray",
        "aws-calendar",
    )
    invited = invitation_of(invitation.message)
    assert (invited.method, invited.uid, invited.sequence) == ("REQUEST", meeting["iCalUId"], 0)
    assert invited.attendees == (engineers["xray"],)
    assert meeting["joinUrl"] in html_of(invitation.message)
    assert invitation.message.get_content_type() == "multipart/mixed"

    assert change.implementation_start is not None and change.implementation_end is not None
    edit(harness, change.id, implementation_end=change.implementation_end + timedelta(hours=1))
    deliver_together(harness, ["alpha", "xray"], change.id)
    requests = [mail for mail in harness.mail.outbox.sent if mail.event == "meeting_request"]
    assert [invitation_of(mail.message).sequence for mail in requests] == [0, 1]
    # The meeting moved: the subject says so, not just that something changed.
    assert requests[-1].message["Subject"].startswith("Rescheduled: ")

    edit(harness, change.id, change_title="Rotate the certificates (all regions)")
    deliver_together(harness, ["alpha", "xray"], change.id)
    requests = [mail for mail in harness.mail.outbox.sent if mail.event == "meeting_request"]
    assert [invitation_of(mail.message).sequence for mail in requests] == [0, 1, 2]
    assert requests[-1].message["Subject"].startswith("Updated: ")
    assert "(all regions)" in requests[-1].message["Subject"]

    harness.transition(change.id, "cancelled")
    deliver_together(harness, ["alpha", "xray"], change.id)
    (cancellation,) = [mail for mail in harness.mail.outbox.sent if mail.event == "meeting_cancel"]
    withdrawn = invitation_of(cancellation.message)
    assert (withdrawn.method, withdrawn.uid, withdrawn.sequence) == ("CANCEL", meeting["iCalUId"], 3)
    assert cancellation.recipient == engineers["xray"]
    assert not [mail for mail in harness.mail.outbox.sent if mail.customer_code == "alpha" and "meeting" in mail.event]


def test_without_graph_every_customer_gets_the_invitation_by_email(store: tuple[Repository, Any]) -> None:
    repository, dynamodb = store
    harness = meeting_harness(repository, dynamodb, None)
    engineers = audiences(harness, ["alpha", "bravo"])
    change = publish_approved(harness, ["alpha", "bravo"])

    deliver_together(harness, ["alpha", "bravo"], change.id)

    stored = harness.repository.get(change.id).obj
    assert stored.meeting_metadata is not None
    assert stored.meeting_metadata.provider == "ics"
    assert stored.meeting_metadata.ical_uid == f"{change.id}-0@mail.example.com"
    invitations = [mail for mail in harness.mail.outbox.sent if mail.event == "meeting_request"]
    assert sorted(mail.recipient for mail in invitations) == sorted(engineers.values())
    assert {invitation_of(mail.message).uid for mail in invitations} == {f"{change.id}-0@mail.example.com"}
    assert len(entries(harness, change.id, ModificationType.MEETING_SCHEDULED)) == 1


def test_switching_the_meeting_off_after_approval_cancels_it(harness: Harness, graph_server: GraphServer) -> None:
    audiences(harness, ["alpha"])
    change = publish_approved(harness, ["alpha"])
    harness.deliver("alpha", change.id)

    edit(harness, change.id, include_meeting=False)
    result = harness.deliver("alpha", change.id)

    assert result.counts["MeetingsCancelled"] == 1
    assert [action.action for action in graph_server.actions()] == ["created", "cancelled"]
    assert len(entries(harness, change.id, ModificationType.MEETING_CANCELLED)) == 1


def test_an_announcement_meeting_invites_every_customers_type_topic_subscribers_hidden_from_each_other(
    harness: Harness, graph_server: GraphServer
) -> None:
    for code in ("alpha", "bravo"):
        harness.subscribe(code, "cic-announce", f"member@{code}.example.com")
    announcement = make_announcement(
        AnnouncementType.CIC,
        customers=["alpha", "bravo"],
        status="approved",
        approvedBy="approver@example.com",
        include_meeting=True,
        meeting_date="2030-02-01T16:00:00Z",
        meeting_duration=90,
        meeting_timezone="Europe/Berlin",
    )
    harness.publish(announcement)

    deliver_together(harness, ["alpha", "bravo"], announcement.id)

    (meeting,) = graph_server.meetings()
    assert meeting["subject"] == "CIC Event: Community day"
    assert (meeting["start"], meeting["end"], meeting["timeZone"]) == (
        "2030-02-01T17:00:00.0000000",
        "2030-02-01T18:30:00.0000000",
        "Europe/Berlin",
    )
    assert sorted(meeting["attendees"]) == ["member@alpha.example.com", "member@bravo.example.com"]
    assert meeting["hideAttendees"] is True
    (post,) = graph_server.graph.calls("POST")
    assert post.status == 201
    approvals = [mail for mail in harness.mail.outbox.sent if mail.event == "approved"]
    assert len(approvals) == 2 and all(meeting["joinUrl"] in html_of(mail.message) for mail in approvals)


def test_a_meeting_deleted_in_the_calendar_is_replaced_on_the_next_change(
    harness: Harness, graph_server: GraphServer, app_config: AppConfig
) -> None:
    audiences(harness, ["alpha"])
    change = publish_approved(harness, ["alpha"])
    harness.deliver("alpha", change.id)
    (first,) = graph_server.meetings()
    assert local_graph(graph_server, app_config, []).cancel(first["id"], "removed by hand in Outlook")

    edit(harness, change.id, change_title="Rotate every certificate")
    harness.deliver("alpha", change.id)

    live = [meeting for meeting in graph_server.meetings() if meeting["status"] == "scheduled"]
    assert [meeting["subject"] for meeting in live] == ["Change Implementation: Rotate every certificate"]
    stored = harness.repository.get(change.id).obj
    assert stored.meeting_metadata is not None and stored.meeting_metadata.meeting_id == live[0]["id"]
    assert len(entries(harness, change.id, ModificationType.MEETING_CANCELLED)) == 1
    assert len(entries(harness, change.id, ModificationType.MEETING_SCHEDULED)) == 2


def test_with_nobody_to_invite_no_meeting_is_made_until_someone_subscribes(
    harness: Harness, graph_server: GraphServer
) -> None:
    harness.subscribe("alpha", "aws-calendar")
    harness.subscribe("alpha", "aws-announce", "reader@alpha.example.com")
    change = publish_approved(harness, ["alpha"])

    harness.deliver("alpha", change.id)
    assert graph_server.meetings() == []
    assert harness.repository.get(change.id).obj.meeting_metadata is None
    (skipped,) = entries(harness, change.id, ModificationType.MEETING_SKIPPED)
    assert (skipped.topic, skipped.detail, skipped.by_system) == ("aws-calendar", NOBODY_INVITED, True)

    harness.subscribe("alpha", "aws-calendar", "engineer@alpha.example.com")
    edit(harness, change.id, change_title="Rotate every certificate")
    harness.deliver("alpha", change.id)
    (meeting,) = graph_server.meetings()
    assert meeting["attendees"] == ["engineer@alpha.example.com"]


def test_every_customers_message_about_an_object_nobody_is_invited_to_records_that_once_per_version(
    harness: Harness, graph_server: GraphServer
) -> None:
    for code in ("alpha", "bravo"):
        harness.subscribe(code, "aws-calendar")
        harness.subscribe(code, "aws-announce", f"reader@{code}.example.com")
    change = publish_approved(harness, ["alpha", "bravo"])

    deliver_together(harness, ["alpha", "bravo"], change.id)
    for code in ("alpha", "bravo"):
        harness.repository.archive.put_trigger(code, harness.repository.get(change.id).obj, "redelivered")
    deliver_together(harness, ["alpha", "bravo"], change.id)
    assert len(entries(harness, change.id, ModificationType.MEETING_SKIPPED)) == 1

    edit(harness, change.id, change_title="Rotate every certificate")
    deliver_together(harness, ["alpha", "bravo"], change.id)
    assert len(entries(harness, change.id, ModificationType.MEETING_SKIPPED)) == 2
    assert graph_server.meetings() == []


def complete_at(harness: Harness, object_id: str, at: datetime) -> AnyObject:
    """What the API does when an approver completes the object at ``at``: a new version, then the triggers."""
    update = harness.repository.update(
        object_id, lambda obj: obj.transition("completed", "approver@example.com", at), location="archive"
    )
    for code in update.after.obj.customers:
        harness.repository.archive.put_trigger(code, update.after.obj, "completed")
    return update.after.obj


def test_a_change_completed_before_its_meeting_has_the_meeting_cancelled_in_teams_and_by_email(
    harness: Harness, graph_server: GraphServer
) -> None:
    engineers = audiences(harness, ["alpha", "xray"])
    change = publish_approved(harness, ["alpha", "xray"])
    deliver_together(harness, ["alpha", "xray"], change.id)
    assert change.implementation_start is not None

    complete_at(harness, change.id, change.implementation_start - timedelta(days=1))
    counts = deliver_together(harness, ["alpha", "xray"], change.id)
    stored = harness.repository.get(change.id).obj
    for code in ("alpha", "xray"):
        harness.repository.archive.put_trigger(code, stored, "redelivered")
    deliver_together(harness, ["alpha", "xray"], change.id)

    assert counts["MeetingsCancelled"] == 1
    assert [action.action for action in graph_server.actions()] == ["created", "cancelled"]
    (cancellation,) = [mail for mail in harness.mail.outbox.sent if mail.event == "meeting_cancel"]
    assert cancellation.recipient == engineers["xray"]
    assert invitation_of(cancellation.message).method == "CANCEL"
    assert len([mail for mail in harness.mail.outbox.sent if mail.event == "meeting_request"]) == 1
    (cancelled,) = entries(harness, change.id, ModificationType.MEETING_CANCELLED)
    assert (cancelled.detail, cancelled.by_system) == (COMPLETED_BEFORE_MEETING, True)
    history = [m.modification_type for m in harness.repository.get(change.id).obj.modifications]
    after = history[history.index(ModificationType.COMPLETED) :]
    assert after.index(ModificationType.MEETING_CANCELLED) < after.index(ModificationType.PROCESSED)
    completions = sorted(mail.recipient for mail in harness.mail.outbox.sent if mail.event == "completed")
    assert completions == ["reader@alpha.example.com", "reader@xray.example.com"]


def test_a_change_completed_once_its_meeting_has_begun_keeps_the_meeting(
    harness: Harness, graph_server: GraphServer
) -> None:
    audiences(harness, ["alpha", "xray"])
    change = publish_approved(harness, ["alpha", "xray"])
    deliver_together(harness, ["alpha", "xray"], change.id)
    assert change.implementation_start is not None

    complete_at(harness, change.id, change.implementation_start + timedelta(minutes=30))
    counts = deliver_together(harness, ["alpha", "xray"], change.id)

    assert counts["MeetingsCancelled"] == 0
    assert [action.action for action in graph_server.actions()] == ["created"]
    assert not [mail for mail in harness.mail.outbox.sent if mail.event == "meeting_cancel"]
    assert len([mail for mail in harness.mail.outbox.sent if mail.event == "meeting_request"]) == 1
    assert entries(harness, change.id, ModificationType.MEETING_CANCELLED) == []
