"""Handing an action to a customer's trigger queue: one SQS message the backend reads beside the S3 events."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

import boto3

from ccm.aws.clients import RETRY_CONFIG
from ccm.config import AppConfig
from ccm.domain.due_actions import NudgeAction, ReminderAction
from ccm.s3_events import trigger_queue_name

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class Handover(Protocol):
    def send(self, action: ReminderAction | NudgeAction) -> None: ...


class QueueHandover:
    """Sends to the queue of the action's customer; queue URLs are looked up once per customer and kept."""

    def __init__(self, config: AppConfig, sqs: SQSClient | None = None, queue_prefix: str | None = None) -> None:
        self.config = config
        self.queue_prefix = queue_prefix
        self._sqs = sqs
        self._urls: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def sqs(self) -> SQSClient:
        with self._lock:
            if self._sqs is None:
                self._sqs = boto3.client("sqs", config=RETRY_CONFIG)
            return self._sqs

    def queue_name(self, code: str) -> str:
        return trigger_queue_name(self.config.customer(code), self.queue_prefix)

    def queue_url(self, code: str) -> str:
        url = self._urls.get(code)
        if url is None:
            url = self._urls[code] = self.sqs.get_queue_url(QueueName=self.queue_name(code))["QueueUrl"]
        return url

    def send(self, action: ReminderAction | NudgeAction) -> None:
        self.sqs.send_message(QueueUrl=self.queue_url(action.customer_code), MessageBody=action.body())
