"""``ccm s3-events``: triggers under customers/<code>/ reach that customer's queue, and nothing else is lost."""

from __future__ import annotations

import boto3
import pytest

from ccm.config import AppConfig, SesConfig
from ccm.provision import Provisioner
from tests.cli.conftest import Ccm
from tests.conftest import BUCKET, TABLE
from tests.fakes.aws_watch import AwsWatch


@pytest.fixture
def unrouted(watch: AwsWatch, app_config: AppConfig, ses_config: SesConfig) -> str:
    """Bucket and queues as provisioned, but the bucket routes only an unrelated audit prefix."""
    Provisioner(app_config, ses_config, BUCKET, TABLE).run(with_ses=False)
    sqs = boto3.client("sqs")
    audit = sqs.create_queue(QueueName="audit")["QueueUrl"]
    audit_arn = sqs.get_queue_attributes(QueueUrl=audit, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("s3").put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": "audit",
                    "QueueArn": audit_arn,
                    "Events": ["s3:ObjectRemoved:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "audit/"}]}},
                }
            ]
        },
    )
    drain(app_config.customer_codes)
    watch.reset()
    return audit_arn


def drain(codes: list[str]) -> None:
    """What the backend does with S3's s3:TestEvent after each configuration change."""
    sqs = boto3.client("sqs")
    for code in codes:
        url = sqs.get_queue_url(QueueName=f"ccm-{code}")["QueueUrl"]
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def queue_ids() -> set[str]:
    configuration = boto3.client("s3").get_bucket_notification_configuration(Bucket=BUCKET)
    return {c["Id"] for c in configuration.get("QueueConfigurations", [])}


def test_configuring_routes_every_customer_and_keeps_other_notifications(ccm: Ccm, unrouted: str) -> None:
    assert ccm.json("s3-events", "validate", "--all", expect_exit=1)["failed"] == 26

    result = ccm.json("s3-events", "configure", "--all")

    assert result["notifications"] == "updated"
    assert queue_ids() == {"audit"} | {f"trigger-{r['customer']}" for r in result["results"]}
    assert ccm.json("s3-events", "validate", "--all")["failed"] == 0
    assert ccm.json("s3-events", "configure", "--all")["notifications"] == "unchanged"


def test_a_dry_run_changes_no_notification(ccm: Ccm, watch: AwsWatch, unrouted: str) -> None:
    result = ccm.json("s3-events", "configure", "-c", "alpha", "--dry-run")
    assert result["notifications"] == "would-update"
    assert watch.count("s3", ["PutBucketNotificationConfiguration"]) == 0
    assert queue_ids() == {"audit"}


def test_configuring_one_customer_leaves_the_others_routes_alone(ccm: Ccm, unrouted: str) -> None:
    ccm.json("s3-events", "configure", "-c", "alpha", "-c", "bravo")
    ccm.json("s3-events", "configure", "-c", "charlie")
    assert queue_ids() == {"audit", "trigger-alpha", "trigger-bravo", "trigger-charlie"}


def test_validation_names_a_prefix_routed_to_the_wrong_queue(ccm: Ccm, unrouted: str) -> None:
    ccm.json("s3-events", "configure", "--all")
    s3 = boto3.client("s3")
    configuration = s3.get_bucket_notification_configuration(Bucket=BUCKET)
    for entry in configuration["QueueConfigurations"]:
        if entry["Id"] == "trigger-bravo":
            entry["QueueArn"] = entry["QueueArn"].replace("ccm-bravo", "ccm-alpha")
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET, NotificationConfiguration={"QueueConfigurations": configuration["QueueConfigurations"]}
    )

    result = ccm.json("s3-events", "validate", "-c", "alpha", "-c", "bravo", expect_exit=1)

    outcome = {r["customer"]: r for r in result["results"]}
    assert outcome["alpha"]["ok"]
    assert (
        "customers/bravo/ objects are not routed to arn:aws:sqs:us-east-1:123456789012:ccm-bravo"
        in (outcome["bravo"]["error"])
    )
    assert "also go to arn:aws:sqs:us-east-1:123456789012:ccm-alpha" in outcome["bravo"]["error"]


def test_a_probe_object_arrives_on_the_customers_queue_and_is_cleaned_up(ccm: Ccm, unrouted: str) -> None:
    ccm.json("s3-events", "configure", "-c", "bravo")
    drain(["bravo"])

    result = ccm.json("s3-events", "test", "-c", "bravo", "--timeout", "5")

    probe = result["results"][0]["probe"]
    assert probe["outcome"] == "delivered"
    assert probe["key"].startswith("customers/bravo/s3-event-test-")
    listed = boto3.client("s3").list_object_versions(Bucket=BUCKET, Prefix="customers/bravo/")
    assert listed.get("Versions", []) == [] and listed.get("DeleteMarkers", []) == []


def test_a_probe_is_not_sent_into_a_busy_queue(ccm: Ccm, unrouted: str) -> None:
    ccm.json("s3-events", "configure", "-c", "bravo")
    drain(["bravo"])
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="ccm-bravo")["QueueUrl"], MessageBody="{}")

    result = ccm.json("s3-events", "test", "-c", "bravo", "--timeout", "2", expect_exit=1)

    assert result["results"][0]["error"] == "probe busy"
