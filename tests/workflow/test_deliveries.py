"""Who received a notice, and the administrators' resend, through the service functions on in-memory stores."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ccm.domain.deliveries import RESEND_DELAY_SECONDS, DeliveryStatus
from ccm.domain.objects import ModificationType
from ccm.storage.delivery_records import SesEvent
from ccm.storage.ledger import DeliveryKey
from ccm.storage.memory import InMemoryRepository
from ccm.storage.memory_deliveries import InMemoryDeliveryRecords
from ccm.workflow import Actor, Forbidden, Services
from ccm.workflow.deliveries import DeliveryActionRefused, delivery_report, resend_failed
from tests.factories import make_change
from tests.workflow.conftest import NOW

SENT_AT = NOW.timestamp() - 2 * RESEND_DELAY_SECONDS


@pytest.fixture
def records() -> InMemoryDeliveryRecords:
    return InMemoryDeliveryRecords()


@pytest.fixture
def with_records(services: Services, records: InMemoryDeliveryRecords) -> Services:
    return replace(services, deliveries=records)


@pytest.fixture
def change_id(store: InMemoryRepository) -> str:
    change = make_change(status="approved", customers=["alpha", "bravo"], version=3)
    return store.create(change).obj.id


def mail(
    records: InMemoryDeliveryRecords,
    change_id: str,
    outcomes: dict[str, SesEvent | None],
    customer: str = "alpha",
    event: str = "approved",
) -> None:
    for number, (recipient, outcome) in enumerate(outcomes.items()):
        message_id = f"{customer}-{event}-{number}"
        records.sent(DeliveryKey(change_id, 3, event, customer), recipient, message_id, SENT_AT)
        if outcome is not None:
            records.record(replace(outcome, message_id=message_id))


def ses(status: DeliveryStatus, **extra: str) -> SesEvent:
    return SesEvent("", "test", status, SENT_AT + 60, **extra)


OUTCOMES = {
    "delivered@example.com": ses(DeliveryStatus.DELIVERED),
    "hard@example.com": ses(
        DeliveryStatus.BOUNCED, bounce_type="Permanent", bounce_subtype="General", diagnostic="550 5.1.1 user unknown"
    ),
    "soft@example.com": ses(
        DeliveryStatus.BOUNCED, bounce_type="Transient", bounce_subtype="MailboxFull", diagnostic="452 mailbox full"
    ),
    "slow@example.com": ses(DeliveryStatus.DELAYED, diagnostic="421 try later"),
    "complainer@example.com": ses(DeliveryStatus.COMPLAINED),
    "leaver@example.com": ses(DeliveryStatus.UNSUBSCRIBED),
    "suppressed@example.com": ses(
        DeliveryStatus.SUPPRESSED, bounce_type="Permanent", bounce_subtype="OnSuppressionList"
    ),
    "waiting@example.com": None,
}


def test_the_requester_sees_counts_per_customer_and_event_and_no_addresses(
    with_records: Services, records: InMemoryDeliveryRecords, change_id: str, requester: Actor
) -> None:
    mail(records, change_id, OUTCOMES)
    mail(records, change_id, {"someone@bravo.example.com": ses(DeliveryStatus.DELIVERED)}, customer="bravo")

    body = delivery_report(with_records, requester, change_id, kind="change").public()

    assert body["detail"] == "counts"
    assert "recipients" not in body
    alpha, bravo = body["events"]
    assert (alpha["customer"], alpha["event"], alpha["version"]) == ("alpha", "approved", 3)
    assert alpha["bar"] == {"delivered": 2, "pending": 2, "bounced": 2, "complained": 1, "suppressed": 1}
    assert alpha["problems"] == 6
    assert bravo["counts"] == {"delivered": 1}


def test_approvers_see_each_recipient_with_status_time_and_bounce_reason(
    with_records: Services, records: InMemoryDeliveryRecords, change_id: str, approver: Actor
) -> None:
    mail(records, change_id, OUTCOMES)

    body = delivery_report(with_records, approver, change_id, kind="change", customer="alpha").public()

    hard = next(r for r in body["recipients"] if r["recipient"] == "hard@example.com")
    assert hard == {
        "customer": "alpha",
        "event": "approved",
        "version": 3,
        "recipient": "hard@example.com",
        "status": "bounced",
        "at": "2029-12-15T10:01:00Z",
        "bounceType": "Permanent",
        "bounceSubtype": "General",
        "reason": "550 5.1.1 user unknown",
        "resendable": False,
    }
    assert body["resendable"] == [{"customer": "alpha", "event": "approved", "recipients": 2}]


def test_recipients_come_a_page_at_a_time(
    with_records: Services, records: InMemoryDeliveryRecords, change_id: str, approver: Actor
) -> None:
    mail(records, change_id, OUTCOMES)

    first = delivery_report(with_records, approver, change_id, kind="change", limit=5)
    second = delivery_report(with_records, approver, change_id, kind="change", limit=5, cursor=first.next_cursor)

    assert len(first.recipients) == 5 and first.next_cursor
    assert len(second.recipients) == 3 and second.next_cursor is None
    assert {r["recipient"] for r in first.recipients + second.recipients} == set(OUTCOMES)


def test_a_resend_reaches_only_transient_failures_and_is_recorded_in_history(
    with_records: Services, records: InMemoryDeliveryRecords, store: InMemoryRepository, change_id: str, admin: Actor
) -> None:
    mail(records, change_id, OUTCOMES)

    resend = resend_failed(with_records, admin, change_id, kind="change", event="approved", customer="alpha")

    assert resend.recipients == ["slow@example.com", "soft@example.com"]
    assert resend.trigger.ok
    assert f"customers/alpha/{change_id}.json" in store.triggers
    stored = store.get(change_id).obj
    entry = stored.modifications[-1]
    assert entry.modification_type is ModificationType.DELIVERY_RESENT
    assert (entry.user_id, entry.customer_code, entry.delivery_event) == ("admin@example.com", "alpha", "approved")
    assert entry.resent_to == ["slow@example.com", "soft@example.com"]
    assert stored.version == 3, "the notice keeps its version, so the ledger keeps its key"


def test_each_recipient_gets_at_most_one_extra_copy(
    with_records: Services, records: InMemoryDeliveryRecords, change_id: str, admin: Actor
) -> None:
    mail(records, change_id, OUTCOMES)
    resend_failed(with_records, admin, change_id, kind="change", event="approved", customer="alpha")
    # What the backend records once it sent the extra copies:
    mail(records, change_id, {"slow@example.com": None, "soft@example.com": None}, event="approved-resend")

    with pytest.raises(DeliveryActionRefused, match="failed transiently"):
        resend_failed(with_records, admin, change_id, kind="change", event="approved", customer="alpha")


def test_a_recent_delay_is_not_yet_resent(
    with_records: Services, records: InMemoryDeliveryRecords, store: InMemoryRepository, admin: Actor
) -> None:
    change_id = store.create(make_change(status="approved", customers=["alpha"], version=3)).obj.id
    records.sent(DeliveryKey(change_id, 3, "approved", "alpha"), "slow@example.com", "m-1", NOW.timestamp() - 60)
    records.record(SesEvent("m-1", "DeliveryDelay", DeliveryStatus.DELAYED, NOW.timestamp() - 30))

    with pytest.raises(DeliveryActionRefused):
        resend_failed(with_records, admin, change_id, kind="change", event="approved", customer="alpha")


def test_only_administrators_resend_and_only_the_current_notice(
    with_records: Services, records: InMemoryDeliveryRecords, change_id: str, approver: Actor, admin: Actor
) -> None:
    mail(records, change_id, OUTCOMES)

    with pytest.raises(Forbidden):
        resend_failed(with_records, approver, change_id, kind="change", event="approved", customer="alpha")
    with pytest.raises(DeliveryActionRefused, match="current notice"):
        resend_failed(with_records, admin, change_id, kind="change", event="approval_request", customer="alpha")
    with pytest.raises(DeliveryActionRefused, match="does not concern"):
        resend_failed(with_records, admin, change_id, kind="change", event="approved", customer="charlie")
