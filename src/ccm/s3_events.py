"""S3 -> SQS routing of triggers: ``customers/{code}/*.json`` created in the bucket reaches that customer's queue.

The bucket's notification configuration is one document, replaced as a whole by each put; these functions
change only the ``trigger-<code>`` entries they own and keep every other entry (other queues, topics, Lambda
functions, EventBridge) exactly as found. Used by the provisioner and by ``ccm s3-events``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from ccm.config import CustomerMapping

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

NOTIFICATION_KEYS = (
    "QueueConfigurations",
    "TopicConfigurations",
    "LambdaFunctionConfigurations",
    "EventBridgeConfiguration",
)
PROBE_REQUEST_TYPE = "s3_event_test"


TRIGGER_ROOT = "customers"
ROUTER_NOTIFICATION_ID = "trigger-router"
"""The one notification of every customer's triggers, to the router queue (:mod:`ccm.routing`)."""


def queue_name(customer: CustomerMapping) -> str:
    if customer.sqs_queue_arn:
        return customer.sqs_queue_arn.rsplit(":", 1)[-1]
    return f"ccm-{customer.customer_code}"


def trigger_queue_name(customer: CustomerMapping, prefix: str | None) -> str:
    """The one rule of how a customer's trigger queue is named: ``<prefix><code>`` where the deployment names its
    queues after the stack (``CCM_TRIGGER_QUEUE_PREFIX``, ``<stack>-trigger-``), else :func:`queue_name`. The
    router, the clock's handover and the dead letters all reach a customer's queue through this."""
    if prefix:
        return f"{prefix}{customer.customer_code}"
    return queue_name(customer)


def trigger_prefix(code: str) -> str:
    return f"{TRIGGER_ROOT}/{code}/"


def router_configuration(queue_arn: str) -> dict[str, Any]:
    """Every customer's triggers (``customers/*.json``) to the router queue: one entry, whatever the customers."""
    return {
        "Id": ROUTER_NOTIFICATION_ID,
        "QueueArn": queue_arn,
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {
            "Key": {
                "FilterRules": [
                    {"Name": "prefix", "Value": f"{TRIGGER_ROOT}/"},
                    {"Name": "suffix", "Value": ".json"},
                ]
            }
        },
    }


def apply_router_routing(
    s3: S3Client, bucket: str, router_queue_arn: str, extra: Sequence[Mapping[str, Any]] = ()
) -> str:
    """Route every customer's triggers to the router queue, dropping the per-customer ``trigger-<code>`` entries of
    the earlier layout (S3 refuses overlapping prefixes); everything else is kept. ``unchanged`` or ``updated``."""
    current = current_configuration(s3, bucket)
    ours = {ROUTER_NOTIFICATION_ID} | {str(entry["Id"]) for entry in extra}
    kept = [
        c
        for c in current.get("QueueConfigurations", [])
        if c.get("Id") not in ours and not str(c.get("Id", "")).startswith("trigger-")
    ]
    merged = {key: value for key, value in current.items() if key != "QueueConfigurations"}
    merged["QueueConfigurations"] = [*kept, router_configuration(router_queue_arn), *(dict(e) for e in extra)]
    if same_configuration(current, merged):
        return "unchanged"
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=merged)  # type: ignore[arg-type]
    return "updated"


def notification_id(code: str) -> str:
    return f"trigger-{code}"


def queue_configuration(code: str, queue_arn: str) -> dict[str, Any]:
    return {
        "Id": notification_id(code),
        "QueueArn": queue_arn,
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {
            "Key": {
                "FilterRules": [
                    {"Name": "prefix", "Value": trigger_prefix(code)},
                    {"Name": "suffix", "Value": ".json"},
                ]
            }
        },
    }


def _rules(configuration: Mapping[str, Any]) -> dict[str, str]:
    rules = configuration.get("Filter", {}).get("Key", {}).get("FilterRules", [])
    return {str(rule["Name"]).lower(): str(rule["Value"]) for rule in rules}


def _shape(configuration: Mapping[str, Any]) -> tuple[str, str, tuple[str, ...], tuple[tuple[str, str], ...]]:
    return (
        str(configuration.get("Id", "")),
        str(configuration["QueueArn"]),
        tuple(sorted(configuration.get("Events", []))),
        tuple(sorted(_rules(configuration).items())),
    )


def current_configuration(s3: S3Client, bucket: str) -> dict[str, Any]:
    raw = s3.get_bucket_notification_configuration(Bucket=bucket)
    return {key: raw[key] for key in NOTIFICATION_KEYS if key in raw}  # type: ignore[literal-required]


def audit_configurations(queue_arn: str) -> list[dict[str, Any]]:
    """Every write of an archived object (and the copy a deletion leaves) reaches the audit queue."""
    return [
        {
            "Id": f"audit-{name}",
            "QueueArn": queue_arn,
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {
                "Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}, {"Name": "suffix", "Value": ".json"}]}
            },
        }
        for name, prefix in (("archive", "archive/"), ("deleted", "deleted/archive/"))
    ]


def merged_configuration(
    current: Mapping[str, Any], wanted: Mapping[str, str], extra: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """``current`` with the entries of the customers in ``wanted`` (code -> queue ARN) and the ``extra`` entries
    set, all else kept."""
    ours = {notification_id(code) for code in wanted} | {str(entry["Id"]) for entry in extra}
    kept = [c for c in current.get("QueueConfigurations", []) if c.get("Id") not in ours]
    merged = {key: value for key, value in current.items() if key != "QueueConfigurations"}
    merged["QueueConfigurations"] = (
        kept + [queue_configuration(code, arn) for code, arn in sorted(wanted.items())] + [dict(e) for e in extra]
    )
    return merged


def same_configuration(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    def queues(document: Mapping[str, Any]) -> list[Any]:
        return sorted(_shape(c) for c in document.get("QueueConfigurations", []))

    def others(document: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in document.items() if k != "QueueConfigurations" and v}

    return queues(left) == queues(right) and others(left) == others(right)


def apply_routing(
    s3: S3Client,
    bucket: str,
    wanted: Mapping[str, str],
    *,
    dry_run: bool = False,
    extra: Sequence[Mapping[str, Any]] = (),
) -> str:
    """Set the routing of the ``wanted`` customers (and the ``extra`` entries); ``unchanged``, ``updated`` or
    ``would-update``."""
    current = current_configuration(s3, bucket)
    merged = merged_configuration(current, wanted, extra)
    if same_configuration(current, merged):
        return "unchanged"
    if dry_run:
        return "would-update"
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=merged)  # type: ignore[arg-type]
    return "updated"


def queue_arn(sqs: SQSClient, customer: CustomerMapping) -> str:
    """The customer's queue: ``sqs_queue_arn`` from config.json, else the queue named ``ccm-<code>``."""
    if customer.sqs_queue_arn:
        return customer.sqs_queue_arn
    url = sqs.get_queue_url(QueueName=queue_name(customer))["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def queue_url(sqs: SQSClient, arn: str) -> str:
    _, _, _, _, account, name = arn.split(":", 5)
    return sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]


def routing_problems(configuration: Mapping[str, Any], code: str, arn: str) -> list[str]:
    """Why a ``customers/<code>/<id>.json`` object would not reach exactly the customer's queue, if it would not."""
    sample = f"{trigger_prefix(code)}CHG-00000000-0000-0000-0000-000000000000.json"
    routes = [
        c
        for c in configuration.get("QueueConfigurations", [])
        if sample.startswith(_rules(c).get("prefix", ""))
        and sample.endswith(_rules(c).get("suffix", ""))
        and any(event.startswith("s3:ObjectCreated:") for event in c.get("Events", []))
    ]
    problems = []
    if not any(c["QueueArn"] == arn for c in routes):
        problems.append(f"{trigger_prefix(code)} objects are not routed to {arn}")
    strays = sorted({c["QueueArn"] for c in routes if c["QueueArn"] != arn})
    if strays:
        problems.append(f"{trigger_prefix(code)} objects also go to {', '.join(strays)}")
    return problems


def queue_problems(sqs: SQSClient, arn: str, bucket: str) -> list[str]:
    """The queue exists, lets the bucket send to it, and has a dead-letter queue."""
    try:
        url = queue_url(sqs, arn)
    except sqs.exceptions.QueueDoesNotExist:
        return [f"queue {arn} does not exist"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy", "RedrivePolicy"])["Attributes"]
    problems = []
    if not _allows_bucket(attributes.get("Policy"), bucket):
        problems.append(f"the policy of {arn} does not let s3.amazonaws.com send from bucket {bucket}")
    if not attributes.get("RedrivePolicy"):
        problems.append(f"{arn} has no dead-letter queue")
    return problems


def _allows_bucket(policy_text: str | None, bucket: str) -> bool:
    if not policy_text:
        return False
    statements = json.loads(policy_text).get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal", {})
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") != "Allow" or "s3.amazonaws.com" not in services:
            continue
        if not any(action in {"sqs:SendMessage", "sqs:*"} for action in actions):
            continue
        source = json.dumps(statement.get("Condition", {}))
        if not statement.get("Condition") or f"arn:aws:s3:::{bucket}" in source:
            return True
    return False


@dataclass(frozen=True)
class ProbeResult:
    key: str
    outcome: str
    """``delivered``; ``not-delivered`` within the timeout; ``busy`` (the queue had messages, so no probe was
    made); ``interrupted`` (another message arrived, was handed back, and probing stopped)."""
    seconds: float

    @property
    def delivered(self) -> bool:
        return self.outcome == "delivered"


def _message_keys(body: str) -> tuple[bool, list[str]]:
    """Whether the body is S3's ``s3:TestEvent``, and the object keys it reports."""
    try:
        document = json.loads(body)
    except json.JSONDecodeError:
        return False, []
    if not isinstance(document, dict):
        return False, []
    keys = [unquote_plus(r.get("s3", {}).get("object", {}).get("key", "")) for r in document.get("Records", [])]
    return document.get("Event") == "s3:TestEvent", keys


def _waiting(sqs: SQSClient, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    visible = int(attributes.get("ApproximateNumberOfMessages", "0"))
    return visible + int(attributes.get("ApproximateNumberOfMessagesNotVisible", "0"))


def probe(s3: S3Client, sqs: SQSClient, bucket: str, code: str, arn: str, *, timeout: float = 20.0) -> ProbeResult:
    """Create a probe object under the customer's prefix and wait for its event on the customer's queue.

    Receiving a message raises its receive count, and enough receives send it to the dead-letter queue; so the
    probe runs only on an idle queue, hands back at most one batch of foreign messages, and then stops.
    """
    key = f"{trigger_prefix(code)}s3-event-test-{uuid.uuid4().hex}.json"
    url = queue_url(sqs, arn)
    started = time.monotonic()
    if _waiting(sqs, url):
        return ProbeResult(key, "busy", 0.0)
    put = s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps({"s3_event_test": True}).encode(),
        ContentType="application/json",
        Metadata={"request-type": PROBE_REQUEST_TYPE},
    )
    outcome = "not-delivered"
    try:
        while outcome == "not-delivered" and time.monotonic() - started < timeout:
            wait = max(0, min(5, int(timeout - (time.monotonic() - started))))
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait).get(
                "Messages", []
            )
            for message in messages:
                test_event, keys = _message_keys(message["Body"])
                if test_event or key in keys:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    if key in keys:
                        outcome = "delivered"
                else:
                    sqs.change_message_visibility(
                        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
                    outcome = "delivered" if outcome == "delivered" else "interrupted"
    finally:
        version = put.get("VersionId")
        if version:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version)
        else:
            s3.delete_object(Bucket=bucket, Key=key)
    return ProbeResult(key, outcome, time.monotonic() - started)
