"""``ccm domain``: SES identities with Easy DKIM, MAIL FROM, configuration sets, and their Route 53 records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from ccm.config import AppConfig
from tests.cli.conftest import Ccm
from tests.fakes.aws_watch import AwsWatch, dkim_tokens

if TYPE_CHECKING:
    from mypy_boto3_route53 import Route53Client

DNS_ACCOUNT_ROLE = "arn:aws:iam::300000000000:role/ccm-dns-management"
DOMAIN = "mail.example.com"
SES_WRITES = [
    "CreateEmailIdentity",
    "PutEmailIdentityMailFromAttributes",
    "CreateConfigurationSet",
    "CreateConfigurationSetEventDestination",
    "UpdateConfigurationSetEventDestination",
    "PutEmailIdentityConfigurationSetAttributes",
]


def dns_account() -> Route53Client:
    credentials = boto3.client("sts").assume_role(RoleArn=DNS_ACCOUNT_ROLE, RoleSessionName="test-setup")["Credentials"]
    return boto3.client(
        "route53",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def add_records(zone_id: str, records: list[tuple[str, str, list[str]]]) -> None:
    changes: list[Any] = [
        {
            "Action": "UPSERT",
            "ResourceRecordSet": {
                "Name": name,
                "Type": kind,
                "TTL": 3600,
                "ResourceRecords": [{"Value": v} for v in values],
            },
        }
        for name, kind, values in records
    ]
    dns_account().change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})


@pytest.fixture
def zone(watch: AwsWatch) -> str:
    """The zone in the DNS account, already holding someone else's TXT values at the apex."""
    route53 = dns_account()
    zone_id: str = route53.create_hosted_zone(Name=DOMAIN, CallerReference="test")["HostedZone"]["Id"]
    add_records(
        zone_id, [(DOMAIN, "TXT", ['"google-site-verification=abc"', '"v=spf1 include:_spf.example.net -all"'])]
    )
    return zone_id


def zone_records(zone_id: str) -> dict[tuple[str, str], list[str]]:
    route53 = dns_account()
    found: dict[tuple[str, str], list[str]] = {}
    for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
        for record in page["ResourceRecordSets"]:
            key = (record["Name"].rstrip("."), record["Type"])
            assert key not in found, f"{key} appears twice"
            found[key] = [r["Value"] for r in record.get("ResourceRecords", [])]
    return found


def setup(ccm: Ccm, zone_id: str, *extra: str, expect_exit: int = 0) -> Any:
    return ccm.json(
        "domain",
        "setup",
        "-c",
        "bravo",
        "-c",
        "charlie",
        "--zone-id",
        zone_id,
        "--ses-rps",
        "0",
        *extra,
        expect_exit=expect_exit,
    )


def test_setting_up_the_domain_twice_writes_every_record_once_and_keeps_other_values(
    ccm: Ccm, watch: AwsWatch, zone: str, app_config: AppConfig
) -> None:
    add_records(zone, [(f"host{i}.{DOMAIN}", "A", [f"10.0.{i // 256}.{i % 256}"]) for i in range(310)])
    first = setup(ccm, zone)
    assert first["failed"] == 0 and first["dns_error"] is None

    records = zone_records(zone)
    for code in ("bravo", "charlie"):
        for token in dkim_tokens(app_config.customer(code).account_id, DOMAIN):
            assert records[(f"{token}._domainkey.{DOMAIN}", "CNAME")] == [f"{token}.dkim.amazonses.com"]
    assert records[(DOMAIN, "TXT")] == [
        '"google-site-verification=abc"',
        '"v=spf1 include:_spf.example.net include:amazonses.com -all"',
    ]
    assert records[(f"_dmarc.{DOMAIN}", "TXT")] == [
        '"v=DMARC1; p=none; rua=mailto:dmarc-reports@mail.example.com; pct=100; adkim=s; aspf=s"'
    ]
    assert records[(f"bounce.{DOMAIN}", "MX")] == ["10 feedback-smtp.us-east-1.amazonses.com"]
    assert records[(f"bounce.{DOMAIN}", "TXT")] == ['"v=spf1 include:amazonses.com ~all"']
    assert len(records) == 2 + 310 + 1 + 6 + 1 + 2  # SOA and NS, theirs, the apex TXT, DKIM, DMARC, MAIL FROM

    watch.reset()
    second = setup(ccm, zone)

    assert second["dns"]["change_batches"] == []
    assert watch.count("route-53", ["ChangeResourceRecordSets"]) == 0
    assert (
        watch.count("route-53", ["ListResourceRecordSets"]) == 2
    )  # every page (300 each) of a zone of 322 record sets
    assert watch.count("sesv2", SES_WRITES) == 0
    assert zone_records(zone) == records
    assert {r["steps"]["identity"] for r in second["results"]} == {"unchanged"}


def test_a_dry_run_prints_the_exact_change_batch_and_writes_nothing(
    ccm: Ccm, watch: AwsWatch, zone: str, app_config: AppConfig
) -> None:
    from moto.ses.models import ses_backends

    ses_backends[app_config.customer("bravo").account_id]["us-east-1"].create_email_identity_v2(
        DOMAIN, None, None, None
    )
    bravo_tokens = ["tok1", "tok2", "tok3"]
    identity = ses_backends[app_config.customer("bravo").account_id]["us-east-1"].email_identities[DOMAIN]
    identity.dkim_attributes["Tokens"] = bravo_tokens
    before = zone_records(zone)
    watch.reset()

    result = ccm.json("domain", "setup", "-c", "bravo", "--zone-id", zone, "--dry-run", "--ses-rps", "0")

    assert watch.count("route-53", ["ChangeResourceRecordSets"]) == 0
    assert watch.count("sesv2", SES_WRITES) == 0
    assert zone_records(zone) == before
    (batch,) = result["dns"]["change_batches"]
    changes = {(c["ResourceRecordSet"]["Name"], c["ResourceRecordSet"]["Type"]): c for c in batch["Changes"]}
    assert all(c["Action"] == "UPSERT" for c in batch["Changes"])
    assert changes[("tok1._domainkey.mail.example.com.", "CNAME")]["ResourceRecordSet"] == {
        "Name": "tok1._domainkey.mail.example.com.",
        "Type": "CNAME",
        "TTL": 600,
        "ResourceRecords": [{"Value": "tok1.dkim.amazonses.com"}],
    }
    assert changes[("mail.example.com.", "TXT")]["ResourceRecordSet"]["TTL"] == 3600  # the set's own TTL is kept
    assert result["results"][0]["steps"]["mail_from"] == "would-updated"
    human = ccm("domain", "setup", "-c", "bravo", "--zone-id", zone, "--dry-run", "--ses-rps", "0")
    assert '"Action": "UPSERT"' in human.stdout


def with_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    from tests.conftest import CONFIG_PATH

    document = json.loads(CONFIG_PATH.read_text())
    change(document)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document))
    monkeypatch.setenv("CCM_CONFIG", str(path))


def test_bounce_and_complaint_events_go_to_the_customers_sns_topic(
    ccm: Ccm, watch: AwsWatch, zone: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic = "arn:aws:sns:us-east-1:100000000002:bravo-ses-events"
    with_config(
        tmp_path,
        monkeypatch,
        lambda d: d["customer_mappings"]["bravo"].update(deliverability_sns_topic_arn=topic),
    )
    first = setup(ccm, zone)
    steps = {r["customer"]: r["steps"] for r in first["results"]}
    assert steps["bravo"]["event_destination"] == "created"
    assert "event_destination" not in steps["charlie"]
    destinations = watch.ses.destinations[("100000000002", "us-east-1")]["bravo-ccm-emails"]
    assert destinations["email-events"]["SnsDestination"] == {"TopicArn": topic}
    assert set(destinations["email-events"]["MatchingEventTypes"]) >= {"BOUNCE", "COMPLAINT", "DELIVERY"}

    second = setup(ccm, zone)
    assert {r["customer"]: r["steps"] for r in second["results"]}["bravo"]["event_destination"] == "unchanged"


def test_status_reports_verification_and_dkim_per_customer(ccm: Ccm, zone: str) -> None:
    setup(ccm, zone)
    status = ccm.json("domain", "status", "-c", "bravo", "-c", "delta", "--ses-rps", "0")
    by_code = {r["customer"]: r for r in status["results"]}
    assert by_code["bravo"]["identity"]["dkim_status"] == "PENDING"
    assert len(by_code["bravo"]["identity"]["dkim_tokens"]) == 3
    assert by_code["bravo"]["identity"]["mail_from_domain"] == f"bounce.{DOMAIN}"
    assert by_code["bravo"]["identity"]["configuration_set"] == "bravo-ccm-emails"
    assert by_code["delta"]["identity"]["exists"] is False
    assert by_code["bravo"]["max_send_rate"] == 14.0


def test_deliverability_needs_the_identity_first(ccm: Ccm, zone: str) -> None:
    result = ccm.json("domain", "deliverability", "-c", "delta", "--zone-id", zone, "--ses-rps", "0", expect_exit=1)
    assert "not an SES identity in this account yet" in result["results"][0]["error"]


def test_show_dns_offline_prints_the_records_that_need_no_aws(ccm: Ccm) -> None:
    shown = ccm.json("domain", "show-dns", "--offline")
    assert [(r["name"], r["type"]) for r in shown["records"]] == [
        (DOMAIN, "TXT"),
        (f"_dmarc.{DOMAIN}", "TXT"),
        (f"bounce.{DOMAIN}", "TXT"),
        (f"bounce.{DOMAIN}", "MX"),
    ]


def test_show_dns_includes_each_customers_dkim_selectors(ccm: Ccm, zone: str, app_config: AppConfig) -> None:
    setup(ccm, zone)
    shown = ccm.json("domain", "show-dns", "-c", "bravo", "-c", "echo", "--ses-rps", "0")
    cnames = {r["name"] for r in shown["records"] if r["type"] == "CNAME"}
    assert cnames == {f"{t}._domainkey.{DOMAIN}" for t in dkim_tokens(app_config.customer("bravo").account_id, DOMAIN)}
    assert shown["without_dkim_tokens"] == ["echo"]


def test_records_outside_the_zone_are_refused(ccm: Ccm, watch: AwsWatch) -> None:
    route53 = dns_account()
    other = route53.create_hosted_zone(Name="other.example.org", CallerReference="x")["HostedZone"]["Id"]
    result = setup(ccm, other, expect_exit=1)
    assert "is not inside hosted zone other.example.org" in result["dns_error"]
    assert watch.count("route-53", ["ChangeResourceRecordSets"]) == 0


def test_each_customers_ses_events_reach_the_central_queue_through_a_topic_in_its_own_account(
    ccm: Ccm, watch: AwsWatch, zone: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="ccm-ses-events")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    with_config(tmp_path, monkeypatch, lambda d: d["email_config"].update(ses_events_queue_arn=queue))

    first = setup(ccm, zone)
    second = setup(ccm, zone)

    steps = {r["customer"]: r["steps"] for r in first["results"]}["bravo"]
    assert (steps["events_topic"], steps["events_topic_policy"], steps["events_subscription"]) == (
        "created",
        "updated",
        "created",
    )
    again = {r["customer"]: r["steps"] for r in second["results"]}["bravo"]
    assert {again[name] for name in ("events_topic", "events_topic_policy", "events_subscription")} == {"unchanged"}
    topic = "arn:aws:sns:us-east-1:100000000002:ccm-ses-events"
    customer_sns = customer_client("bravo", "sns")
    policy = json.loads(customer_sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    publish, subscribe = policy["Statement"]
    assert publish["Principal"] == {"Service": "ses.amazonaws.com"}
    assert publish["Condition"]["StringEquals"] == {"AWS:SourceAccount": "100000000002"}
    assert subscribe["Condition"]["StringEquals"] == {"sns:Protocol": "sqs", "sns:Endpoint": queue}
    (subscription,) = boto3.client("sns", region_name="us-east-1").list_subscriptions_by_topic(TopicArn=topic)[
        "Subscriptions"
    ]
    assert (subscription["Owner"], subscription["Endpoint"]) == ("123456789012", queue)
    destinations = watch.ses.destinations[("100000000002", "us-east-1")]["bravo-ccm-emails"]
    assert destinations["email-events"]["SnsDestination"] == {"TopicArn": topic}
    assert set(destinations["email-events"]["MatchingEventTypes"]) == {
        "SEND",
        "DELIVERY",
        "BOUNCE",
        "COMPLAINT",
        "REJECT",
        "DELIVERY_DELAY",
        "RENDERING_FAILURE",
        "SUBSCRIPTION",
    }


def customer_client(code: str, service: str) -> Any:
    from ccm.aws.assume import RoleSessions
    from ccm.config import load_config
    from tests.conftest import CONFIG_PATH

    customer = load_config(CONFIG_PATH).customer(code)
    session: Any = RoleSessions(session_prefix="ccm-test").session(customer.ses_role_arn, customer.region)
    return session.client(service)
