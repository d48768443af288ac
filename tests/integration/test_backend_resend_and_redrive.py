"""The backend's side of delivery proof: an administrator's resend, and a redriven dead letter, mail nobody twice."""

from __future__ import annotations

import pytest

from ccm.backend.processor import MessageFailed
from ccm.domain.objects import AnyObject, ModificationType
from ccm.storage.delivery_records import DynamoDeliveryRecords
from ccm.storage.trigger_failures import TriggerFailures
from tests.backend_support import NOW, Harness, bucket_and_table
from tests.conftest import TABLE
from tests.factories import make_change

AUDIENCE = ["first@example.com", "second@example.com", "third@example.com"]


@pytest.fixture
def harness(aws: None) -> Harness:
    harness = Harness.build(bucket_and_table())
    harness.subscribe("alpha", "aws-announce", *AUDIENCE)
    return harness


def approved(harness: Harness) -> str:
    change = make_change(status="approved", customers=["alpha"])
    harness.publish(change)
    return change.id


def ask_for_resend(harness: Harness, object_id: str, recipients: list[str]) -> None:
    """What POST .../deliveries/resend leaves behind: a history entry without a new version, then the trigger."""

    def record(obj: AnyObject) -> None:
        obj.record(
            ModificationType.DELIVERY_RESENT,
            "admin@example.com",
            NOW,
            customer_code="alpha",
            delivery_event="approved",
            resent_to=recipients,
        )

    update = harness.repository.update(object_id, record, bump_version=False, location="archive")
    harness.repository.archive.put_trigger("alpha", update.after.obj, "approved_announcement")


def test_a_resend_mails_one_extra_copy_to_the_chosen_recipients_who_are_still_subscribed(harness: Harness) -> None:
    object_id = approved(harness)
    harness.deliver("alpha", object_id)
    harness.mail.outbox.clear()
    # The third has left the topic since; an extra copy would mail someone who no longer wants it.
    harness.box("alpha").topics["aws-announce"].remove("third@example.com")

    ask_for_resend(harness, object_id, ["second@example.com", "third@example.com"])
    harness.deliver("alpha", object_id)
    ask_for_resend(harness, object_id, ["second@example.com"])
    harness.deliver("alpha", object_id)

    assert [mail.recipient for mail in harness.mail.outbox.sent] == ["second@example.com"]
    rows = DynamoDeliveryRecords(TABLE).rows(object_id)
    assert sorted((row.event, row.recipient) for row in rows if row.event.endswith("-resend")) == [
        ("approved-resend", "second@example.com")
    ]


def test_a_redriven_trigger_mails_only_whom_the_failed_attempts_missed(harness: Harness) -> None:
    object_id = approved(harness)
    harness.box("alpha").fail_after = 1

    with pytest.raises(MessageFailed):
        harness.deliver("alpha", object_id)
    assert TriggerFailures(TABLE).for_customer("alpha")[object_id].error.startswith("DeliveryFailed")

    # Fixed; the dead letter is moved back to the queue and processed again.
    harness.box("alpha").fail_after = None
    harness.deliver("alpha", object_id)
    harness.deliver("alpha", object_id)

    assert sorted(harness.mail.outbox.recipients().items()) == [(address, 1) for address in AUDIENCE]
