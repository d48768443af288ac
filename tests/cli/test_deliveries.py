"""``ccm deliveries show``, ``ccm deliverability report`` and ``ccm triggers dead-letters|redrive`` on moto."""

from __future__ import annotations

import time

import boto3

from ccm.config import load_config, load_ses_config
from ccm.domain.deliveries import DeliveryStatus
from ccm.provision import Provisioner
from ccm.s3_events import queue_name
from ccm.storage.archive import ArchiveStore
from ccm.storage.delivery_records import DynamoDeliveryRecords, SesEvent
from ccm.storage.ledger import DeliveryKey, DynamoLedger
from ccm.storage.trigger_failures import TriggerFailures
from tests.backend_support import trigger_body
from tests.cli.conftest import Ccm
from tests.conftest import BUCKET, CONFIG_PATH, SES_CONFIG_PATH, TABLE
from tests.factories import make_change


def provisioned() -> str:
    Provisioner(load_config(CONFIG_PATH), load_ses_config(SES_CONFIG_PATH), BUCKET, TABLE).run(with_ses=False)
    change = make_change(status="approved", customers=["alpha"])
    ArchiveStore(BUCKET).create(change, "archive")
    return change.id


def mailed(change_id: str, outcomes: dict[str, SesEvent | None]) -> None:
    ledger, records = DynamoLedger(TABLE), DynamoDeliveryRecords(TABLE)
    for number, (recipient, outcome) in enumerate(outcomes.items()):
        claim = ledger.claim(DeliveryKey(change_id, 1, "approved", "alpha"), recipient)
        assert claim is not None
        ledger.mark_sent(claim, f"m-{number}")
        records.record(SesEvent(f"m-{number}", "Send", None, time.time()))
        if outcome is not None:
            records.record(SesEvent(f"m-{number}", "event", outcome.status, outcome.at, outcome.bounce_type))


def test_deliveries_show_lists_counts_and_every_recipient_with_the_bounce_reason(ccm: Ccm) -> None:
    change_id = provisioned()
    bounce = SesEvent("", "Bounce", DeliveryStatus.BOUNCED, time.time(), "Permanent")
    mailed(change_id, {"gone@example.com": bounce, "fine@example.com": None})

    document = ccm.json("deliveries", "show", change_id, "-c", "alpha")
    result = ccm("deliveries", "show", change_id)

    assert {r["recipient"]: r["status"] for r in document["recipients"]} == {
        "fine@example.com": "sent",
        "gone@example.com": "bounced",
    }
    assert document["events"][0]["bar"]["bounced"] == 1
    assert result.exit_code == 0, result.output
    assert "gone@example.com" in result.output and "[Permanent]" in result.output


def test_deliveries_show_names_an_unknown_customer(ccm: Ccm) -> None:
    change_id = provisioned()

    result = ccm("deliveries", "show", change_id, "-c", "nobody")

    assert result.exit_code == 1
    assert "nobody" in result.output


def test_deliverability_report_fails_when_an_account_is_at_risk(ccm: Ccm) -> None:
    change_id = provisioned()
    bounce = SesEvent("", "Bounce", DeliveryStatus.BOUNCED, time.time(), "Permanent")
    mailed(change_id, {"gone@example.com": bounce, "fine@example.com": None})

    document = ccm.json("deliverability", "report", "-c", "alpha", "-c", "bravo", expect_exit=1)

    alpha, bravo = document["accounts"]
    assert (alpha["customer"], alpha["bounceRate"], alpha["bounceLevel"]) == ("alpha", 0.5, "at_risk")
    assert (bravo["counts"]["sends"], bravo["bounceLevel"]) == (0, "ok")


def test_triggers_are_listed_from_the_dead_letter_queue_and_redriven(ccm: Ccm) -> None:
    change_id = provisioned()
    sqs = boto3.client("sqs")
    name = queue_name(load_config(CONFIG_PATH).customer("alpha"))
    dlq = sqs.get_queue_url(QueueName=f"{name}-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody=trigger_body("alpha", change_id, bucket=BUCKET))
    TriggerFailures(TABLE).record("alpha", change_id, "OutOfTime: the invocation is about to time out")

    listed = ccm.json("triggers", "dead-letters", "-c", "alpha")
    moved = ccm.json("triggers", "redrive", "-c", "alpha")
    after = ccm.json("triggers", "dead-letters", "-c", "alpha")

    (letter,) = listed["queues"][0]["letters"]
    assert (letter["objectId"], letter["lastError"]) == (change_id, "OutOfTime: the invocation is about to time out")
    assert moved == {"customer": "alpha", "method": "by-hand", "taskHandle": None, "moved": 1}
    assert after["queues"][0]["waiting"] == 0


def test_redrive_names_an_unknown_customer(ccm: Ccm) -> None:
    provisioned()

    result = ccm("triggers", "redrive", "-c", "nobody")

    assert result.exit_code == 1
    assert "unknown customer 'nobody'" in result.output
