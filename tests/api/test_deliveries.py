"""Delivery proof through the API handler: who received a notice, the resend, reputation, dead letters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from ccm.channels.delivery import ledger_recipient
from ccm.config import AppConfig, SesConfig
from ccm.domain.deliveries import DeliveryStatus
from ccm.domain.status import Status
from ccm.provision import Provisioner
from ccm.s3_events import queue_name
from ccm.storage.delivery_records import DynamoDeliveryRecords, SesEvent
from ccm.storage.ledger import DeliveryKey, DynamoLedger
from ccm.storage.trigger_failures import TriggerFailures
from ccm.workflow import Services
from tests.api.client import ADMIN, APPROVER, REQUESTER, ApiClient
from tests.api.conftest import NOW
from tests.api.helpers import s3, shared_clients, stored_object
from tests.backend_support import trigger_body
from tests.conftest import BUCKET, TABLE

SENT = NOW.timestamp() - 7200


def mail(change_id: str, outcomes: dict[str, SesEvent | None], customer: str = "alpha") -> None:
    """What the backend and then SES leave on the ledger: each address sent, then SES's event about it."""
    _, dynamodb = shared_clients()
    ledger = DynamoLedger(TABLE, dynamodb, clock=lambda: SENT)
    records = DynamoDeliveryRecords(TABLE, dynamodb)
    for number, (recipient, outcome) in enumerate(outcomes.items()):
        claim = ledger.claim(DeliveryKey(change_id, 1, "approved", customer), recipient)
        assert claim is not None
        ledger.mark_sent(claim, f"{customer}-{number}")
        if outcome is not None:
            records.record(SesEvent(f"{customer}-{number}", "event", outcome.status, outcome.at, **_extra(outcome)))


def _extra(event: SesEvent) -> dict[str, str]:
    return {"bounce_type": event.bounce_type, "bounce_subtype": event.bounce_subtype, "diagnostic": event.diagnostic}


def outcome(status: DeliveryStatus, **extra: str) -> SesEvent:
    return SesEvent("", "event", status, SENT + 60, **extra)


BOUNCED = outcome(DeliveryStatus.BOUNCED, bounce_type="Permanent", bounce_subtype="General", diagnostic="550 5.1.1")
SOFT = outcome(DeliveryStatus.BOUNCED, bounce_type="Transient", bounce_subtype="MailboxFull", diagnostic="452 full")


@pytest.fixture
def change_id(services: Services) -> str:
    return stored_object(services, "change", Status.APPROVED, customers=["alpha", "bravo"]).obj.id


def test_a_bounce_is_shown_to_approvers_with_its_reason_and_counted_for_the_requester(
    api: ApiClient, change_id: str
) -> None:
    mail(change_id, {"gone@example.com": BOUNCED, "fine@example.com": outcome(DeliveryStatus.DELIVERED)})

    seen_by_approver = api.as_(APPROVER).get(f"/api/changes/{change_id}/deliveries")
    seen_by_requester = api.as_(REQUESTER).get(f"/api/changes/{change_id}/deliveries")

    assert seen_by_approver.status == 200, seen_by_approver.text
    gone = next(r for r in seen_by_approver.json["recipients"] if r["recipient"] == "gone@example.com")
    assert (gone["status"], gone["bounceType"], gone["reason"]) == ("bounced", "Permanent", "550 5.1.1")
    assert gone["at"] == datetime.fromtimestamp(SENT + 60, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = seen_by_requester.json
    assert body["detail"] == "counts" and "recipients" not in body
    (alpha,) = body["events"]
    assert alpha["bar"] == {"delivered": 1, "pending": 0, "bounced": 1, "complained": 0, "suppressed": 0}


def test_recipients_are_paged_and_filtered_by_customer(api: ApiClient, change_id: str) -> None:
    mail(change_id, {f"r{i}@example.com": None for i in range(5)})
    mail(change_id, {"other@example.com": None}, customer="bravo")

    path = f"/api/changes/{change_id}/deliveries"
    first = api.as_(APPROVER).get(path, query={"customer": "alpha", "limit": "3"}).json
    second = api.as_(APPROVER).get(path, query={"customer": "alpha", "limit": "3", "cursor": first["nextCursor"]}).json

    assert [r["recipient"] for r in first["recipients"] + second["recipients"]] == [
        f"r{i}@example.com" for i in range(5)
    ]
    assert second["nextCursor"] is None
    assert api.as_(APPROVER).get(path, query={"cursor": "nonsense"}).status == 422


def test_channel_posts_are_left_out_of_the_email_recipients(api: ApiClient, change_id: str) -> None:
    """A channel post's ledger row shares the email's key; SES never reports on it, so it would stay pending."""
    mail(change_id, {"fine@example.com": outcome(DeliveryStatus.DELIVERED)})
    _, dynamodb = shared_clients()
    ledger = DynamoLedger(TABLE, dynamodb, clock=lambda: SENT)
    post = ledger.claim(DeliveryKey(change_id, 1, "approved", "alpha"), ledger_recipient("ops"))
    assert post is not None
    ledger.mark_sent(post, "webhook-id")

    body = api.as_(APPROVER).get(f"/api/changes/{change_id}/deliveries").json

    assert [r["recipient"] for r in body["recipients"]] == ["fine@example.com"]
    (alpha,) = body["events"]
    assert alpha["bar"] == {"delivered": 1, "pending": 0, "bounced": 0, "complained": 0, "suppressed": 0}
    pointer = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "SESMSG#webhook-id"}, "sk": {"S": "SESMSG"}})
    assert "Item" not in pointer
    assert ledger.delivered(DeliveryKey(change_id, 1, "approved", "alpha")) == {"fine@example.com", "channel:ops"}


def test_an_unknown_object_has_no_deliveries(api: ApiClient) -> None:
    response = api.as_(APPROVER).get("/api/changes/CHG-00000000-0000-4000-8000-000000000000/deliveries")

    assert response.status == 404


def test_the_resend_skips_hard_bounces_and_is_recorded_in_history(api: ApiClient, change_id: str) -> None:
    mail(change_id, {"gone@example.com": BOUNCED, "full@example.com": SOFT})

    refused = api.as_(APPROVER).post(
        f"/api/changes/{change_id}/deliveries/resend", {"event": "approved", "customer": "alpha"}
    )
    response = api.as_(ADMIN).post(
        f"/api/changes/{change_id}/deliveries/resend", {"event": "approved", "customer": "alpha"}
    )
    path = f"/api/changes/{change_id}/deliveries/resend"
    again = api.as_(ADMIN).post(path, {"event": "cancelled", "customer": "alpha"})

    assert refused.status == 403
    assert response.status == 200, response.text
    assert response.json == {
        "customer": "alpha",
        "event": "approved",
        "recipients": ["full@example.com"],
        "triggered": True,
        "error": None,
    }
    assert again.status == 409 and again.json["type"] == "DELIVERY_ACTION_REFUSED"
    history = api.as_(ADMIN).get(f"/api/changes/{change_id}").json["modifications"]
    assert history[-1]["modification_type"] == "delivery_resent"
    assert history[-1]["resent_to"] == ["full@example.com"]


def test_deliverability_compares_each_account_with_the_review_thresholds(api: ApiClient, change_id: str) -> None:
    records = DynamoDeliveryRecords(TABLE, shared_clients()[1])
    outcomes: dict[str, SesEvent | None] = {f"r{i}@example.com": None for i in range(40)}
    mail(change_id, outcomes)
    for number in range(40):
        records.record(SesEvent(f"alpha-{number}", "Send", None, NOW.timestamp() - 3600))
    records.record(SesEvent("alpha-0", "Bounce", DeliveryStatus.BOUNCED, NOW.timestamp() - 60, "Permanent", "General"))

    body = api.get("/api/deliverability", query={"days": "30"}).json

    alpha = next(account for account in body["accounts"] if account["customer"] == "alpha")
    assert alpha["counts"]["sends"] == 40 and alpha["counts"]["hard_bounces"] == 1
    assert (alpha["bounceRate"], alpha["bounceLevel"]) == (0.025, "warning")
    assert alpha["complaintLevel"] == "ok"
    assert body["thresholds"]["bounce"]["review"] == 0.05


def test_deliverability_reads_every_customer_in_one_query_per_month_and_answers_in_config_order(
    api: ApiClient, services: Services, app_config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert services.deliveries is not None
    records = services.deliveries
    asked: list[tuple[date, date]] = []
    daily_all = records.daily_all

    def counted(first: date, last: date) -> Any:
        asked.append((first, last))
        return daily_all(first, last)

    def per_customer(*_: Any) -> Any:
        raise AssertionError("the dashboard must not read customer by customer")

    monkeypatch.setattr(records, "daily_all", counted)
    monkeypatch.setattr(records, "daily", per_customer)

    body = api.get("/api/deliverability", query={"days": "30"}).json

    assert [account["customer"] for account in body["accounts"]] == app_config.customer_codes
    assert len(asked) == 1


@pytest.fixture
def queues(app_config: AppConfig, ses_config: SesConfig, services: Services) -> str:
    """alpha's trigger queue and dead-letter queue, as the provisioner makes them; returns the DLQ's URL."""
    Provisioner(app_config, ses_config, BUCKET, TABLE).run(with_ses=False)
    sqs = boto3.client("sqs")
    return sqs.get_queue_url(QueueName=f"{queue_name(app_config.customer('alpha'))}-dlq")["QueueUrl"]


def test_dead_letters_are_listed_without_consuming_them_then_redriven(
    api: ApiClient, services: Services, change_id: str, queues: str, app_config: AppConfig
) -> None:
    sqs = boto3.client("sqs")
    dead = trigger_body("alpha", change_id, bucket=BUCKET)
    sqs.send_message(QueueUrl=queues, MessageBody=dead)
    services.repository.put_trigger("alpha", services.repository.get(change_id).obj, "approved_announcement")
    TriggerFailures(TABLE).record("alpha", change_id, "DeliveryFailed: SES refused the account", at=SENT)

    first = api.as_(ADMIN).get("/api/admin/dead-letters")
    second = api.as_(ADMIN).get("/api/admin/dead-letters", query={"customer": "alpha"})
    refused = api.as_(APPROVER).get("/api/admin/dead-letters")

    assert first.status == 200, first.text
    (queue,) = first.json["queues"]
    assert (queue["customer"], queue["waiting"]) == ("alpha", 1)
    (letter,) = queue["letters"]
    assert (letter["objectId"], letter["event"]) == (change_id, "approved_announcement")
    assert letter["lastError"] == "DeliveryFailed: SES refused the account"
    assert second.json["queues"][0]["letters"][0]["messageId"] == letter["messageId"], "a peek leaves it there"
    assert refused.status == 403

    redriven = api.as_(ADMIN).post("/api/admin/dead-letters/alpha/redrive")

    assert redriven.status == 200, redriven.text
    assert (redriven.json["method"], redriven.json["moved"]) == ("by-hand", 1)
    source = sqs.get_queue_url(QueueName=queue_name(app_config.customer("alpha")))["QueueUrl"]
    # Beside the notification of the trigger written above, the dead letter is back in the queue:
    waiting = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10)["Messages"]
    assert dead in [message["Body"] for message in waiting]
    assert api.as_(ADMIN).get("/api/admin/dead-letters").json["queues"] == []
    assert s3().head_object(Bucket=BUCKET, Key=f"customers/alpha/{change_id}.json")
