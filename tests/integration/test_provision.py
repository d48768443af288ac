from __future__ import annotations

import json
from urllib.parse import unquote_plus

import boto3

from ccm.aws.ses_lists import find_contact_list
from ccm.config import AppConfig, SesConfig
from ccm.provision import Provisioner


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
