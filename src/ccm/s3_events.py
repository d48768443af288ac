"""S3 -> SQS routing of triggers: ``customers/{code}/*.json`` created in the bucket reaches that customer's queue.

A deployment routes every customer's triggers with one notification to the router queue, whose function forwards
each to the customer's own trigger queue (:mod:`ccm.routing`, docs/scale-deployment.md); the provisioner can still
give each customer an entry of its own (``trigger-<code>``) for the tests that drive the backend from S3 directly.

The bucket's notification configuration is one document, replaced as a whole by each put; these functions change
only the entries they own and keep every other entry (other queues, topics, Lambda functions, EventBridge) exactly
as found. Used by the provisioner and by ``ccm s3-events``.
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
LOCAL_ROUTER_QUEUE = "ccm-router"
"""The router queue of a stack that does not name its queues after itself (the local stack)."""


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


def router_queue_name(prefix: str | None) -> str:
    """The router queue beside the customers' trigger queues: ``<stack>-router`` where they are
    ``<stack>-trigger-<code>`` (the template names both after the stack), else :data:`LOCAL_ROUTER_QUEUE`."""
    if prefix and prefix.endswith("-trigger-"):
        return prefix.removesuffix("trigger-") + "router"
    return LOCAL_ROUTER_QUEUE


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
    s3: S3Client,
    bucket: str,
    router_queue_arn: str,
    extra: Sequence[Mapping[str, Any]] = (),
    *,
    dry_run: bool = False,
) -> str:
    """Route every customer's triggers to the router queue, dropping the per-customer ``trigger-<code>`` entries of
    the earlier layout (S3 refuses overlapping prefixes); an entry that already does it (CloudFormation's, under an
    id of its own) is kept, and so is everything else. ``unchanged``, ``updated`` or ``would-update``."""
    current = current_configuration(s3, bucket)
    queues = current.get("QueueConfigurations", [])
    routed = any(c["QueueArn"] == router_queue_arn and catches_every_trigger(c) for c in queues)
    extra_ids = {str(entry["Id"]) for entry in extra}

    def ours(entry: Mapping[str, Any]) -> bool:
        entry_id = str(entry.get("Id", ""))
        if entry_id == ROUTER_NOTIFICATION_ID:
            return not routed
        return entry_id in extra_ids or entry_id.startswith("trigger-")

    kept = [c for c in queues if not ours(c)]
    merged = {key: value for key, value in current.items() if key != "QueueConfigurations"}
    router = [] if routed else [router_configuration(router_queue_arn)]
    merged["QueueConfigurations"] = [*kept, *router, *(dict(e) for e in extra)]
    if same_configuration(current, merged):
        return "unchanged"
    if dry_run:
        return "would-update"
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


def _on_creation(configuration: Mapping[str, Any]) -> bool:
    """Whether the entry fires for a trigger, which is written with PutObject."""
    events = set(configuration.get("Events", []))
    return bool(events & {"s3:ObjectCreated:*", "s3:ObjectCreated:Put"})


def catches_every_trigger(configuration: Mapping[str, Any]) -> bool:
    """Whether the entry fires for every ``customers/<code>/<id>.json``, whatever the customer."""
    rules = _rules(configuration)
    return (
        _on_creation(configuration)
        and f"{TRIGGER_ROOT}/".startswith(rules.get("prefix", ""))
        and ".json".endswith(rules.get("suffix", ""))
    )


def destinations(configuration: Mapping[str, Any], code: str) -> list[str]:
    """The queues (ARNs) a trigger of customer ``code`` is sent to."""
    sample = f"{trigger_prefix(code)}CHG-00000000-0000-0000-0000-000000000000.json"
    return sorted(
        {
            str(c["QueueArn"])
            for c in configuration.get("QueueConfigurations", [])
            if _on_creation(c)
            and sample.startswith(_rules(c).get("prefix", ""))
            and sample.endswith(_rules(c).get("suffix", ""))
        }
    )


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


def queue_url(sqs: SQSClient, arn: str) -> str:
    _, _, _, _, account, name = arn.split(":", 5)
    return sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]


def queue_arn_of(sqs: SQSClient, name: str) -> str | None:
    """The ARN of the queue of that name in this account, ``None`` if there is none."""
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        return None
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


@dataclass(frozen=True)
class RouterCheck:
    queue: str
    arn: str | None
    problems: list[str]


def router_problems(sqs: SQSClient, configuration: Mapping[str, Any], bucket: str, router_queue: str) -> RouterCheck:
    """What stops the bucket's triggers reaching the router queue: the queue, its policy and dead letters, and the
    one notification of every customer's triggers."""
    arn = queue_arn_of(sqs, router_queue)
    if arn is None:
        return RouterCheck(router_queue, None, [f"the router queue {router_queue} does not exist"])
    problems = []
    if not any(c["QueueArn"] == arn and catches_every_trigger(c) for c in configuration.get("QueueConfigurations", [])):
        problems.append(
            f"bucket {bucket} does not send every {TRIGGER_ROOT}/*.json trigger to the router queue {arn}, so "
            "triggers reach no customer's queue (run `ccm s3-events configure`, or deploy the stack again)"
        )
    return RouterCheck(router_queue, arn, problems + queue_problems(sqs, arn, bucket))


@dataclass(frozen=True)
class TriggerQueueCheck:
    queue: str
    problems: list[str]


def trigger_queue_problems(
    sqs: SQSClient,
    configuration: Mapping[str, Any],
    customer: CustomerMapping,
    prefix: str | None,
    router_arn: str | None,
) -> TriggerQueueCheck:
    """What stops the router forwarding a customer's triggers: its trigger queue (:func:`trigger_queue_name`) must
    exist and have a dead-letter queue, and the bucket must send its triggers to nothing but the router queue."""
    code = customer.customer_code
    name = trigger_queue_name(customer, prefix)
    problems = []
    strays = [arn for arn in destinations(configuration, code) if router_arn is not None and arn != router_arn]
    if strays:
        problems.append(
            f"{trigger_prefix(code)} triggers also go to {', '.join(strays)}, not only to the router queue "
            "(`ccm s3-events configure` removes the per-customer entries)"
        )
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        problems.append(
            f"trigger queue {name} does not exist, so the router cannot forward {trigger_prefix(code)} triggers "
            "(deploy with the customer in config.json)"
        )
        return TriggerQueueCheck(name, problems)
    # SQS leaves "Attributes" out when the queue has none of those asked for.
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
    if not attributes.get("RedrivePolicy"):
        problems.append(f"trigger queue {name} has no dead-letter queue")
    return TriggerQueueCheck(name, problems)


def queue_problems(sqs: SQSClient, arn: str, bucket: str) -> list[str]:
    """The queue exists, lets the bucket send to it, and has a dead-letter queue."""
    try:
        url = queue_url(sqs, arn)
    except sqs.exceptions.QueueDoesNotExist:
        return [f"queue {arn} does not exist"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy", "RedrivePolicy"]).get(
        "Attributes", {}
    )
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


def probe(s3: S3Client, sqs: SQSClient, bucket: str, code: str, url: str, *, timeout: float = 20.0) -> ProbeResult:
    """Create a probe object under the customer's prefix and wait for its event on the customer's queue (``url``),
    where the router forwards it.

    Receiving a message raises its receive count, and enough receives send it to the dead-letter queue; so the
    probe runs only on an idle queue, hands back at most one batch of foreign messages, and then stops.
    """
    key = f"{trigger_prefix(code)}s3-event-test-{uuid.uuid4().hex}.json"
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
