from __future__ import annotations

import json
from urllib.parse import unquote_plus

import boto3
import pytest

from ccm.aws.ses_lists import find_contact_list
from ccm.config import AppConfig, SesConfig
from ccm.provision import ROUTER_DEAD_LETTER_QUEUE, ROUTER_QUEUE, Provisioner
from ccm.routing.router import Incoming, TriggerRouter
from ccm.s3_events import ROUTER_NOTIFICATION_ID


def provision(app_config: AppConfig, ses_config: SesConfig) -> Provisioner:
    provisioner = Provisioner(app_config, ses_config, "ccm-provision-test", "ccm-provision-table")
    provisioner.run()
    return provisioner


def receive_all(url: str) -> list[dict[str, object]]:
    sqs = boto3.client("sqs")
    bodies = []
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies.append(json.loads(message["Body"]))
    return bodies


def test_provisioning_twice_creates_nothing_the_second_time(
    aws: None, app_config: AppConfig, ses_config: SesConfig
) -> None:
    first = provision(app_config, ses_config)
    assert ("bucket", "ccm-provision-test", "created") in first.report.actions
    second = provision(app_config, ses_config)
    assert second.report.created == []
    assert boto3.client("s3").get_bucket_versioning(Bucket="ccm-provision-test")["Status"] == "Enabled"


def test_a_trigger_under_a_customer_prefix_reaches_only_that_customers_queue(
    aws: None, app_config: AppConfig, ses_config: SesConfig
) -> None:
    report = provision(app_config, ses_config).report
    for url in report.queue_urls.values():
        receive_all(url)  # drain the s3:TestEvent
    boto3.client("s3").put_object(Bucket="ccm-provision-test", Key="customers/bravo/CHG-x y.json", Body=b"{}")
    bravo = receive_all(report.queue_urls["bravo"])
    assert len(bravo) == 1
    record = bravo[0]["Records"][0]  # type: ignore[index]
    assert unquote_plus(record["s3"]["object"]["key"]) == "customers/bravo/CHG-x y.json"
    assert receive_all(report.queue_urls["alpha"]) == []


def test_every_customer_gets_a_dead_letter_queue(aws: None, app_config: AppConfig, ses_config: SesConfig) -> None:
    report = provision(app_config, ses_config).report
    sqs = boto3.client("sqs")
    for code, url in report.queue_urls.items():
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]
        assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"].endswith(f"ccm-{code}-dlq")


def test_each_customer_has_one_contact_list_in_its_own_account(
    aws: None, app_config: AppConfig, ses_config: SesConfig
) -> None:
    provisioner = provision(app_config, ses_config)
    for code in ("alpha", "zulu"):
        customer = app_config.customer(code)
        ses = provisioner.sessions.session(customer.ses_role_arn, customer.region).client("sesv2")
        name = find_contact_list(ses)
        assert name is not None
        topics = {t["TopicName"] for t in ses.get_contact_list(ContactListName=name)["Topics"]}
        assert topics == set(ses_config.topic_names())
    # the orchestration account itself holds no customer list: the audiences are apart
    assert find_contact_list(boto3.client("sesv2")) is None


def test_routed_as_deployed_a_trigger_goes_through_the_router_queue_to_only_its_customers_queue(
    aws: None, app_config: AppConfig, ses_config: SesConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local stack's routing: the bucket's one notification for customers/ reaches the router queue, and the
    router function forwards the event to the customer's own queue; the per-customer entries of an earlier
    provisioning are dropped (S3 refuses overlapping prefixes)."""
    provision(app_config, ses_config)
    routed = Provisioner(app_config, ses_config, "ccm-provision-test", "ccm-provision-table", router=True)
    report = routed.run(with_ses=False)
    entries = boto3.client("s3").get_bucket_notification_configuration(Bucket="ccm-provision-test")
    assert [c["Id"] for c in entries["QueueConfigurations"]] == [ROUTER_NOTIFICATION_ID]
    for url in report.queue_urls.values():
        receive_all(url)  # drain the s3:TestEvent

    boto3.client("s3").put_object(Bucket="ccm-provision-test", Key="customers/bravo/CHG-x y.json", Body=b"{}")
    sqs = boto3.client("sqs")
    [message] = sqs.receive_message(QueueUrl=report.queue_urls[ROUTER_QUEUE]).get("Messages", [])
    # The router under the local stack's queue names (``ccm-<code>``); the deployed function, with the stack's
    # names and its role, is tests/integration/test_router.py's.
    dead_letters = report.queue_urls[ROUTER_DEAD_LETTER_QUEUE]
    router = TriggerRouter(app_config, sqs, queue_prefix=None, dead_letter_queue_url=dead_letters)
    assert router.route([Incoming(message["MessageId"], message["Body"])]).failed == []

    [bravo] = receive_all(report.queue_urls["bravo"])
    assert unquote_plus(bravo["Records"][0]["s3"]["object"]["key"]) == "customers/bravo/CHG-x y.json"  # type: ignore[index]
    assert receive_all(report.queue_urls["alpha"]) == []
    assert (
        Provisioner(app_config, ses_config, "ccm-provision-test", "ccm-provision-table", router=True)
        .run(with_ses=False)
        .created
        == []
    )
