"""Edits after approval, end to end below the API: the workflow on moto storage, the real backend, faked SES and Teams.

Each test plays what production does: the service functions write the archive and the triggers; every trigger
left in the bucket is then delivered to the backend as its S3 event (in one order, or several times, as SQS may);
the fake SES accounts keep what was sent and the fake calendar what it was asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ccm.config import AppConfig
from ccm.domain.objects import AnyObject
from ccm.domain.status import Status
from ccm.storage.repository import Repository
from ccm.workflow import Actor, Services, edit, get_object, submit, transition
from ccm.workflow.commands import ChangeFields, ChangeSubmission
from tests.backend_fakes import SentMail
from tests.backend_support import NOW, Harness
from tests.meeting_support import FakeMeetings, meeting_harness, read_invitation, serialized_store

APPROVAL, ANNOUNCE, CALENDAR = "aws-approval", "aws-announce", "aws-calendar"
BERLIN_WINTER = {"implementationStart": "2030-03-29T10:00:00", "implementationEnd": "2030-03-29T12:00:00"}
BERLIN_SUMMER = {"implementationStart": "2030-04-05T10:00:00", "implementationEnd": "2030-04-05T12:00:00"}


@pytest.fixture
def store(aws: None) -> tuple[Repository, Any]:
    return serialized_store()


@pytest.fixture
def calendar() -> FakeMeetings:
    return FakeMeetings()


@pytest.fixture
def harness(store: tuple[Repository, Any], calendar: FakeMeetings) -> Harness:
    repository, dynamodb = store
    harness = meeting_harness(repository, dynamodb, calendar)
    for code in ("alpha", "bravo", "charlie", "xray"):
        harness.subscribe(code, APPROVAL, f"approver@{code}.example.com")
        harness.subscribe(code, ANNOUNCE, f"reader@{code}.example.com")
        harness.subscribe(code, CALENDAR, f"engineer@{code}.example.com")
    return harness


@pytest.fixture
def services(harness: Harness, app_config: AppConfig) -> Services:
    return Services(harness.repository, app_config, clock=lambda: NOW)


@pytest.fixture
def requester(app_config: AppConfig) -> Actor:
    return Actor.of("requester@example.com", [], app_config.authorization)


@pytest.fixture
def approver(app_config: AppConfig) -> Actor:
    return Actor.of("approver@example.com", ["ccm-approvers"], app_config.authorization)


def pending_triggers(harness: Harness) -> list[tuple[str, str]]:
    listing = harness.repository.archive.s3.list_objects_v2(Bucket=harness.bucket, Prefix="customers/")
    keys = [item["Key"] for item in listing.get("Contents", [])]
    return [(key.split("/")[1], key.split("/")[2].removesuffix(".json")) for key in keys]


def process(harness: Harness, times: int = 1) -> None:
    """Deliver every trigger in the bucket, each ``times`` times (S3 sent an event per write; SQS redelivers)."""
    for code, object_id in pending_triggers(harness):
        for _ in range(times):
            harness.deliver(code, object_id)


def mails(harness: Harness, topic: str | None = None, event: str | None = None) -> list[SentMail]:
    return [
        mail
        for mail in harness.mail.outbox.sent
        if (topic is None or mail.topic == topic) and (event is None or mail.event == event)
    ]


def body(mail: SentMail) -> str:
    part = mail.message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def current(services: Services, actor: Actor, object_id: str) -> AnyObject:
    stored = get_object(services, actor, object_id, kind="change")
    assert stored is not None
    return stored.obj


def approved_change(harness: Harness, services: Services, requester: Actor, approver: Actor, **fields: Any) -> str:
    content = {
        "changeTitle": "Rotate load balancer certificates",
        "customers": ["alpha", "xray"],
        "changeReason": "Certificates expire next month",
        "customerImpact": "None expected",
        "implementationPlan": "Upload, then switch the listeners",
        "timezone": "Europe/Berlin",
        "include_meeting": True,
        **BERLIN_WINTER,
        **fields,
    }
    change_id = submit(services, requester, ChangeSubmission.model_validate(content)).stored.obj.id
    transition(services, approver, change_id, Status.APPROVED, kind="change")
    process(harness)
    harness.mail.outbox.clear()
    return change_id


def edit_change(services: Services, requester: Actor, change_id: str, **fields: Any) -> AnyObject:
    return edit(services, requester, change_id, ChangeFields.model_validate(fields)).stored.obj


@pytest.fixture
def order(harness: Harness, calendar: FakeMeetings, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What happened, in order: calendar updates and emails (by event)."""
    seen: list[str] = []
    update = calendar.update

    def recording_update(*args: Any) -> Any:
        seen.append("meeting updated")
        return update(*args)

    class RecordingList(list[SentMail]):
        def append(self, mail: SentMail) -> None:
            seen.append(f"email {mail.event}")
            super().append(mail)

    monkeypatch.setattr(calendar, "update", recording_update)
    monkeypatch.setattr(harness.mail.outbox, "sent", RecordingList(harness.mail.outbox.sent))
    yield seen


def test_an_edited_window_goes_back_for_approval_and_customers_hear_nothing_until_it_is_approved_again(
    harness: Harness, services: Services, requester: Actor, approver: Actor, calendar: FakeMeetings
) -> None:
    change_id = approved_change(harness, services, requester, approver)
    approved_version = current(services, requester, change_id).version
    meeting = current(services, requester, change_id).meeting_metadata

    edited = edit_change(services, requester, change_id, **BERLIN_SUMMER)
    process(harness)

    assert edited.status is Status.SUBMITTED
    assert edited.changed_since_approval == approved_version
    assert mails(harness, ANNOUNCE) == [] and mails(harness, CALENDAR) == []
    assert calendar.count("update") == 0
    assert current(services, requester, change_id).meeting_metadata == meeting
    requests = mails(harness, APPROVAL, "approval_request")
    assert sorted(mail.recipient for mail in requests) == ["approver@alpha.example.com", "approver@xray.example.com"]
    text = body(requests[0])
    assert f"CHANGED SINCE VERSION {approved_version} WAS APPROVED" in text
    assert "before: Fri 29 Mar 2030 10:00 – 12:00 CET (Europe/Berlin)" in text
    assert "now:    Fri 5 Apr 2030 10:00 – 12:00 CEST (Europe/Berlin)" in text


def test_re_approval_of_a_moved_window_moves_the_meeting_then_tells_each_customer_it_was_rescheduled(
    harness: Harness, services: Services, requester: Actor, approver: Actor, order: list[str]
) -> None:
    change_id = approved_change(harness, services, requester, approver)
    first = current(services, requester, change_id).meeting_metadata
    assert first is not None
    edit_change(services, requester, change_id, **BERLIN_SUMMER)
    process(harness)
    order.clear()
    harness.mail.outbox.clear()

    transition(services, approver, change_id, Status.APPROVED, kind="change")
    process(harness, times=2)

    notices = mails(harness, ANNOUNCE)
    assert sorted(mail.recipient for mail in notices) == ["reader@alpha.example.com", "reader@xray.example.com"]
    assert {mail.event for mail in notices} == {"rescheduled"}
    assert notices[0].message["Subject"] == "Rescheduled: Rotate load balancer certificates"
    text = body(notices[0])
    # The window across the change to summer time: the local hours stay, the UTC hours move by one more.
    assert (
        "before: Fri 29 Mar 2030 10:00 – 12:00 CET (Europe/Berlin)\n          Fri 29 Mar 2030 09:00 – 11:00 UTC" in text
    )
    assert (
        "now:    Fri 5 Apr 2030 10:00 – 12:00 CEST (Europe/Berlin)\n          Fri 5 Apr 2030 08:00 – 10:00 UTC" in text
    )
    assert "Implementation plan\n  before" not in text
    assert order.index("meeting updated") < order.index("email rescheduled")
    [invitation] = mails(harness, CALENDAR, "meeting_request")
    invite = read_invitation(invitation.message.get_body(("calendar",)).get_content())  # type: ignore[union-attr]
    assert (invite.method, invite.sequence, invite.uid) == ("REQUEST", first.sequence + 1, first.ical_uid)
    obj = current(services, requester, change_id)
    assert obj.notified_versions == {"alpha": obj.version, "xray": obj.version}


def test_customers_added_get_the_approval_and_customers_removed_a_cancellation_and_leave_the_meeting(
    harness: Harness, services: Services, requester: Actor, approver: Actor, calendar: FakeMeetings
) -> None:
    change_id = approved_change(harness, services, requester, approver, customers=["alpha", "bravo", "xray"])
    edit_change(services, requester, change_id, customers=["alpha", "charlie"])
    transition(services, approver, change_id, Status.APPROVED, kind="change")
    harness.mail.outbox.clear()

    process(harness)

    by_customer = {(mail.customer_code, mail.topic): mail for mail in harness.mail.outbox.sent}
    assert by_customer[("alpha", ANNOUNCE)].event == "updated"
    assert "Customers\n  before: Alpha Retail (alpha)\n          Bravo Media (bravo)" in body(
        by_customer[("alpha", ANNOUNCE)]
    )
    assert by_customer[("charlie", ANNOUNCE)].event == "approved"
    assert by_customer[("bravo", ANNOUNCE)].event == "cancelled"
    assert "no longer includes Bravo Media" in body(by_customer[("bravo", ANNOUNCE)])
    assert by_customer[("xray", ANNOUNCE)].event == "cancelled"
    cancel = read_invitation(by_customer[("xray", CALENDAR)].message.get_body(("calendar",)).get_content())  # type: ignore[union-attr]
    assert cancel.method == "CANCEL"
    [event] = calendar.events.values()
    assert "engineer@bravo.example.com" not in event.request.attendees
    assert "engineer@charlie.example.com" in event.request.attendees
    obj = current(services, requester, change_id)
    assert obj.notified_versions == {"alpha": obj.version, "charlie": obj.version}


def test_an_edit_of_internal_fields_keeps_the_approval_and_sends_nothing(
    harness: Harness, services: Services, requester: Actor, approver: Actor
) -> None:
    change_id = approved_change(harness, services, requester, approver)

    edited = edit_change(services, requester, change_id, snowTicket="CHG0042", jiraTicket="OPS-9")
    process(harness)

    assert edited.status is Status.APPROVED
    assert pending_triggers(harness) == [] and harness.mail.outbox.sent == []


def test_a_plan_edit_needs_approval_again_but_customers_are_told_nothing_once_approved(
    harness: Harness, services: Services, requester: Actor, approver: Actor
) -> None:
    change_id = approved_change(harness, services, requester, approver)

    edit_change(services, requester, change_id, rollbackPlan="Switch the listeners back, then restore the old key")
    process(harness)
    transition(services, approver, change_id, Status.APPROVED, kind="change")
    process(harness)

    assert [mail.topic for mail in harness.mail.outbox.sent] == [APPROVAL, APPROVAL]
    assert "Rollback plan" in body(harness.mail.outbox.sent[0])
    obj = current(services, requester, change_id)
    assert obj.notified_versions == {"alpha": obj.version, "xray": obj.version}


def test_three_quick_edits_approved_before_the_backend_ran_send_each_customer_one_notice_of_all_of_them(
    harness: Harness, services: Services, requester: Actor, approver: Actor
) -> None:
    change_id = approved_change(harness, services, requester, approver)
    told = current(services, requester, change_id).version

    for fields in ({"changeTitle": "Rotate every certificate"}, BERLIN_SUMMER, {"customerImpact": "A short TLS reset"}):
        edit_change(services, requester, change_id, **fields)
        transition(services, approver, change_id, Status.APPROVED, kind="change")
    # S3 sent an event per trigger write: three per customer, all processed now.
    process(harness, times=3)

    notices = mails(harness, ANNOUNCE)
    assert sorted(mail.customer_code for mail in notices) == ["alpha", "xray"]
    text = body(notices[0])
    assert notices[0].message["Subject"] == "Rescheduled: Rotate every certificate"
    assert "before: Rotate load balancer certificates" in text and "now:    Rotate every certificate" in text
    assert "now:    A short TLS reset" in text and "Window\n  before: Fri 29 Mar 2030" in text
    assert told < current(services, requester, change_id).version


def test_a_change_cancelled_while_it_waits_for_approval_again_is_cancelled_for_everyone_who_heard_of_it(
    harness: Harness, services: Services, requester: Actor, approver: Actor
) -> None:
    change_id = approved_change(harness, services, requester, approver, customers=["alpha", "bravo"])
    edit_change(services, requester, change_id, customers=["alpha"])

    transition(services, requester, change_id, Status.CANCELLED, kind="change")
    process(harness)

    cancelled = mails(harness, ANNOUNCE, "cancelled")
    assert sorted(mail.recipient for mail in cancelled) == ["reader@alpha.example.com", "reader@bravo.example.com"]
    assert mails(harness, ANNOUNCE, "updated") == []
