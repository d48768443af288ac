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
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccm.config import AppConfig, CustomerMapping, load_config
from ccm.edge.behaviours import LEGACY_API_PATHS
from ccm.errors import ConfigError
from ccm.provision import DEAD_LETTER_AFTER
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
"""CloudFormation's limit on a template body uploaded through S3 (``sam deploy`` uploads every template: the
parent with ``resolve_s3``/``s3_bucket``, each nested stack's ``TemplateURL`` by ``sam package``'s rules)."""

MAX_INLINE_POLICY_CHARACTERS = 10_240
"""IAM's limit on the inline policies of one role (the customer role ARNs grow with config.json)."""

MAX_MANAGED_POLICY_CHARACTERS = 6_144
"""IAM's limit on one customer managed policy document (whitespace not counted)."""

MAX_MANAGED_POLICIES_PER_ROLE = 10
"""IAM's default quota of managed policies attached to one role (raisable, but not assumed)."""

CUSTOMER_SHARDS = 20
"""How many nested stacks the customers' queues are spread over, at most. A customer's stack is a function of its
code alone (:func:`shard_of`), so adding or removing a customer never moves another's queues between stacks (a
move would delete and recreate its queues, dead letters included). Changing this number moves most customers:
it is a constant, not a setting. 20 stacks of at most 124 customers (4 resources each) hold about 2,000."""

RESOURCES_PER_CUSTOMER = 4
"""Trigger queue, dead-letter queue, event source mapping, dead-letter alarm (in the customer's nested stack)."""

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


def shard_of(code: str) -> int:
    """The nested stack (1-based) that holds ``code``'s queues: a stable hash of the code, nothing else."""
    return zlib.crc32(code.encode("utf-8")) % CUSTOMER_SHARDS + 1


def child_file(shard: int) -> str:
    return f"customers-{shard:02d}.yaml"


def child_logical_id(shard: int) -> str:
    return f"Customers{shard:02d}"


CHILD_PARAMETERS = {
    # parameter -> its value in the parent
    "ParentStackName": {"Ref": "AWS::StackName"},
    "BackendFunctionArn": {"Fn::GetAtt": ["BackendFunction", "Arn"]},
    "AlarmTopicArn": {"Ref": "AlarmTopic"},
    "BackendConcurrencyPerCustomer": {"Ref": "BackendConcurrencyPerCustomer"},
}


def _customer_resources(
    ids: CustomerIds, customer: CustomerMapping, visibility_timeout: int
) -> dict[str, dict[str, Any]]:
    """One customer's resources in its nested stack; names come from the parent stack's name (a parameter)."""
    tags = [{"Key": "ccm:customer", "Value": ids.code}]
    return {
        ids.dead_letter_queue: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": {"Fn::Sub": "${ParentStackName}-dead-letters-" + ids.code},
                "SqsManagedSseEnabled": True,
                "MessageRetentionPeriod": DEAD_LETTER_RETENTION_SECONDS,
                "Tags": tags,
            },
        },
        ids.queue: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                # The backend's role consumes, and the router and the clock send to, <stack>-trigger-*: keep this
                # name in step with those statements and with ccm.s3_events.trigger_queue_name.
                "QueueName": {"Fn::Sub": "${ParentStackName}-trigger-" + ids.code},
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
        ids.event: {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": _get_att(ids.queue, "Arn"),
                "FunctionName": {"Ref": "BackendFunctionArn"},
                # One trigger per invocation: a long send never holds up another object's trigger.
                "BatchSize": 1,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                # Each customer's own ceiling: one customer's slow or failing sends never take another's turns.
                "ScalingConfig": {"MaximumConcurrency": {"Ref": "BackendConcurrencyPerCustomer"}},
            },
        },
        ids.dead_letter_alarm: {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": {"Fn::Sub": "${ParentStackName}-dead-letters-" + ids.code},
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
                "AlarmActions": [{"Ref": "AlarmTopicArn"}],
                "OKActions": [{"Ref": "AlarmTopicArn"}],
            },
        },
    }


def _child_template(shard: int, customers: list[tuple[CustomerIds, CustomerMapping]], timeout: int) -> dict[str, Any]:
    codes = [ids.code for ids, _ in customers]
    resources: dict[str, Any] = {}
    for ids, customer in customers:
        resources.update(_customer_resources(ids, customer, timeout))
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            f"Customer Contact Manager - trigger queues of {len(codes)} customers ({codes[0]} ... {codes[-1]}), "
            f"nested stack {shard} of at most {CUSTOMER_SHARDS}"
        ),
        "Parameters": {
            "ParentStackName": {
                "Type": "String",
                "Description": "The parent stack's name, which queues are named after",
            },
            "BackendFunctionArn": {"Type": "String", "Description": "The backend function every queue invokes"},
            "AlarmTopicArn": {"Type": "String", "Description": "Where the dead-letter alarms go"},
            "BackendConcurrencyPerCustomer": {
                "Type": "Number",
                "MinValue": 2,
                "Description": "Most backend invocations one customer's queue may run at once",
            },
        },
        "Resources": resources,
    }


def render_children(config: AppConfig, source: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The customers' nested stacks: file name -> template, each holding the customers :func:`shard_of` puts there."""
    timeout = VISIBILITY_PER_TIMEOUT * int(source["Resources"]["BackendFunction"]["Properties"]["Timeout"])
    shards: dict[int, list[tuple[CustomerIds, CustomerMapping]]] = {}
    for ids in customer_ids(config.customer_mappings):
        shards.setdefault(shard_of(ids.code), []).append((ids, config.customer(ids.code)))
    return {child_file(shard): _child_template(shard, members, timeout) for shard, members in sorted(shards.items())}


def _child_stack(shard: int) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudFormation::Stack",
        "Properties": {
            # A local path: `sam deploy` (as `sam package`) uploads it and writes its S3 URL here.
            "TemplateURL": child_file(shard),
            "Parameters": dict(CHILD_PARAMETERS),
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
    """The deployable parent template: ``source`` with a nested stack per shard of customers (:func:`render_children`
    are their templates) and every customer's permissions."""
    template = copy.deepcopy(source)
    resources: dict[str, Any] = template["Resources"]
    ids = customer_ids(config.customer_mappings)
    for name in render_children(config, source):
        shard = int(name.removeprefix("customers-").removesuffix(".yaml"))
        logical_id = child_logical_id(shard)
        if logical_id in resources:
            raise RenderError(f"infra/template.yaml already defines {logical_id}, which the customers' stacks need")
        resources[logical_id] = _child_stack(shard)

    customers = [config.customer(i.code) for i in ids]
    _render_customer_roles(template, customers)
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


MAX_QUEUE_POLICY_BYTES = 8_192
"""SQS's limit on one queue's access policy."""


def _render_ses_events(template: dict[str, Any], customers: list[CustomerMapping]) -> None:
    """Only the customers' own SES events topics may send to the events queue: by exact ARN while the queue policy
    holds them; past SQS's policy size (a few hundred customers), by topic name and region in any account. That
    wider door lets in nothing that counts: the SES events function records an event only for a message id the
    backend sent and put on the ledger, so a stranger's topic of the same name can only add "unknown" events."""
    policy = template["Resources"]["SesEventsQueuePolicy"]["Properties"]["PolicyDocument"]
    statement = policy["Statement"][0]
    topics = sorted({customer.ses_events_topic_arn for customer in customers})
    statement["Condition"] = {"ArnEquals": {"aws:SourceArn": topics}}
    if len(json.dumps(policy, separators=(",", ":"))) > MAX_QUEUE_POLICY_BYTES - 512:
        patterns = sorted({_any_account(topic) for topic in topics})
        statement["Condition"] = {"ArnLike": {"aws:SourceArn": patterns}}


def _any_account(arn: str) -> str:
    scheme, partition, service, region, _, resource = arn.split(":", 5)
    return ":".join((scheme, partition, service, region, "*", resource))


def _role_arn_statements(sid: str, arns: Iterable[str]) -> list[dict[str, Any]]:
    """sts:AssumeRole on exactly ``arns``, written compactly: the ARNs of one role name (the same role in many
    customer accounts) become that name in any account with ``aws:ResourceAccount`` listing exactly theirs, which
    grants the same set of roles in about a third of the characters; a name in one account stays its exact ARN."""
    by_name: dict[tuple[str, str], list[str]] = {}
    for arn in sorted(set(arns)):
        # arn:<partition>:iam::<account>:role/<path/name>
        scheme, partition, service, _, account, resource = arn.split(":", 5)
        by_name.setdefault((f"{scheme}:{partition}:{service}", resource), []).append(account)
    statements: list[dict[str, Any]] = []
    exact = sorted(
        f"{prefix}::{accounts[0]}:{resource}" for (prefix, resource), accounts in by_name.items() if len(accounts) == 1
    )
    if exact:
        statements.append({"Sid": sid, "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": exact})
    for (prefix, resource), accounts in sorted(by_name.items()):
        if len(accounts) == 1:
            continue
        for start in range(0, len(accounts), ACCOUNTS_PER_STATEMENT):
            statements.append(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": f"{prefix}::*:{resource}",
                    "Condition": {
                        "StringEquals": {"aws:ResourceAccount": accounts[start : start + ACCOUNTS_PER_STATEMENT]}
                    },
                }
            )
    return statements


ACCOUNTS_PER_STATEMENT = 300
"""Accounts in one compact AssumeRole statement: 300 of 15 characters fill most of a managed policy."""

ROLES_OF_SES_ROLES = ("BackendRole", "ApiRole", "ImportTaskRole")
"""The roles that assume the customers' SES roles (the import task too, for contact lists)."""


def _render_customer_roles(template: dict[str, Any], customers: list[CustomerMapping]) -> None:
    """Exact role ARNs in each role's inline statement while IAM's inline limit allows; past it (a few hundred
    customers), the same grants move into customer managed policies, compact (:func:`_role_arn_statements`) and
    packed to IAM's managed policy size, shared by the roles that need them."""
    ses_roles = sorted({c.ses_role_arn for c in customers})
    identity_roles = sorted({c.identity_center_role_arn for c in customers if c.identity_center_role_arn})
    import_roles = sorted({*ses_roles, *identity_roles})
    _set_statement_resources(template, "BackendRole", "AssumeCustomerSesRoles", list(ses_roles))
    _set_statement_resources(template, "ApiRole", "AssumeCustomerSesRoles", list(ses_roles))
    _set_statement_resources(template, "ImportTaskRole", "AssumeCustomerRoles", list(import_roles))
    resources = template["Resources"]
    if all(_inline_policy_characters(resources[r]) <= MAX_INLINE_POLICY_CHARACTERS for r in ROLES_OF_SES_ROLES):
        return
    _set_statement_resources(template, "BackendRole", "AssumeCustomerSesRoles", [])
    _set_statement_resources(template, "ApiRole", "AssumeCustomerSesRoles", [])
    _set_statement_resources(template, "ImportTaskRole", "AssumeCustomerRoles", [])
    only_identity = sorted(set(identity_roles) - set(ses_roles))
    groups = [
        ("CustomerSesRolesPolicy", "AssumeCustomerSesRoles", ses_roles, ROLES_OF_SES_ROLES),
        ("CustomerImportRolesPolicy", "AssumeCustomerRoles", only_identity, ("ImportTaskRole",)),
    ]
    for prefix, sid, arns, roles in groups:
        for index, document in enumerate(_pack(_role_arn_statements(sid, arns)), start=1):
            logical_id = f"{prefix}{index:02d}"
            if logical_id in resources:
                raise RenderError(f"infra/template.yaml already defines {logical_id}, which the role grants need")
            resources[logical_id] = {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "Description": f"sts:AssumeRole on the customers' roles ({sid}, part {index}); rendered",
                    "Roles": [{"Ref": role} for role in roles],
                    "PolicyDocument": document,
                },
            }


def _pack(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statements into as few policy documents as IAM's managed policy size allows; Sids made unique in each."""
    documents: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []

    def document(members: list[dict[str, Any]]) -> dict[str, Any]:
        numbered = [{**m, "Sid": f"{m['Sid']}{i}" if i else m["Sid"]} for i, m in enumerate(members)]
        return {"Version": "2012-10-17", "Statement": numbered}

    for statement in statements:
        candidate = [*current, statement]
        if current and _characters(document(candidate)) > MAX_MANAGED_POLICY_CHARACTERS:
            documents.append(document(current))
            candidate = [statement]
        current = candidate
    if current:
        documents.append(document(current))
    return documents


def _characters(document: dict[str, Any]) -> int:
    return len(json.dumps(document, separators=(",", ":")))


def _sqs_arn(name: str) -> dict[str, Any]:
    return {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:" + name}


def _render_dead_letter_access(template: dict[str, Any], customers: list[CustomerMapping]) -> None:
    """The API's administrators reach each customer's trigger queue and its dead-letter queue: as this stack names
    them, and as ccm.s3_events.queue_name (the name the code looks up) and the provisioner's ``-dlq`` name them."""
    stack = {"${AWS::StackName}-trigger-*", "${AWS::StackName}-dead-letters-*"}
    names = set(stack)
    for customer in customers:
        names.update({queue_name(customer), f"{queue_name(customer)}-dlq"})
    _set_statement_resources(template, "ApiRole", "ReadAndRedriveDeadLetters", [_sqs_arn(n) for n in sorted(names)])
    if _inline_policy_characters(template["Resources"]["ApiRole"]) > MAX_INLINE_POLICY_CHARACTERS:
        # The deployed API names the queues by the stack's prefix (CCM_TRIGGER_QUEUE_PREFIX); the per-customer
        # names serve a stack whose customers' queues were made outside it, which a thousand customers are not.
        _set_statement_resources(template, "ApiRole", "ReadAndRedriveDeadLetters", [_sqs_arn(n) for n in sorted(stack)])


def _inline_policy_characters(role: dict[str, Any]) -> int:
    """IAM counts a role's inline policies without whitespace; intrinsic functions stand in for their values."""
    documents = [policy.get("PolicyDocument", {}) for policy in role["Properties"].get("Policies", [])]
    return sum(len(json.dumps(document, separators=(",", ":"))) for document in documents)


def check_limits(
    rendered: dict[str, Any], translated: dict[str, Any], children: dict[str, dict[str, Any]] | None = None
) -> None:
    """CloudFormation's and IAM's limits, for the parent stack and each customers' stack."""
    stacks = {"the stack": (rendered, translated)}
    stacks.update({f"the customers' stack {name}": (child, child) for name, child in (children or {}).items()})
    for what, (template, resources_of) in stacks.items():
        count = len(resources_of["Resources"])
        if count > MAX_RESOURCES:
            raise RenderError(
                f"{what} would have {count} resources; CloudFormation allows {MAX_RESOURCES}. "
                f"Too many customers for {CUSTOMER_SHARDS} nested stacks of customers (infra/render.py)"
            )
        size = len(cfn_yaml.dumps(template).encode())
        if size > MAX_TEMPLATE_BYTES:
            raise RenderError(f"{what} is {size} bytes; CloudFormation accepts {MAX_TEMPLATE_BYTES}")
    attached: dict[str, int] = {}
    for logical_id, resource in rendered["Resources"].items():
        if resource.get("Type") == "AWS::IAM::Role":
            characters = _inline_policy_characters(resource)
            if characters > MAX_INLINE_POLICY_CHARACTERS:
                raise RenderError(
                    f"the inline policies of {logical_id} would hold {characters} characters; IAM allows "
                    f"{MAX_INLINE_POLICY_CHARACTERS} per role"
                )
            managed = resource["Properties"].get("ManagedPolicyArns")
            # AWS managed policies (X-Ray's, when tracing is on): counted at their most.
            attached[logical_id] = attached.get(logical_id, 0) + (1 if managed else 0)
        if resource.get("Type") == "AWS::IAM::ManagedPolicy":
            characters = _characters(resource["Properties"]["PolicyDocument"])
            if characters > MAX_MANAGED_POLICY_CHARACTERS:
                raise RenderError(
                    f"the managed policy {logical_id} would hold {characters} characters; IAM allows "
                    f"{MAX_MANAGED_POLICY_CHARACTERS}"
                )
            for role in resource["Properties"]["Roles"]:
                attached[role["Ref"]] = attached.get(role["Ref"], 0) + 1
    for role, count in sorted(attached.items()):
        if count > MAX_MANAGED_POLICIES_PER_ROLE:
            raise RenderError(
                f"{role} would have {count} managed policies attached; IAM's default quota is "
                f"{MAX_MANAGED_POLICIES_PER_ROLE} per role"
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
    children: dict[str, dict[str, Any]]
    """The customers' nested stacks, by file name (written next to the parent template)."""

    def describe(self) -> str:
        sizes = [len(child["Resources"]) for child in self.children.values()]
        return (
            f"{self.customers} customers, {len(self.translated['Resources'])} resources after the SAM transform "
            f"and {len(sizes)} customers' stacks of {min(sizes, default=0)}-{max(sizes, default=0)} resources "
            f"(limit {MAX_RESOURCES} each)"
        )


def render_files(
    config_path: Path, output: Path, translated_output: Path | None = None, *, stack_name: str | None = None
) -> Rendered:
    config = load_config(config_path)
    if stack_name is not None:
        check_stack_name(stack_name, config)
    source = cfn_yaml.load(SOURCE)
    rendered = render(source, config)
    children = render_children(config, source)
    translated = translate(rendered)
    check_limits(rendered, translated, children)
    output.parent.mkdir(parents=True, exist_ok=True)
    # A customers' stack left from an earlier render (more customers then) must not be deployed or linted.
    for stale in output.parent.glob(child_file(0).replace("00", "*")):
        stale.unlink()
    cfn_yaml.write(rendered, output)
    for name, child in children.items():
        cfn_yaml.write(child, output.parent / name)
    if translated_output is not None:
        cfn_yaml.write(translated, translated_output)
    return Rendered(rendered, translated, len(config.customer_mappings), children)


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
    print(f"rendered {args.output}: {result.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
