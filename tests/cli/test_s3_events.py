"""``ccm s3-events``: the bucket sends every customer's triggers to the router queue with one notification, each
customer's trigger queue is there for the router to forward them to, and nothing else the bucket sends is lost."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from ccm.config import AppConfig, SesConfig
from ccm.provision import ROUTER_QUEUE, Provisioner
from ccm.routing.router import Incoming, TriggerRouter
from ccm.s3_events import queue_configuration
from tests.cli.conftest import Ccm
from tests.conftest import BUCKET, TABLE
from tests.fakes.aws_watch import AwsWatch

AUDIT = "audit"


def audit_entry(arn: str) -> dict[str, Any]:
    return {
        "Id": AUDIT,
        "QueueArn": arn,
        "Events": ["s3:ObjectRemoved:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "audit/"}]}},
    }


def queue_arn(name: str) -> str:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def queues() -> list[dict[str, Any]]:
    configuration = boto3.client("s3").get_bucket_notification_configuration(Bucket=BUCKET)
    return [dict(entry) for entry in configuration.get("QueueConfigurations", [])]


def set_queues(entries: list[dict[str, Any]]) -> None:
    boto3.client("s3").put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={"QueueConfigurations": entries},  # type: ignore[typeddict-item]
    )


def drain(*names: str) -> None:
    """What the consumers do with S3's s3:TestEvent after each configuration change."""
    sqs = boto3.client("sqs")
    for name in names:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def routed(watch: AwsWatch, app_config: AppConfig, ses_config: SesConfig) -> str:
    """Bucket and queues as the deployment has them: one notification to the router queue, and an audit entry."""
    Provisioner(app_config, ses_config, BUCKET, TABLE, router=True).run(with_ses=False)
    boto3.client("sqs").create_queue(QueueName=AUDIT)
    set_queues([*queues(), audit_entry(queue_arn(AUDIT))])
    drain(ROUTER_QUEUE)
    watch.reset()
    return queue_arn(ROUTER_QUEUE)


@pytest.fixture
def per_customer(routed: str, app_config: AppConfig, watch: AwsWatch) -> None:
    """A bucket of the earlier layout: one entry per customer, and the audit entry."""
    audit = [entry for entry in queues() if entry["Id"] == AUDIT]
    set_queues([*(queue_configuration(code, queue_arn(f"ccm-{code}")) for code in app_config.customer_codes), *audit])
    drain(*(f"ccm-{code}" for code in app_config.customer_codes))
    watch.reset()


def test_a_bucket_routed_as_deployed_validates_for_every_customer(ccm: Ccm, routed: str) -> None:
    result = ccm.json("s3-events", "validate", "--all")

    assert result["failed"] == 0 and result["succeeded"] == 26
    assert result["router_queue"] == {"name": ROUTER_QUEUE, "arn": routed, "problems": []}
    assert {r["customer"]: r["queue"] for r in result["results"]}["bravo"] == "ccm-bravo"


def test_a_bucket_that_sends_triggers_nowhere_fails_with_a_sentence(ccm: Ccm, routed: str) -> None:
    set_queues([entry for entry in queues() if entry["Id"] == AUDIT])

    result = ccm("s3-events", "validate", "-c", "alpha")

    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert f"bucket {BUCKET} does not send every customers/*.json trigger to the router queue {routed}" in said
    assert "triggers reach no customer's queue" in said


def test_a_missing_trigger_queue_is_named_for_its_customer(ccm: Ccm, routed: str) -> None:
    sqs = boto3.client("sqs")
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="ccm-bravo")["QueueUrl"])

    result = ccm.json("s3-events", "validate", "-c", "alpha", "-c", "bravo", expect_exit=1)

    outcome = {r["customer"]: r for r in result["results"]}
    assert outcome["alpha"]["ok"] and result["router_queue"]["problems"] == []
    assert outcome["bravo"]["error"] == (
        "trigger queue ccm-bravo does not exist, so the router cannot forward customers/bravo/ triggers "
        "(deploy with the customer in config.json)"
    )


def test_a_customer_whose_triggers_also_go_elsewhere_is_named(ccm: Ccm, routed: str) -> None:
    stray = {
        "Id": "trigger-bravo",
        "QueueArn": queue_arn("ccm-bravo"),
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "customers/bravo/"}]}},
    }
    set_queues([*queues(), stray])

    result = ccm.json("s3-events", "validate", "-c", "alpha", "-c", "bravo", expect_exit=1)

    outcome = {r["customer"]: r for r in result["results"]}
    assert outcome["alpha"]["ok"]
    assert outcome["bravo"]["error"].startswith(
        f"customers/bravo/ triggers also go to {queue_arn('ccm-bravo')}, not only to the router queue"
    )


def test_queues_named_after_the_stack_are_found_by_the_prefix(
    ccm: Ccm, routed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs = boto3.client("sqs")
    dead = sqs.create_queue(QueueName="shop-trigger-alpha-dead-letters")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "5"})
    sqs.create_queue(QueueName="shop-trigger-alpha", Attributes={"RedrivePolicy": redrive})
    sqs.create_queue(QueueName="shop-trigger-bravo")
    monkeypatch.setenv("CCM_TRIGGER_QUEUE_PREFIX", "shop-trigger-")

    result = ccm.json(
        "s3-events", "validate", "-c", "alpha", "-c", "bravo", "--router-queue", ROUTER_QUEUE, expect_exit=1
    )

    outcome = {r["customer"]: r for r in result["results"]}
    assert outcome["alpha"]["ok"] and outcome["alpha"]["queue"] == "shop-trigger-alpha"
    assert outcome["bravo"]["error"] == "trigger queue shop-trigger-bravo has no dead-letter queue"
    # Without --router-queue the router queue is the stack's: <stack>-router.
    derived = ccm.json("s3-events", "validate", "-c", "alpha", expect_exit=1)
    assert derived["router_queue"]["problems"] == ["the router queue shop-router does not exist"]


def test_configuring_replaces_the_per_customer_entries_and_keeps_the_others(
    ccm: Ccm, watch: AwsWatch, per_customer: None
) -> None:
    assert ccm.json("s3-events", "validate", "-c", "alpha", expect_exit=1)["router_queue"]["problems"]

    dry = ccm.json("s3-events", "configure", "--dry-run")
    assert dry["notifications"] == "would-update"
    assert watch.count("s3", ["PutBucketNotificationConfiguration"]) == 0

    assert ccm.json("s3-events", "configure")["notifications"] == "updated"

    assert sorted(entry["Id"] for entry in queues()) == [AUDIT, "trigger-router"]
    assert ccm.json("s3-events", "validate", "--all")["failed"] == 0
    assert ccm.json("s3-events", "configure")["notifications"] == "unchanged"


def test_an_entry_that_already_routes_every_trigger_is_kept_whatever_its_id(ccm: Ccm, routed: str) -> None:
    # CloudFormation names the template's entries itself.
    set_queues([{**entry, "Id": "NjdmZjY4"} if entry["Id"] == "trigger-router" else entry for entry in queues()])

    assert ccm.json("s3-events", "configure")["notifications"] == "unchanged"
    assert ccm.json("s3-events", "validate", "--all")["failed"] == 0


def test_configuring_without_the_router_queue_says_so(ccm: Ccm, per_customer: None) -> None:
    result = ccm("s3-events", "configure", "--router-queue", "nowhere")

    assert result.exit_code == 1
    assert "the router queue nowhere does not exist" in result.output


@pytest.fixture
def forwarding(routed: str, app_config: AppConfig) -> Iterator[None]:
    """The router function on the router queue, as its event source mapping runs it."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=ROUTER_QUEUE)["QueueUrl"]
    dead = sqs.create_queue(QueueName="router-dead-letters")["QueueUrl"]
    router = TriggerRouter(app_config, sqs, queue_prefix=None, dead_letter_queue_url=dead)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            report = router.route([Incoming(m["MessageId"], m["Body"]) for m in messages])
            for message in messages:
                if message["MessageId"] not in report.failed:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    yield
    stop.set()
    worker.join()


def test_a_probe_object_reaches_the_customers_trigger_queue_through_the_router_and_is_cleaned_up(
    ccm: Ccm, forwarding: None
) -> None:
    drain("ccm-bravo")

    result = ccm.json("s3-events", "test", "-c", "bravo", "--timeout", "10")

    probe = result["results"][0]["probe"]
    assert probe["outcome"] == "delivered"
    assert probe["key"].startswith("customers/bravo/s3-event-test-")
    listed = boto3.client("s3").list_object_versions(Bucket=BUCKET, Prefix="customers/bravo/")
    assert listed.get("Versions", []) == [] and listed.get("DeleteMarkers", []) == []


def test_a_probe_is_not_sent_into_a_busy_queue(ccm: Ccm, routed: str) -> None:
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="ccm-bravo")["QueueUrl"], MessageBody="{}")

    result = ccm.json("s3-events", "test", "-c", "bravo", "--timeout", "2", expect_exit=1)

    assert result["results"][0]["error"] == "probe busy"
