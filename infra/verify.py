"""``make verify-deployment``: two facts only a deployed stack can prove, checked without changing anything.

1. **Conditional headers reach the API.** Through CloudFront, ``PUT /api/changes/<id>`` (or an announcement)
   with an ``If-Match`` that cannot be current answers 412: the origin request policy forwards ``If-Match``. The
   body is ``{}``, which changes nothing, so even a stack that drops the header writes nothing.
2. **Refused sign-ins are counted.** A ``POST /saml/acs`` with a response that is not SAML is refused, and the
   edge's ``SignInsRejected`` metric arrives in CloudWatch. Lambda@Edge writes its metrics in the region of the
   edge location that ran it, so every region where the SAML function has a log group is asked.

Needs: samconfig.toml (the stack), AWS credentials allowed ``cloudformation:DescribeStacks``,
``logs:DescribeLogGroups`` and ``cloudwatch:GetMetricData``, and ``CCM_SESSION_COOKIE``: the ``Cookie`` header of
a signed-in portal session (copy it from the browser's developer tools), for the API check.

Usage: ``CCM_SESSION_COOKIE='...' make verify-deployment`` (``python -m infra.verify --help``).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import boto3

from ccm.aws.clients import RETRY_CONFIG
from infra.stack import SAMCONFIG, DeploymentError, read_samconfig, stack_outputs

STALE_ETAG = '"00000000000000000000000000000000"'
METRIC_QUERY = 'SELECT SUM(SignInsRejected) FROM "CCM"'
EDGE_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "me-south-1", "af-south-1",
)  # fmt: skip
"""Regions that host CloudFront's regional edge caches, where Lambda@Edge runs and logs."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes


class Transport(Protocol):
    def __call__(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> Response: ...


def https(method: str, url: str, headers: dict[str, str], body: bytes | None) -> Response:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return Response(answer.status, answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read())


@dataclass(frozen=True)
class Result:
    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.detail}"


def _with_body(headers: dict[str, str], body: bytes) -> dict[str, str]:
    # Origin access control signs a request with a body only when the client sends the body's SHA-256.
    return {**headers, "Content-Type": "application/json", "x-amz-content-sha256": hashlib.sha256(body).hexdigest()}


def _first_object(portal: str, cookie: str, send: Transport) -> tuple[str, str] | None:
    for kind in ("changes", "announcements"):
        answer = send("GET", f"{portal}/api/{kind}?limit=1", {"Cookie": cookie, "Accept": "application/json"}, None)
        if answer.status != 200:
            raise DeploymentError(f"GET /api/{kind} answered {answer.status}: is CCM_SESSION_COOKIE a live session?")
        items = json.loads(answer.body).get("items", [])
        if items:
            item = items[0]
            object_id = item.get("id") or item.get("changeId") or item.get("announcementId")
            if object_id:
                return kind, str(object_id)
    return None


def check_conditional_headers(portal: str, cookie: str, send: Transport) -> Result:
    name = "If-Match reaches the API"
    found = _first_object(portal, cookie, send)
    if found is None:
        return Result(name, False, "no change or announcement exists yet to try it on; create one, then run again")
    kind, object_id = found
    body = b"{}"
    headers = _with_body({"Cookie": cookie, "Accept": "application/json", "If-Match": STALE_ETAG}, body)
    answer = send("PUT", f"{portal}/api/{kind}/{object_id}", headers, body)
    where = f"PUT /api/{kind}/{object_id} with a stale If-Match answered {answer.status}"
    if answer.status == 412:
        return Result(name, True, where)
    return Result(name, False, f"{where}, not 412: the API origin request policy does not forward If-Match")


class MetricsSource(Protocol):
    def log_group_exists(self, region: str, name: str) -> bool: ...

    def sum_since(self, region: str, since: datetime, until: datetime) -> float: ...


@dataclass
class CloudWatchMetrics:
    """Log groups and metric sums through boto3, one client per region."""

    session: boto3.Session

    def log_group_exists(self, region: str, name: str) -> bool:
        logs = self.session.client("logs", region_name=region, config=RETRY_CONFIG)
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name):
            if any(group["logGroupName"] == name for group in page.get("logGroups", [])):
                return True
        return False

    def sum_since(self, region: str, since: datetime, until: datetime) -> float:
        cloudwatch = self.session.client("cloudwatch", region_name=region, config=RETRY_CONFIG)
        total = 0.0
        query = [{"Id": "rejected", "Expression": METRIC_QUERY, "Period": 60}]
        for page in cloudwatch.get_paginator("get_metric_data").paginate(
            MetricDataQueries=query,
            StartTime=since,
            EndTime=until,
        ):
            total += sum(sum(result.get("Values", [])) for result in page["MetricDataResults"])
        return total


def saml_function_name(outputs: dict[str, str]) -> str:
    # SamlVersionArn is arn:aws:lambda:us-east-1:<account>:function:<name>:<version>
    return outputs["SamlVersionArn"].split(":")[6]


def check_rejection_metric(
    portal: str,
    function_name: str,
    send: Transport,
    metrics: MetricsSource,
    *,
    regions: Iterable[str] = EDGE_REGIONS,
    wait: timedelta = timedelta(minutes=6),
    poll: timedelta = timedelta(seconds=30),
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    name = "SignInsRejected arrives in CloudWatch"
    started = now() - timedelta(minutes=1)
    junk = base64.b64encode(b"<not-a-saml-response/>").decode()
    body = f"SAMLResponse={junk}".encode()
    answer = send("POST", f"{portal}/saml/acs", {"Content-Type": "application/x-www-form-urlencoded"}, body)
    if not 400 <= answer.status < 500:
        return Result(name, False, f"POST /saml/acs with a response that is not SAML answered {answer.status}, not 4xx")
    log_group = f"/aws/lambda/us-east-1.{function_name}"
    while True:
        where = [region for region in regions if metrics.log_group_exists(region, log_group)]
        counted = {region: metrics.sum_since(region, started, now()) for region in where}
        arrived = sorted(region for region, total in counted.items() if total >= 1)
        waited = now() - started - timedelta(minutes=1)
        if arrived:
            return Result(
                name,
                True,
                f"the refused sign-in (answered {answer.status}) was counted in {', '.join(arrived)} "
                f"within {max(0, int(waited.total_seconds()))} s",
            )
        if waited >= wait:
            looked = ", ".join(where) or f"no region has {log_group}"
            return Result(name, False, f"nothing counted after {int(wait.total_seconds())} s (looked in: {looked})")
        sleep(poll.total_seconds())


def verify(
    outputs: dict[str, str], cookie: str, send: Transport, metrics: MetricsSource, **waiting: Any
) -> list[Result]:
    portal = outputs["PortalUrl"].rstrip("/")
    return [
        check_conditional_headers(portal, cookie, send),
        check_rejection_metric(portal, saml_function_name(outputs), send, metrics, **waiting),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.verify", description=__doc__.splitlines()[0])
    parser.add_argument("--config-env", default="default", help="the samconfig.toml environment")
    args = parser.parse_args(argv)
    cookie = os.environ.get("CCM_SESSION_COOKIE", "").strip()
    try:
        if not cookie:
            raise DeploymentError(
                "CCM_SESSION_COOKIE is not set: sign in to the portal and copy the Cookie header of any /api request"
            )
        target = read_samconfig(SAMCONFIG, args.config_env)
        outputs = stack_outputs(target.stack_name, target.region)
        results = verify(outputs, cookie, https, CloudWatchMetrics(boto3.Session()))
    except DeploymentError as error:
        print(f"cannot verify the deployment: {error}", file=sys.stderr)
        return 2
    for result in results:
        print(result.line(), flush=True)
    return 0 if all(result.passed for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
