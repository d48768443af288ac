"""What AWS authorizes for one API call: the IAM action, the resource ARN and the condition keys that matter.

Written from AWS's "Actions, resources, and condition keys" reference for the operations this system calls.
An operation not listed here raises :class:`UnmappedCall`, so a new kind of call is never passed unchecked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PARTITION = "aws"
ACCOUNT = "123456789012"
"""The account of the components' own credentials: moto's default, and what the tests resolve the template with."""

TABLE_PARTITION_KEY = "pk"
"""The table's hash key, the value of ``dynamodb:LeadingKeys`` (tests/deployment checks it against the template)."""

MISSING_KEY_NEEDS_LIST = "so that S3 answers 404 (not 403) for a key that does not exist"

Context = tuple[tuple[str, tuple[str, ...]], ...]


class UnmappedCall(Exception):
    """This module does not know what AWS authorizes for the operation."""


@dataclass(frozen=True)
class AuthorizationRequest:
    call: str
    """``service Operation`` as botocore names it."""
    action: str
    resource: str
    context: Context = ()
    why: str = ""
    """Why the call needs this beyond its own action (e.g. S3's 404 for a missing key)."""

    def value(self, key: str) -> tuple[str, ...] | None:
        for name, values in self.context:
            if name.lower() == key.lower():
                return values
        return None

    def describe(self) -> str:
        keys = ", ".join(f"{name}={'|'.join(values)}" for name, values in self.context)
        return (
            f"{self.action} on {self.resource}"
            + (f" with {keys}" if keys else "")
            + (f" ({self.why})" if self.why else "")
        )

    def to_document(self) -> dict[str, Any]:
        return {
            "call": self.call,
            "action": self.action,
            "resource": self.resource,
            "context": [[name, list(values)] for name, values in self.context],
            "why": self.why,
        }

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> AuthorizationRequest:
        context = tuple((str(name), tuple(values)) for name, values in document["context"])
        return cls(document["call"], document["action"], document["resource"], context, document["why"])


def _context(**keys: Iterable[str] | str | None) -> Context:
    items = []
    for name, values in keys.items():
        if values is None:
            continue
        items.append(
            (name.replace("__", ":").replace("_", "-"), (values,) if isinstance(values, str) else tuple(values))
        )
    return tuple(sorted(items))


# -- S3 -------------------------------------------------------------------------------------------------------


def _bucket(params: dict[str, Any]) -> str:
    return f"arn:{PARTITION}:s3:::{params['Bucket']}"


def _object(params: dict[str, Any]) -> str:
    return f"{_bucket(params)}/{params['Key']}"


def _s3_read(call: str, params: dict[str, Any], status: int) -> list[AuthorizationRequest]:
    action = "s3:GetObjectVersion" if params.get("VersionId") else "s3:GetObject"
    requests = [AuthorizationRequest(call, action, _object(params))]
    if status == 404:
        requests.append(AuthorizationRequest(call, "s3:ListBucket", _bucket(params), why=MISSING_KEY_NEEDS_LIST))
    return requests


def _s3_list(call: str, params: dict[str, Any], status: int) -> list[AuthorizationRequest]:
    context = _context(
        s3__prefix=params.get("Prefix", ""),
        s3__delimiter=params.get("Delimiter"),
        s3__max_keys=str(params["MaxKeys"]) if "MaxKeys" in params else None,
    )
    action = "s3:ListBucketVersions" if call.endswith("ListObjectVersions") else "s3:ListBucket"
    return [AuthorizationRequest(call, action, _bucket(params), context)]


def _s3_put(call: str, params: dict[str, Any], status: int) -> list[AuthorizationRequest]:
    return [AuthorizationRequest(call, "s3:PutObject", _object(params))]


def _s3_delete(call: str, params: dict[str, Any], status: int) -> list[AuthorizationRequest]:
    action = "s3:DeleteObjectVersion" if params.get("VersionId") else "s3:DeleteObject"
    return [AuthorizationRequest(call, action, _object(params))]


def _s3_delete_many(call: str, params: dict[str, Any], status: int) -> list[AuthorizationRequest]:
    requests = []
    for entry in params["Delete"]["Objects"]:
        action = "s3:DeleteObjectVersion" if entry.get("VersionId") else "s3:DeleteObject"
        requests.append(AuthorizationRequest(call, action, f"{_bucket(params)}/{entry['Key']}"))
    return requests


def _s3_copy(call: str, params: dict[str, Any], status: int) -> list[AuthorizationRequest]:
    source = params["CopySource"]
    if isinstance(source, dict):
        source_arn = f"arn:{PARTITION}:s3:::{source['Bucket']}/{source['Key']}"
    else:
        source_arn = f"arn:{PARTITION}:s3:::{str(source).split('?', 1)[0].lstrip('/')}"
    return [AuthorizationRequest(call, "s3:GetObject", source_arn), *_s3_put(call, params, status)]


# -- DynamoDB -------------------------------------------------------------------------------------------------


def _table(name: str, region: str, index: str | None = None) -> str:
    arn = f"arn:{PARTITION}:dynamodb:{region}:{ACCOUNT}:table/{name}"
    return f"{arn}/index/{index}" if index else arn


def _leading_keys(item: dict[str, Any] | None) -> Context:
    value = (item or {}).get(TABLE_PARTITION_KEY)
    if not isinstance(value, dict) or len(value) != 1:
        return ()
    return _context(dynamodb__LeadingKeys=[str(next(iter(value.values())))])


def _dynamodb_item(action: str) -> Callable[[str, dict[str, Any], int, str], list[AuthorizationRequest]]:
    def requests(call: str, params: dict[str, Any], status: int, region: str) -> list[AuthorizationRequest]:
        item = params.get("Item") if "Item" in params else params.get("Key")
        return [AuthorizationRequest(call, action, _table(params["TableName"], region), _leading_keys(item))]

    return requests


def _dynamodb_read(action: str) -> Callable[[str, dict[str, Any], int, str], list[AuthorizationRequest]]:
    def requests(call: str, params: dict[str, Any], status: int, region: str) -> list[AuthorizationRequest]:
        return [AuthorizationRequest(call, action, _table(params["TableName"], region, params.get("IndexName")))]

    return requests


_TRANSACT_ACTIONS = {
    "Put": ("dynamodb:PutItem", "Item"),
    "Update": ("dynamodb:UpdateItem", "Key"),
    "Delete": ("dynamodb:DeleteItem", "Key"),
    "ConditionCheck": ("dynamodb:ConditionCheckItem", "Key"),
    "Get": ("dynamodb:GetItem", "Key"),
}


def _dynamodb_transaction(call: str, params: dict[str, Any], status: int, region: str) -> list[AuthorizationRequest]:
    requests = []
    for entry in params["TransactItems"]:
        [(kind, body)] = entry.items()
        action, key_field = _TRANSACT_ACTIONS[kind]
        table = _table(body["TableName"], region)
        requests.append(AuthorizationRequest(call, action, table, _leading_keys(body.get(key_field))))
    return requests


def _dynamodb_batch(action: str) -> Callable[[str, dict[str, Any], int, str], list[AuthorizationRequest]]:
    def requests(call: str, params: dict[str, Any], status: int, region: str) -> list[AuthorizationRequest]:
        return [AuthorizationRequest(call, action, _table(name, region)) for name in params["RequestItems"]]

    return requests


# -- the rest -------------------------------------------------------------------------------------------------


def _assume_role(call: str, params: dict[str, Any], status: int, region: str) -> list[AuthorizationRequest]:
    # aws:ResourceAccount: the role's own account, which the compact grants of many customers name (infra/render.py).
    account = str(params["RoleArn"]).split(":")[4]
    return [AuthorizationRequest(call, "sts:AssumeRole", params["RoleArn"], (("aws:ResourceAccount", (account,)),))]


def _ssm_parameter(name: str, region: str) -> str:
    return f"arn:{PARTITION}:ssm:{region}:{ACCOUNT}:parameter/{name.lstrip('/')}"


def _ssm_get(call: str, params: dict[str, Any], status: int, region: str) -> list[AuthorizationRequest]:
    names = params.get("Names") or [params["Name"]]
    action = "ssm:GetParameters" if "Names" in params else "ssm:GetParameter"
    return [AuthorizationRequest(call, action, _ssm_parameter(name, region)) for name in names]


def _metric_data(call: str, params: dict[str, Any], status: int, region: str) -> list[AuthorizationRequest]:
    return [
        AuthorizationRequest(call, "cloudwatch:PutMetricData", "*", _context(cloudwatch__namespace=params["Namespace"]))
    ]


def _queue_arn(params: dict[str, Any], region: str) -> str:
    if params.get("QueueName"):
        account, name = str(params.get("QueueOwnerAWSAccountId") or ACCOUNT), str(params["QueueName"])
    else:
        # https://sqs.<region>.amazonaws.com/<account>/<name> (or an endpoint's own host, with the same path)
        account, name = str(params["QueueUrl"]).rstrip("/").split("/")[-2:]
    return f"arn:{PARTITION}:sqs:{region}:{account}:{name}"


def _sqs(action: str) -> Callable[[str, dict[str, Any], int, str], list[AuthorizationRequest]]:
    def requests(call: str, params: dict[str, Any], status: int, region: str) -> list[AuthorizationRequest]:
        return [AuthorizationRequest(call, action, _queue_arn(params, region))]

    return requests


def _message_move(call: str, params: dict[str, Any], status: int, region: str) -> list[AuthorizationRequest]:
    # AWS evaluates the move on the source (start, receive, delete) and the send on the destination.
    source, destination = params["SourceArn"], params.get("DestinationArn")
    requests = [
        AuthorizationRequest(call, action, source)
        for action in ("sqs:StartMessageMoveTask", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
    ]
    if destination:
        requests.append(AuthorizationRequest(call, "sqs:SendMessage", destination))
    return requests


ENDPOINT_URL = "_endpoint_url"
"""Where ``tests.deployment.aws_calls`` puts the client's endpoint among a call's parameters: the management API
names its resource by the endpoint (API id and stage), not by a parameter."""


def _manage_connection(method: str) -> Callable[[str, dict[str, Any], int, str], list[AuthorizationRequest]]:
    def requests(call: str, params: dict[str, Any], status: int, region: str) -> list[AuthorizationRequest]:
        endpoint = urlsplit(str(params.get(ENDPOINT_URL) or ""))
        api_id = endpoint.hostname.split(".", 1)[0] if endpoint.hostname else "unknown"
        stage = endpoint.path.strip("/")
        resource = f"arn:{PARTITION}:execute-api:{region}:{ACCOUNT}:{api_id}/{stage}/{method}/@connections/"
        return [AuthorizationRequest(call, "execute-api:ManageConnections", resource + str(params["ConnectionId"]))]

    return requests


def _always_allowed(call: str, params: dict[str, Any], status: int, region: str) -> list[AuthorizationRequest]:
    # AWS authorizes sts:GetCallerIdentity for every principal; no policy can deny it.
    return []


def _s3(
    handler: Callable[[str, dict[str, Any], int], list[AuthorizationRequest]],
) -> Callable[..., list[AuthorizationRequest]]:
    return lambda call, params, status, region: handler(call, params, status)


OPERATIONS: dict[tuple[str, str], Callable[[str, dict[str, Any], int, str], list[AuthorizationRequest]]] = {
    ("s3", "GetObject"): _s3(_s3_read),
    ("s3", "HeadObject"): _s3(_s3_read),
    ("s3", "ListObjectsV2"): _s3(_s3_list),
    ("s3", "ListObjects"): _s3(_s3_list),
    ("s3", "ListObjectVersions"): _s3(_s3_list),
    ("s3", "PutObject"): _s3(_s3_put),
    ("s3", "DeleteObject"): _s3(_s3_delete),
    ("s3", "DeleteObjects"): _s3(_s3_delete_many),
    ("s3", "CopyObject"): _s3(_s3_copy),
    ("dynamodb", "GetItem"): _dynamodb_item("dynamodb:GetItem"),
    ("dynamodb", "PutItem"): _dynamodb_item("dynamodb:PutItem"),
    ("dynamodb", "UpdateItem"): _dynamodb_item("dynamodb:UpdateItem"),
    ("dynamodb", "DeleteItem"): _dynamodb_item("dynamodb:DeleteItem"),
    ("dynamodb", "Query"): _dynamodb_read("dynamodb:Query"),
    ("dynamodb", "Scan"): _dynamodb_read("dynamodb:Scan"),
    ("dynamodb", "TransactWriteItems"): _dynamodb_transaction,
    ("dynamodb", "TransactGetItems"): _dynamodb_transaction,
    ("dynamodb", "BatchWriteItem"): _dynamodb_batch("dynamodb:BatchWriteItem"),
    ("dynamodb", "BatchGetItem"): _dynamodb_batch("dynamodb:BatchGetItem"),
    ("sts", "AssumeRole"): _assume_role,
    ("sts", "GetCallerIdentity"): _always_allowed,
    ("ssm", "GetParameter"): _ssm_get,
    ("ssm", "GetParameters"): _ssm_get,
    ("cloudwatch", "PutMetricData"): _metric_data,
    ("sqs", "GetQueueUrl"): _sqs("sqs:GetQueueUrl"),
    ("sqs", "GetQueueAttributes"): _sqs("sqs:GetQueueAttributes"),
    ("sqs", "ReceiveMessage"): _sqs("sqs:ReceiveMessage"),
    ("sqs", "SendMessage"): _sqs("sqs:SendMessage"),
    ("sqs", "SendMessageBatch"): _sqs("sqs:SendMessage"),
    ("sqs", "DeleteMessage"): _sqs("sqs:DeleteMessage"),
    ("sqs", "DeleteMessageBatch"): _sqs("sqs:DeleteMessage"),
    ("sqs", "StartMessageMoveTask"): _message_move,
    ("apigatewaymanagementapi", "PostToConnection"): _manage_connection("POST"),
    ("apigatewaymanagementapi", "DeleteConnection"): _manage_connection("DELETE"),
}


def requests_for(
    service: str, operation: str, params: dict[str, Any], *, region: str, status: int
) -> list[AuthorizationRequest]:
    """The authorization requests AWS evaluates for one call that answered ``status``."""
    handler = OPERATIONS.get((service, operation))
    if handler is None:
        raise UnmappedCall(f"{service} {operation}")
    return handler(f"{service} {operation}", params, status, region)
