"""Render the deployable SAM template from ``infra/template.yaml`` and ``config.json``.

Why a rendering step and not ``AWS::LanguageExtensions`` ``Fn::ForEach``: the customers are already described,
validated, in config.json, and ForEach can only repeat resources and mapping keys. The bucket's notifications
are one list (an item per customer) and the role statements need the customers' role ARNs as lists; ForEach
can generate neither, and it would need the same facts passed again as parameters that can drift from
config.json. Rendering in Python reads the validated config, writes plain CloudFormation that every tool
(cfn-lint, aws-sam-translator, ``sam deploy``) understands, and checks CloudFormation's limits before a deploy.

Usage: ``python -m infra.render [--config config.json] [--output infra/build/template.yaml]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccm.config import AppConfig, CustomerMapping, load_config
from ccm.edge.behaviours import LEGACY_API_PATHS
from ccm.errors import ConfigError
from ccm.provision import DEAD_LETTER_AFTER, trigger_prefix
from ccm.s3_events import queue_name
from infra import cfn_yaml
from infra.translate import translate

INFRA = Path(__file__).resolve().parent
SOURCE = INFRA / "template.yaml"
BUILD = INFRA / "build"
DEFAULT_OUTPUT = BUILD / "template.yaml"

MAX_RESOURCES = 500
"""CloudFormation's limit on resources in one stack (after the SAM transform)."""

MAX_TEMPLATE_BYTES = 1_000_000
"""CloudFormation's limit on a template body uploaded through S3."""

MAX_INLINE_POLICY_CHARACTERS = 10_240
"""IAM's limit on the inline policies of one role (the customer role ARNs grow with config.json)."""

VISIBILITY_PER_TIMEOUT = 6
"""AWS's guidance for SQS event sources: a queue's visibility timeout of six times the function timeout."""

MESSAGE_RETENTION_SECONDS = 4 * 24 * 3600
"""A trigger queue keeps a message 4 days: far more than its five receives take (visibility timeout 30 min)."""

DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
"""SQS's longest. A standard queue's message keeps its first enqueue time when it moves to the dead-letter queue,
so the dead-letter queue must keep messages longer than the source queue for them to be there to redrive."""


class RenderError(Exception):
    """The template cannot be rendered from this configuration; the message says why."""


@dataclass(frozen=True)
class CustomerIds:
    """The logical ids of one customer's resources."""

    code: str
    suffix: str

    @property
    def queue(self) -> str:
        return f"TriggerQueue{self.suffix}"

    @property
    def dead_letter_queue(self) -> str:
        return f"TriggerDeadLetterQueue{self.suffix}"

    @property
    def queue_policy(self) -> str:
        return f"TriggerQueuePolicy{self.suffix}"

    @property
    def dead_letter_alarm(self) -> str:
        return f"TriggerDeadLetterAlarm{self.suffix}"

    @property
    def event(self) -> str:
        return f"Triggers{self.suffix}"


def customer_ids(codes: Iterable[str]) -> list[CustomerIds]:
    """Logical ids are alphanumeric: ``hts-nonprod`` becomes ``HtsNonprod``; codes that collide are refused."""
    seen: dict[str, str] = {}
    result = []
    for code in sorted(codes):
        suffix = "".join(part[:1].upper() + part[1:] for part in code.split("-"))
        if suffix in seen:
            raise RenderError(
                f"customer codes {seen[suffix]!r} and {code!r} both become the resource name suffix {suffix!r}"
            )
        seen[suffix] = code
        result.append(CustomerIds(code, suffix))
    return result


def _get_att(logical_id: str, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def _set_statement_resources(template: dict[str, Any], role: str, sid: str, resources: list[Any]) -> None:
    policies = template["Resources"][role]["Properties"]["Policies"]
    for policy in policies:
        statements = policy.get("PolicyDocument", {}).get("Statement", [])
        for index, statement in enumerate(statements):
            if statement.get("Sid") == sid:
                if resources:
                    statements[index] = {**statement, "Resource": resources}
                else:
                    del statements[index]
                return
    raise RenderError(f"infra/template.yaml: role {role} has no statement {sid!r} to render")


def _ssm_parameter_arn(name: str) -> dict[str, Any]:
    return {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/" + name.lstrip("/")}


def _customer_resources(
    ids: CustomerIds, customer: CustomerMapping, visibility_timeout: int
) -> dict[str, dict[str, Any]]:
    tags = [{"Key": "ccm:customer", "Value": ids.code}]
    return {
        ids.dead_letter_queue: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": {"Fn::Sub": "${AWS::StackName}-dead-letters-" + ids.code},
                "SqsManagedSseEnabled": True,
                "MessageRetentionPeriod": DEAD_LETTER_RETENTION_SECONDS,
                "Tags": tags,
            },
        },
        ids.queue: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                # The backend's role may consume <stack>-trigger-*: keep this name in step with that statement.
                "QueueName": {"Fn::Sub": "${AWS::StackName}-trigger-" + ids.code},
                "SqsManagedSseEnabled": True,
                "VisibilityTimeout": visibility_timeout,
                "MessageRetentionPeriod": MESSAGE_RETENTION_SECONDS,
                "RedrivePolicy": {
                    "deadLetterTargetArn": _get_att(ids.dead_letter_queue, "Arn"),
                    "maxReceiveCount": DEAD_LETTER_AFTER,
                },
                "Tags": tags,
            },
        },
        ids.queue_policy: {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [{"Ref": ids.queue}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TriggersFromTheDataBucket",
                            "Effect": "Allow",
                            "Principal": {"Service": "s3.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": _get_att(ids.queue, "Arn"),
                            "Condition": {
                                # A string, not GetAtt: the bucket waits for this policy before it notifies.
                                "ArnEquals": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${BucketName}"}},
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                            },
                        }
                    ],
                },
            },
        },
        ids.dead_letter_alarm: {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": {"Fn::Sub": "${AWS::StackName}-dead-letters-" + ids.code},
                "AlarmDescription": (
                    f"Triggers of {customer.customer_name} ({ids.code}) failed {DEAD_LETTER_AFTER} times and wait "
                    "in the dead-letter queue; fix the cause, then redrive them"
                ),
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": [{"Name": "QueueName", "Value": _get_att(ids.dead_letter_queue, "QueueName")}],
                "Statistic": "Maximum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 0,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": [{"Ref": "AlarmTopic"}],
                "OKActions": [{"Ref": "AlarmTopic"}],
            },
        },
    }


def _notification(ids: CustomerIds) -> dict[str, Any]:
    return {
        "Event": "s3:ObjectCreated:*",
        "Queue": _get_att(ids.queue, "Arn"),
        "Filter": {
            "S3Key": {
                "Rules": [
                    {"Name": "prefix", "Value": trigger_prefix(ids.code)},
                    {"Name": "suffix", "Value": ".json"},
                ]
            }
        },
    }


def _sqs_event(ids: CustomerIds) -> dict[str, Any]:
    return {
        "Type": "SQS",
        "Properties": {
            "Queue": _get_att(ids.queue, "Arn"),
            # One trigger per invocation: a long send never holds up another object's trigger.
            "BatchSize": 1,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": {"MaximumConcurrency": {"Ref": "BackendConcurrencyPerCustomer"}},
        },
    }


def _add_legacy_api_behaviours(template: dict[str, Any]) -> None:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    behaviours: list[dict[str, Any]] = config["CacheBehaviors"]
    api = next((b for b in behaviours if b.get("PathPattern") == "/api/*"), None)
    if api is None:
        raise RenderError("infra/template.yaml: the distribution has no /api/* cache behaviour to copy")
    at = behaviours.index(api) + 1
    behaviours[at:at] = [{**copy.deepcopy(api), "PathPattern": path} for path in LEGACY_API_PATHS]


def render(source: dict[str, Any], config: AppConfig) -> dict[str, Any]:
    """The deployable template: ``source`` with every customer's queues, notifications and permissions."""
    template = copy.deepcopy(source)
    resources: dict[str, Any] = template["Resources"]
    backend = resources["BackendFunction"]["Properties"]
    visibility_timeout = VISIBILITY_PER_TIMEOUT * int(backend["Timeout"])
    events: dict[str, Any] = backend.setdefault("Events", {})
    ids = customer_ids(config.customer_mappings)

    for customer_id in ids:
        customer = config.customer(customer_id.code)
        for logical_id, resource in _customer_resources(customer_id, customer, visibility_timeout).items():
            if logical_id in resources:
                raise RenderError(f"infra/template.yaml already defines {logical_id}, which a customer needs")
            resources[logical_id] = resource
        events[customer_id.event] = _sqs_event(customer_id)

    bucket = resources["DataBucket"]
    notifications = bucket["Properties"].setdefault("NotificationConfiguration", {})
    # The template's own entries (the audit queue) stay; each customer's trigger prefix is added.
    notifications["QueueConfigurations"] = [
        *notifications.get("QueueConfigurations", []),
        *(_notification(i) for i in ids),
    ]
    bucket["DependsOn"] = sorted({*bucket.get("DependsOn", []), *(i.queue_policy for i in ids)})

    customers = [config.customer(i.code) for i in ids]
    ses_roles = sorted({c.ses_role_arn for c in customers})
    import_roles = sorted({*ses_roles, *(c.identity_center_role_arn for c in customers if c.identity_center_role_arn)})
    _set_statement_resources(template, "BackendRole", "AssumeCustomerSesRoles", list(ses_roles))
    _set_statement_resources(template, "ApiRole", "AssumeCustomerSesRoles", list(ses_roles))
    _set_statement_resources(template, "ImportTaskRole", "AssumeCustomerRoles", list(import_roles))
    graph = config.graph_config
    secrets = [graph.tenant_id_parameter, graph.client_id_parameter, graph.client_secret_parameter] if graph else []
    _set_statement_resources(
        template, "BackendRole", "ReadGraphSecrets", [_ssm_parameter_arn(name) for name in dict.fromkeys(secrets)]
    )
    channel_secrets = [
        name
        for customer in customers
        for channel in customer.channels
        for name in (channel.url_parameter, channel.secret_parameter)
        if name is not None
    ]
    _set_statement_resources(
        template,
        "BackendRole",
        "ReadChannelSecrets",
        [_ssm_parameter_arn(name) for name in dict.fromkeys(channel_secrets)],
    )
    integration_secrets = [_ssm_parameter_arn(name) for name in dict.fromkeys(config.integrations.parameters)]
    _set_statement_resources(template, "BackendRole", "ReadIntegrationSecrets", integration_secrets)
    _set_statement_resources(template, "ApiRole", "ReadIntegrationSecrets", integration_secrets)
    _render_ses_events(template, customers)
    _render_dead_letter_access(template, customers)
    _add_legacy_api_behaviours(template)
    return template


def _render_ses_events(template: dict[str, Any], customers: list[CustomerMapping]) -> None:
    """Only the customers' own SES events topics may send to the events queue."""
    statement = template["Resources"]["SesEventsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    topics = sorted({customer.ses_events_topic_arn for customer in customers})
    statement["Condition"] = {"ArnEquals": {"aws:SourceArn": topics}}


def _sqs_arn(name: str) -> dict[str, Any]:
    return {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:" + name}


def _render_dead_letter_access(template: dict[str, Any], customers: list[CustomerMapping]) -> None:
    """The API's administrators reach each customer's trigger queue and its dead-letter queue: as this stack names
    them, and as ccm.s3_events.queue_name (the name the code looks up) and the provisioner's ``-dlq`` name them."""
    names = {"${AWS::StackName}-trigger-*", "${AWS::StackName}-dead-letters-*"}
    for customer in customers:
        names.update({queue_name(customer), f"{queue_name(customer)}-dlq"})
    _set_statement_resources(template, "ApiRole", "ReadAndRedriveDeadLetters", [_sqs_arn(n) for n in sorted(names)])


def _inline_policy_characters(role: dict[str, Any]) -> int:
    """IAM counts a role's inline policies without whitespace; intrinsic functions stand in for their values."""
    documents = [policy.get("PolicyDocument", {}) for policy in role["Properties"].get("Policies", [])]
    return sum(len(json.dumps(document, separators=(",", ":"))) for document in documents)


def check_limits(rendered: dict[str, Any], translated: dict[str, Any]) -> None:
    count = len(translated["Resources"])
    if count > MAX_RESOURCES:
        raise RenderError(
            f"the stack would have {count} resources; CloudFormation allows {MAX_RESOURCES}. "
            "Split the customers across stacks (one config.json each)"
        )
    size = len(cfn_yaml.dumps(rendered).encode())
    if size > MAX_TEMPLATE_BYTES:
        raise RenderError(f"the rendered template is {size} bytes; CloudFormation accepts {MAX_TEMPLATE_BYTES}")
    for logical_id, resource in rendered["Resources"].items():
        if resource.get("Type") == "AWS::IAM::Role":
            characters = _inline_policy_characters(resource)
            if characters > MAX_INLINE_POLICY_CHARACTERS:
                raise RenderError(
                    f"the inline policies of {logical_id} would hold {characters} characters; IAM allows "
                    f"{MAX_INLINE_POLICY_CHARACTERS} per role. Split the customers across stacks"
                )


NAMES_FROM_STACK = (
    # (what, name pattern, AWS's length limit)
    ("trigger queue", "{stack}-trigger-{code}", 80),
    ("dead-letter queue", "{stack}-dead-letters-{code}", 80),
    ("edge function", "{stack}-gatekeeper", 64),
    ("edge function", "{stack}-saml", 64),
    ("IAM role", "{stack}-backend", 64),
    ("IAM role", "{stack}-api", 64),
    ("IAM role", "{stack}-import", 64),
    ("origin access control", "{stack}-web", 64),
)


def check_stack_name(stack_name: str, config: AppConfig) -> None:
    """Resources named after the stack must fit AWS's name limits, for the longest customer code too."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", stack_name):
        raise RenderError(f"stack name {stack_name!r} must start with a letter and hold only letters, digits and '-'")
    longest = max(config.customer_codes, key=len)
    for what, pattern, limit in NAMES_FROM_STACK:
        name = pattern.format(stack=stack_name, code=longest)
        if len(name) > limit:
            raise RenderError(
                f"stack name {stack_name!r} is too long: the {what} {name} would have {len(name)} characters; "
                f"AWS allows {limit}"
            )


@dataclass(frozen=True)
class Rendered:
    template: dict[str, Any]
    translated: dict[str, Any]
    customers: int


def render_files(
    config_path: Path, output: Path, translated_output: Path | None = None, *, stack_name: str | None = None
) -> Rendered:
    config = load_config(config_path)
    if stack_name is not None:
        check_stack_name(stack_name, config)
    rendered = render(cfn_yaml.load(SOURCE), config)
    translated = translate(rendered)
    check_limits(rendered, translated)
    cfn_yaml.write(rendered, output)
    if translated_output is not None:
        cfn_yaml.write(translated, translated_output)
    return Rendered(rendered, translated, len(config.customer_mappings))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.render", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config.json"), help="config.json to render from")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the SAM template")
    parser.add_argument("--translated", type=Path, help="also write the CloudFormation translation (JSON)")
    args = parser.parse_args(argv)
    try:
        result = render_files(args.config, args.output, args.translated)
    except (ConfigError, RenderError) as error:
        print(f"cannot render the template: {error}", file=sys.stderr)
        return 2
    print(
        f"rendered {args.output}: {result.customers} customers, "
        f"{len(result.translated['Resources'])} resources after the SAM transform (limit {MAX_RESOURCES})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
