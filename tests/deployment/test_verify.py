"""``make verify-deployment``'s logic, against a stand-in portal and moto's CloudWatch Logs (it needs a real stack)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from infra import verify
from infra.verify import CloudWatchMetrics, Response

PORTAL = "https://portal.example.com"
OUTPUTS = {
    "PortalUrl": PORTAL + "/",
    "SamlVersionArn": "arn:aws:lambda:us-east-1:123456789012:function:ccm-prod-saml:7",
}
COOKIE = "SAML_SESSION=v1.current.payload.signature"


@dataclass
class Portal:
    """What CloudFront and the API answer; ``forwards_if_match`` is the origin request policy's choice."""

    forwards_if_match: bool = True
    items: list[dict[str, str]] = field(default_factory=lambda: [{"id": "CHG-1"}])
    saml_status: int = 403
    requests: list[tuple[str, str, dict[str, str], bytes | None]] = field(default_factory=list)

    def __call__(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> Response:
        self.requests.append((method, url, headers, body))
        path = url.removeprefix(PORTAL)
        if method == "GET" and path.startswith("/api/changes"):
            return Response(200, json.dumps({"items": self.items, "count": len(self.items)}).encode())
        if method == "GET" and path.startswith("/api/announcements"):
            return Response(200, b'{"items": [], "count": 0}')
        if method == "PUT":
            assert headers["x-amz-content-sha256"] and body == b"{}"
            stale = self.forwards_if_match and headers.get("If-Match") == verify.STALE_ETAG
            return Response(412 if stale else 200, b"{}")
        if method == "POST" and path == "/saml/acs":
            return Response(self.saml_status, b"refused")
        return Response(404, b"")


@dataclass
class Clock:
    now: datetime = datetime(2030, 1, 1, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class CountedAfter(CloudWatchMetrics):
    """moto's log groups; the metric (Metrics Insights, which moto lacks) appears in ``region`` after a delay."""

    def __init__(self, clock: Clock, region: str, after: timedelta) -> None:
        super().__init__(boto3.Session())
        self.clock, self.region, self.appears = clock, region, clock.now + after

    def sum_since(self, region: str, since: datetime, until: datetime) -> float:
        return 1.0 if region == self.region and self.clock.now >= self.appears else 0.0


@pytest.fixture
def saml_logs_in_frankfurt(aws: None) -> None:
    boto3.client("logs", region_name="eu-central-1").create_log_group(
        logGroupName="/aws/lambda/us-east-1.ccm-prod-saml"
    )


def run(portal: Portal, metrics: CloudWatchMetrics, clock: Clock) -> list[str]:
    results = verify.verify(OUTPUTS, COOKIE, portal, metrics, now=clock, sleep=clock.sleep)
    return [result.line() for result in results]


def test_a_stack_that_forwards_if_match_and_counts_refusals_passes(saml_logs_in_frankfurt: None) -> None:
    clock, portal = Clock(), Portal()

    lines = run(portal, CountedAfter(clock, "eu-central-1", timedelta(seconds=90)), clock)

    assert lines == [
        "PASS If-Match reaches the API: PUT /api/changes/CHG-1 with a stale If-Match answered 412",
        "PASS SignInsRejected arrives in CloudWatch: the refused sign-in (answered 403) was counted in eu-central-1 "
        "within 90 s",
    ]
    [put] = [r for r in portal.requests if r[0] == "PUT"]
    assert put[2]["Cookie"] == COOKIE and put[2]["If-Match"] == verify.STALE_ETAG


def test_a_policy_that_drops_if_match_fails_and_the_put_changed_nothing(saml_logs_in_frankfurt: None) -> None:
    clock = Clock()

    lines = run(Portal(forwards_if_match=False), CountedAfter(clock, "eu-central-1", timedelta(0)), clock)

    assert lines[0] == (
        "FAIL If-Match reaches the API: PUT /api/changes/CHG-1 with a stale If-Match answered 200, not 412: "
        "the API origin request policy does not forward If-Match"
    )


def test_a_metric_that_never_arrives_fails_after_the_wait_naming_where_it_looked(saml_logs_in_frankfurt: None) -> None:
    clock = Clock()

    lines = run(Portal(), CountedAfter(clock, "eu-central-1", timedelta(hours=1)), clock)

    assert (
        lines[1] == "FAIL SignInsRejected arrives in CloudWatch: nothing counted after 360 s (looked in: eu-central-1)"
    )


def test_a_sign_in_that_is_not_refused_fails_at_once(saml_logs_in_frankfurt: None) -> None:
    clock = Clock()

    lines = run(Portal(saml_status=502), CountedAfter(clock, "eu-central-1", timedelta(0)), clock)

    assert lines[1] == (
        "FAIL SignInsRejected arrives in CloudWatch: POST /saml/acs with a response that is not SAML answered 502, "
        "not 4xx"
    )


def test_without_any_object_the_api_check_says_what_to_do(saml_logs_in_frankfurt: None) -> None:
    clock = Clock()

    lines = run(Portal(items=[]), CountedAfter(clock, "eu-central-1", timedelta(0)), clock)

    assert lines[0].startswith("FAIL If-Match reaches the API: no change or announcement exists yet")


def test_without_a_session_cookie_it_explains_and_touches_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CCM_SESSION_COOKIE", raising=False)

    assert verify.main([]) == 2

    assert "CCM_SESSION_COOKIE is not set: sign in to the portal" in capsys.readouterr().err
