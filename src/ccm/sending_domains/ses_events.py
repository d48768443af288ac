"""Where a customer's SES events go: an SNS topic in the customer's own account, subscribed by the central queue.

SES publishes a configuration set's events only to a topic in the sending account, so each customer's account gets
``ccm-ses-events`` (or the topic ``deliverability_sns_topic_arn`` names). Its policy lets SES publish for this
customer's configuration set alone, and lets the central account subscribe exactly its events queue; the central
account then subscribes the queue itself (a subscription made by the queue's owner needs no confirmation), with
raw message delivery, so each message is the SES event as SES wrote it. The queue's own policy, in the template,
accepts messages from these topics only.

Every step reads first and writes only what differs; a dry run only reads.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

from ccm.config import SES_EVENTS_TOPIC, CustomerMapping
from ccm.sending_domains.ses_domain import Steps

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


def _account(arn: str) -> str:
    return arn.split(":")[4]


def _partition(arn: str) -> str:
    return arn.split(":")[1]


def topic_policy(topic_arn: str, customer: CustomerMapping, configuration_set: str, queue_arn: str) -> dict[str, Any]:
    account = customer.account_id
    partition = _partition(topic_arn)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "SesPublishesThisCustomersEvents",
                "Effect": "Allow",
                "Principal": {"Service": "ses.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {
                    "StringEquals": {"AWS:SourceAccount": account},
                    "ArnLike": {
                        "AWS:SourceArn": f"arn:{partition}:ses:*:{account}:configuration-set/{configuration_set}"
                    },
                },
            },
            {
                "Sid": "TheCentralQueueSubscribes",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{_account(queue_arn)}:root"},
                "Action": "sns:Subscribe",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"sns:Protocol": "sqs", "sns:Endpoint": queue_arn}},
            },
        ],
    }


class EventsTopic:
    """One customer's events topic (``customer_sns``: in the customer's account) and its central subscription."""

    def __init__(self, customer_sns: SNSClient, central_sns: SNSClient, steps: Steps) -> None:
        self.customer_sns = customer_sns
        self.central_sns = central_sns
        self.steps = steps

    def ensure(self, customer: CustomerMapping, configuration_set: str, queue_arn: str) -> str:
        topic = customer.ses_events_topic_arn
        if _account(topic) == customer.account_id:
            self._ensure_topic(topic)
            self._ensure_policy(topic, topic_policy(topic, customer, configuration_set, queue_arn))
        self._ensure_subscription(topic, queue_arn)
        return topic

    def _ensure_topic(self, topic: str) -> None:
        names = {arn for page in self.customer_sns.get_paginator("list_topics").paginate() for arn in _arns(page)}
        if topic in names:
            self.steps.record("events_topic", "unchanged")
            return
        self.steps.record("events_topic", "created")
        if not self.steps.dry_run:
            self.customer_sns.create_topic(Name=topic.rsplit(":", 1)[-1] or SES_EVENTS_TOPIC)

    def _ensure_policy(self, topic: str, wanted: dict[str, Any]) -> None:
        current: dict[str, Any] | None = None
        if self.steps.done.get("events_topic") == "unchanged":
            attributes = self.customer_sns.get_topic_attributes(TopicArn=topic)["Attributes"]
            current = json.loads(attributes.get("Policy") or "{}")
        if current == wanted:
            self.steps.record("events_topic_policy", "unchanged")
            return
        self.steps.record("events_topic_policy", "updated")
        if not self.steps.dry_run:
            self.customer_sns.set_topic_attributes(
                TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(wanted)
            )

    def _ensure_subscription(self, topic: str, queue_arn: str) -> None:
        if self.steps.done.get("events_topic") != "would-created":
            pages = self.central_sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic)
            endpoints = {s.get("Endpoint") for page in pages for s in page.get("Subscriptions", [])}
            if queue_arn in endpoints:
                self.steps.record("events_subscription", "unchanged")
                return
        self.steps.record("events_subscription", "created")
        if not self.steps.dry_run:
            self.central_sns.subscribe(
                TopicArn=topic,
                Protocol="sqs",
                Endpoint=queue_arn,
                Attributes={"RawMessageDelivery": "true"},
                ReturnSubscriptionArn=True,
            )


def _arns(page: Any) -> list[str]:
    return [str(topic["TopicArn"]) for topic in page.get("Topics", [])]


class CentralSns:
    """The central account's SNS client per region, made once (the setup runs customers in threads)."""

    def __init__(self) -> None:
        self._clients: dict[str, SNSClient] = {}
        self._lock = threading.Lock()

    def client(self, region: str) -> SNSClient:
        import boto3

        from ccm.aws.clients import RETRY_CONFIG

        with self._lock:
            if region not in self._clients:
                self._clients[region] = boto3.client("sns", region_name=region, config=RETRY_CONFIG)
            return self._clients[region]
