"""Create every AWS resource the system needs on whatever endpoint boto3 points at, idempotently.

This is the single description of the resources outside ``infra/``: the local stack and the tests call it
against moto; it is safe to run again (it reports ``exists``/``unchanged`` for what is already there).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from ccm.aws.assume import RoleSessions
from ccm.aws.clients import RETRY_CONFIG, error_code
from ccm.aws.ses_lists import ensure_contact_list
from ccm.config import AppConfig, CustomerMapping, SesConfig
from ccm.s3_events import (
    LOCAL_ROUTER_QUEUE,
    apply_router_routing,
    apply_routing,
    audit_configurations,
    queue_name,
    trigger_prefix,
)
from ccm.storage.table import TTL_ATTRIBUTE, create_table_arguments

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

# queue_name and trigger_prefix moved to ccm.s3_events; still importable from here.
__all__ = ["DEAD_LETTER_AFTER", "ProvisionReport", "Provisioner", "queue_name", "trigger_prefix"]

DEAD_LETTER_AFTER = 5
SES_EVENTS_QUEUE = "ccm-ses-events"
"""The queue of SES events that ``ccm local provision`` makes (the deployed stack names its own after itself)."""
ROUTER_QUEUE = LOCAL_ROUTER_QUEUE
"""The queue of every customer's triggers when the provisioner routes as the deployment does (``router=True``)."""
ROUTER_DEAD_LETTER_QUEUE = "ccm-router-dead-letters"
"""What the router cannot forward (Settings' default ``CCM_ROUTER_DEAD_LETTER_QUEUE``)."""
AUDIT_QUEUE = "ccm-audit"
"""The queue every archive write's notification reaches; the audit function consumes it."""
AUDIT_VISIBILITY_TIMEOUT = 360
AUDIT_RETENTION_YEARS = 7


@dataclass
class ProvisionReport:
    actions: list[tuple[str, str, str]] = field(default_factory=list)
    queue_urls: dict[str, str] = field(default_factory=dict)
    """Each customer's trigger queue."""
    events_queue_url: str | None = None

    def add(self, kind: str, name: str, outcome: str) -> None:
        self.actions.append((kind, name, outcome))

    @property
    def created(self) -> list[tuple[str, str, str]]:
        return [action for action in self.actions if action[2] in {"created", "updated"}]


class Provisioner:
    def __init__(
        self,
        config: AppConfig,
        ses_config: SesConfig,
        bucket: str,
        table: str,
        *,
        region: str | None = None,
        visibility_timeout: int = 900,
        sessions: RoleSessions | None = None,
        progress: Callable[[str], None] | None = None,
        audit_bucket: str | None = None,
        router: bool = False,
    ) -> None:
        """``router``: the bucket sends every customer's triggers to one router queue, as the deployment does
        (docs/scale.md); without it, one notification per customer straight to its queue, as far as S3's limit
        on a bucket's notification configurations allows (the tests that drive the backend from S3 use that)."""
        self.config = config
        self.router = router
        self.ses_config = ses_config
        self.bucket = bucket
        self.table = table
        self.audit_bucket = audit_bucket
        self.region = region or config.aws_region
        self.visibility_timeout = visibility_timeout
        self.sessions = sessions or RoleSessions(session_prefix="ccm-provision")
        self.progress = progress or (lambda message: None)
        self.report = ProvisionReport()
        self.s3: S3Client = boto3.client("s3", region_name=self.region, config=RETRY_CONFIG)
        self.sqs: SQSClient = boto3.client("sqs", region_name=self.region, config=RETRY_CONFIG)
        self.ddb: DynamoDBClient = boto3.client("dynamodb", region_name=self.region, config=RETRY_CONFIG)

    def run(self, *, with_ses: bool = True) -> ProvisionReport:
        self.progress(f"bucket {self.bucket}")
        self._bucket()
        self.progress(f"table {self.table}")
        self._table()
        queue_arns: dict[str, str] = {}
        for code, customer in sorted(self.config.customer_mappings.items()):
            self.progress(f"queues for {code}")
            queue_arns[code] = self._queues(customer)
        audit_queue = None
        if self.audit_bucket:
            self.progress(f"audit bucket {self.audit_bucket}")
            self._audit_bucket(self.audit_bucket)
            audit_queue = self._audit_queue()
        self._notifications(queue_arns, audit_queue)
        self.progress(f"queue {SES_EVENTS_QUEUE}")
        self._ses_events_queue()
        if with_ses:
            for code, customer in sorted(self.config.customer_mappings.items()):
                self.progress(f"SES contact list for {code}")
                self._ses(customer)
        return self.report

    # -- S3 ----------------------------------------------------------------------------------------------

    def _bucket(self) -> None:
        try:
            self.s3.head_bucket(Bucket=self.bucket)
            self.report.add("bucket", self.bucket, "exists")
        except ClientError as error:
            if error_code(error) not in {"404", "NoSuchBucket", "NotFound"}:
                raise
            if self.region == "us-east-1":
                self.s3.create_bucket(Bucket=self.bucket)
            else:
                self.s3.create_bucket(
                    Bucket=self.bucket,
                    CreateBucketConfiguration={"LocationConstraint": self.region},  # type: ignore[typeddict-item]
                )
            self.report.add("bucket", self.bucket, "created")
        self.s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        self.s3.put_public_access_block(
            Bucket=self.bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        self.s3.put_bucket_encryption(
            Bucket=self.bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )

    def _notifications(self, queue_arns: dict[str, str], audit_queue: str | None) -> None:
        extra = audit_configurations(audit_queue) if audit_queue else []
        if self.router:
            outcome = apply_router_routing(self.s3, self.bucket, self._router_queue(), extra=extra)
        else:
            outcome = apply_routing(self.s3, self.bucket, queue_arns, extra=extra)
        self.report.add("notifications", self.bucket, outcome)

    def _router_queue(self) -> str:
        dead_url, dead_arn = self._queue(ROUTER_DEAD_LETTER_QUEUE, {"MessageRetentionPeriod": str(14 * 24 * 3600)})
        url, arn = self._queue(
            ROUTER_QUEUE,
            {
                "VisibilityTimeout": "180",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": DEAD_LETTER_AFTER}),
                "Policy": json.dumps(self._s3_may_send()),
            },
        )
        self.report.queue_urls[ROUTER_QUEUE] = url
        self.report.queue_urls[ROUTER_DEAD_LETTER_QUEUE] = dead_url
        return arn

    def _audit_bucket(self, name: str) -> None:
        """Object Lock (governance, as the template's default) and versioning, like the deployed audit bucket."""
        try:
            self.s3.head_bucket(Bucket=name)
            self.report.add("bucket", name, "exists")
        except ClientError as error:
            if error_code(error) not in {"404", "NoSuchBucket", "NotFound"}:
                raise
            arguments: dict[str, Any] = {"Bucket": name, "ObjectLockEnabledForBucket": True}
            if self.region != "us-east-1":
                arguments["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            self.s3.create_bucket(**arguments)
            self.s3.put_object_lock_configuration(
                Bucket=name,
                ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Years": AUDIT_RETENTION_YEARS}},
                },
            )
            self.report.add("bucket", name, "created")

    def _audit_queue(self) -> str:
        _, dlq_arn = self._queue(f"{AUDIT_QUEUE}-dlq", {"MessageRetentionPeriod": str(14 * 24 * 3600)})
        url, arn = self._queue(
            AUDIT_QUEUE,
            {
                "VisibilityTimeout": str(AUDIT_VISIBILITY_TIMEOUT),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": DEAD_LETTER_AFTER}),
                "Policy": json.dumps(self._s3_may_send()),
            },
        )
        self.report.queue_urls[AUDIT_QUEUE] = url
        return arn

    def _s3_may_send(self) -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "S3TriggerNotifications",
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": "*",
                    "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{self.bucket}"}},
                }
            ],
        }

    # -- SQS ---------------------------------------------------------------------------------------------

    def _queue(self, name: str, attributes: dict[str, str]) -> tuple[str, str]:
        try:
            url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            self.sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)  # type: ignore[arg-type]
            self.report.add("queue", name, "exists")
        except ClientError as error:
            if error_code(error) not in {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}:
                raise
            url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]
            self.report.add("queue", name, "created")
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def _queues(self, customer: CustomerMapping) -> str:
        name = queue_name(customer)
        _, dlq_arn = self._queue(f"{name}-dlq", {"MessageRetentionPeriod": str(14 * 24 * 3600)})
        bucket_arn = f"arn:aws:s3:::{self.bucket}"
        policy: dict[str, Any] = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "S3TriggerNotifications",
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": "*",
                    "Condition": {"ArnEquals": {"aws:SourceArn": bucket_arn}},
                }
            ],
        }
        url, arn = self._queue(
            name,
            {
                "VisibilityTimeout": str(self.visibility_timeout),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": DEAD_LETTER_AFTER}),
                "Policy": json.dumps(policy),
            },
        )
        self.report.queue_urls[customer.customer_code] = url
        return arn

    def _ses_events_queue(self) -> None:
        """Where the customers' SES events arrive (locally the local SES writes them; in AWS, SNS does)."""
        _, dead_letters = self._queue(f"{SES_EVENTS_QUEUE}-dlq", {"MessageRetentionPeriod": str(14 * 24 * 3600)})
        redrive = json.dumps({"deadLetterTargetArn": dead_letters, "maxReceiveCount": DEAD_LETTER_AFTER})
        url, _ = self._queue(SES_EVENTS_QUEUE, {"VisibilityTimeout": "180", "RedrivePolicy": redrive})
        self.report.events_queue_url = url

    # -- DynamoDB ----------------------------------------------------------------------------------------

    def _table(self) -> None:
        try:
            self.ddb.describe_table(TableName=self.table)
            self.report.add("table", self.table, "exists")
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
            self.ddb.create_table(**create_table_arguments(self.table))
            self.ddb.get_waiter("table_exists").wait(TableName=self.table, WaiterConfig={"Delay": 1})
            self.report.add("table", self.table, "created")
        ttl = self.ddb.describe_time_to_live(TableName=self.table).get("TimeToLiveDescription", {})
        if ttl.get("TimeToLiveStatus") not in {"ENABLED", "ENABLING"}:
            self.ddb.update_time_to_live(
                TableName=self.table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
            )

    # -- SES (in each customer's own account) ------------------------------------------------------------

    def _ses(self, customer: CustomerMapping) -> None:
        session = self.sessions.session(customer.ses_role_arn, customer.region, f"{customer.customer_code}-provision")
        ses = session.client("sesv2", config=RETRY_CONFIG)
        name, outcome = ensure_contact_list(ses, self.ses_config)
        self.report.add("contact-list", f"{customer.customer_code}/{name}", outcome)
        domain = self.config.email_config.sender_address.rsplit("@", 1)[1]
        try:
            ses.get_email_identity(EmailIdentity=domain)
            self.report.add("email-identity", f"{customer.customer_code}/{domain}", "exists")
        except ClientError as error:
            if error_code(error) != "NotFoundException":
                raise
            ses.create_email_identity(EmailIdentity=domain)
            self.report.add("email-identity", f"{customer.customer_code}/{domain}", "created")
