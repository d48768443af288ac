"""``ccm ses``: lists, contacts, topics, suppression, backup and restore in each customer's own SES account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccm.config import AppConfig
from tests.cli.conftest import Ccm
from tests.fakes.aws_watch import AwsWatch
from tests.fakes.ses_state import contact_lists, set_contact, stored_contacts

NO_LIMIT = ("--ses-rps", "0")


@pytest.fixture
def bravo(ccm: Ccm, app_config: AppConfig) -> str:
    """Bravo's SES account, with its contact list created by the CLI."""
    ccm.json("ses", "lists", "create", "--customer", "bravo", *NO_LIMIT)
    return app_config.customer("bravo").account_id


def test_creating_the_list_twice_creates_it_once(ccm: Ccm, watch: AwsWatch, bravo: str) -> None:
    again = ccm.json("ses", "lists", "create", "--customer", "bravo", *NO_LIMIT)
    assert again["results"][0]["outcome"] == "unchanged"
    assert contact_lists(bravo) == ["ccm-customer-contacts"]
    assert watch.count("sesv2", ["CreateContactList"]) == 1


def test_a_dry_run_of_list_creation_creates_nothing(ccm: Ccm, watch: AwsWatch, app_config: AppConfig) -> None:
    result = ccm.json("ses", "lists", "create", "--customer", "charlie", "--dry-run", *NO_LIMIT)
    assert result["results"][0]["outcome"] == "would-created"
    assert contact_lists(app_config.customer("charlie").account_id) == []
    assert watch.ses_contact_writes() == 0


def test_adding_topics_to_a_contact_updates_it_in_place_and_keeps_its_opt_outs(
    ccm: Ccm, watch: AwsWatch, bravo: str
) -> None:
    ccm.json("ses", "contacts", "add", "-c", "bravo", "-e", "ops@example.com", "--topics", "aws-calendar", *NO_LIMIT)
    set_contact(bravo, "ops@example.com", {"aws-calendar": "OPT_IN", "cic-announce": "OPT_OUT"}, unsubscribe_all=True)
    watch.reset()

    result = ccm.json(
        "ses", "contacts", "add", "-c", "bravo", "-e", "ops@example.com", "--topics", "aws-approval", *NO_LIMIT
    )

    assert result["results"][0]["contacts"] == {"ops@example.com": "updated"}
    contact = stored_contacts(bravo)["ops@example.com"]
    assert contact.preferences == {"aws-calendar": "OPT_IN", "cic-announce": "OPT_OUT", "aws-approval": "OPT_IN"}
    assert contact.unsubscribe_all is True
    assert watch.count("sesv2", ["UpdateContact"]) == 1
    assert watch.count("sesv2", ["DeleteContact", "CreateContact"]) == 0


def test_unsubscribing_records_an_explicit_opt_out_and_subscribing_an_opt_in(ccm: Ccm, bravo: str) -> None:
    ccm.json("ses", "contacts", "add", "-c", "bravo", "-e", "a@example.com", "-e", "b@example.com", *NO_LIMIT)
    ccm.json(
        "ses", "contacts", "unsubscribe", "-c", "bravo", "-e", "a@example.com", "--topics", "aws-announce", *NO_LIMIT
    )
    ccm.json(
        "ses", "contacts", "subscribe", "-c", "bravo", "-e", "b@example.com", "--topics", "inner-announce", *NO_LIMIT
    )

    contacts = stored_contacts(bravo)
    assert contacts["a@example.com"].preferences == {"aws-announce": "OPT_OUT"}
    assert contacts["b@example.com"].preferences == {"inner-announce": "OPT_IN"}
    shown = ccm.json("ses", "contacts", "show", "-c", "bravo", "-e", "a@example.com", *NO_LIMIT)["results"][0]
    announce = next(t for t in shown["topics"] if t["topic"] == "aws-announce")
    calendar = next(t for t in shown["topics"] if t["topic"] == "aws-calendar")
    assert announce == {"topic": "aws-announce", "status": "OPT_OUT", "explicit": True}
    assert calendar == {"topic": "aws-calendar", "status": "OPT_OUT", "explicit": False}
    assert "cic-announce" in shown["receives"]  # a default OPT_IN topic


def test_an_unknown_topic_is_refused_with_the_topics_that_exist(ccm: Ccm, bravo: str) -> None:
    result = ccm.json(
        "ses", "contacts", "add", "-c", "bravo", "-e", "x@example.com", "--topics", "nope", *NO_LIMIT, expect_exit=1
    )
    assert "unknown topic(s) nope" in result["results"][0]["error"]
    assert "aws-calendar" in result["results"][0]["error"]
    assert stored_contacts(bravo) == {}


def test_removing_a_contact_that_is_not_there_reports_it_absent(ccm: Ccm, bravo: str) -> None:
    ccm.json("ses", "contacts", "add", "-c", "bravo", "-e", "gone@example.com", *NO_LIMIT)
    first = ccm.json("ses", "contacts", "remove", "-c", "bravo", "-e", "gone@example.com", *NO_LIMIT)
    second = ccm.json("ses", "contacts", "remove", "-c", "bravo", "-e", "gone@example.com", *NO_LIMIT)
    assert first["results"][0]["contacts"] == {"gone@example.com": "removed"}
    assert second["results"][0]["contacts"] == {"gone@example.com": "absent"}


def seed_contacts(account: str, count: int) -> None:
    for i in range(count):
        set_contact(account, f"person{i:03}@example.com", {"aws-calendar": "OPT_IN"} if i % 3 == 0 else {})


def test_listing_contacts_reads_every_page(ccm: Ccm, watch: AwsWatch, bravo: str) -> None:
    seed_contacts(bravo, 60)

    result = ccm.json("ses", "contacts", "list", "-c", "bravo", *NO_LIMIT)
    calendar = ccm.json("ses", "contacts", "list", "-c", "bravo", "--topic", "aws-calendar", *NO_LIMIT)

    assert len(result["results"][0]["contacts"]) == 60
    assert watch.count("sesv2", ["ListContacts"]) == 6  # 25 + 25 + 10, twice
    assert len(calendar["results"][0]["contacts"]) == 20


def test_topic_counts_follow_the_topic_default_for_contacts_without_a_choice(ccm: Ccm, bravo: str) -> None:
    seed_contacts(bravo, 30)
    set_contact(bravo, "quiet@example.com", {"aws-announce": "OPT_IN"}, unsubscribe_all=True)

    topics = ccm.json("ses", "topics", "describe", "-c", "bravo", *NO_LIMIT)["results"][0]["topics"]

    by_name = {t["topic"]: t for t in topics}
    assert (by_name["aws-calendar"]["explicit_opt_in"], by_name["aws-calendar"]["by_default_out"]) == (10, 21)
    assert by_name["aws-announce"]["opted_in"] == 31
    assert by_name["aws-announce"]["receivers"] == 30  # the unsubscribed-from-all contact receives nothing


def test_topics_are_updated_in_place_and_contacts_keep_their_preferences(ccm: Ccm, watch: AwsWatch, bravo: str) -> None:
    from moto.sesv2.models import sesv2_backends

    seed_contacts(bravo, 5)
    stored = sesv2_backends[bravo]["us-east-1"].get_contact_list("ccm-customer-contacts")
    stored.topics = [t for t in stored.topics if t["TopicName"] != "finops-announce"]
    stored.topics[0] = {**stored.topics[0], "Description": "stale"}
    stored.topics.append({"TopicName": "retired", "DisplayName": "Retired", "DefaultSubscriptionStatus": "OPT_OUT"})
    before = stored_contacts(bravo)
    watch.reset()

    plan = ccm.json("ses", "topics", "update", "-c", "bravo", "--dry-run", *NO_LIMIT)["results"][0]
    assert (plan["add"], plan["change"], plan["remove"]) == (["finops-announce"], ["aws-calendar"], ["retired"])
    assert watch.ses_contact_writes() == 0

    applied = ccm.json("ses", "topics", "manage", "-c", "bravo", *NO_LIMIT)["results"][0]
    assert applied["outcome"] == "updated"
    assert watch.count("sesv2", ["UpdateContactList"]) == 1
    assert watch.count("sesv2", ["DeleteContactList", "CreateContactList", "DeleteContact", "CreateContact"]) == 0
    assert stored_contacts(bravo) == before
    again = ccm.json("ses", "topics", "update", "-c", "bravo", *NO_LIMIT)["results"][0]
    assert again["outcome"] == "unchanged"


def test_suppression_add_list_every_page_and_remove(ccm: Ccm, watch: AwsWatch, bravo: str) -> None:
    emails = [f"bounced{i}@example.com" for i in range(30)]
    ccm.json("ses", "suppression", "add", "-c", "bravo", *(a for e in emails for a in ("-e", e)), *NO_LIMIT)
    ccm.json("ses", "suppression", "add", "-c", "bravo", "-e", "angry@example.com", "--reason", "complaint", *NO_LIMIT)

    listed = ccm.json("ses", "suppression", "list", "-c", "bravo", *NO_LIMIT)["results"][0]["suppressed"]
    assert len(listed) == 31
    assert watch.count("sesv2", ["ListSuppressedDestinations"]) == 2
    assert {e["reason"] for e in listed if e["email"] == "angry@example.com"} == {"COMPLAINT"}

    removed = ccm.json("ses", "suppression", "remove", "-c", "bravo", "-e", "angry@example.com", *NO_LIMIT)
    assert removed["results"][0]["addresses"] == {"angry@example.com": "removed"}
    assert len(ccm.json("ses", "suppression", "list", "-c", "bravo", *NO_LIMIT)["results"][0]["suppressed"]) == 30


def test_remove_all_needs_confirmation(ccm: Ccm, bravo: str) -> None:
    seed_contacts(bravo, 3)
    result = ccm("ses", "remove-all-contacts", "-c", "bravo")
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert len(stored_contacts(bravo)) == 3


def test_backup_remove_all_and_restore_bring_every_contact_back_as_it_was(
    ccm: Ccm, watch: AwsWatch, bravo: str, tmp_path: Path
) -> None:
    seed_contacts(bravo, 40)
    set_contact(bravo, "quiet@example.com", {"aws-announce": "OPT_OUT"}, unsubscribe_all=True)
    before = stored_contacts(bravo)

    wiped = ccm.json("ses", "remove-all-contacts", "-c", "bravo", "--yes", "--output-dir", str(tmp_path), *NO_LIMIT)

    assert stored_contacts(bravo) == {}
    assert wiped["results"][0]["removed"] == 41
    backup_file = Path(wiped["results"][0]["file"])
    document = json.loads(backup_file.read_text())
    assert document["backup_metadata"]["action"] == "remove-all-contacts"
    assert document["backup_metadata"]["customer"] == "bravo"
    assert {t["TopicName"] for t in document["contact_list"]["topics"]} >= {"aws-calendar", "general-updates"}
    quiet = next(c for c in document["contacts"] if c["email_address"] == "quiet@example.com")
    assert quiet == {
        "email_address": "quiet@example.com",
        "topic_preferences": [{"TopicName": "aws-announce", "SubscriptionStatus": "OPT_OUT"}],
        "unsubscribe_all": True,
    }

    restored = ccm.json("ses", "restore", str(backup_file), "-c", "bravo", *NO_LIMIT)["results"][0]
    assert restored["created"] == 41
    assert stored_contacts(bravo) == before

    watch.reset()
    again = ccm.json("ses", "restore", str(backup_file), "-c", "bravo", *NO_LIMIT)["results"][0]
    assert again["unchanged"] == 41
    assert watch.ses_contact_writes() == 0


def test_a_backup_is_not_restored_into_another_customer(ccm: Ccm, bravo: str, tmp_path: Path) -> None:
    written = ccm.json("ses", "backup", "-c", "bravo", "--output-dir", str(tmp_path), *NO_LIMIT)
    result = ccm("ses", "restore", written["results"][0]["file"], "-c", "charlie")
    assert result.exit_code == 2
    assert "is a backup of bravo, not of charlie" in result.stderr


def test_a_customer_without_a_list_fails_alone(ccm: Ccm, bravo: str) -> None:
    result = ccm.json("ses", "contacts", "list", "-c", "bravo", "-c", "delta", *NO_LIMIT, expect_exit=1)
    outcome = {r["customer"]: r for r in result["results"]}
    assert outcome["bravo"]["ok"]
    assert "has no contact list yet" in outcome["delta"]["error"]


def test_describing_the_list_counts_contacts_and_topics(ccm: Ccm, bravo: str) -> None:
    seed_contacts(bravo, 12)
    described = ccm.json("ses", "lists", "describe", "-c", "bravo", *NO_LIMIT)["results"][0]
    assert described["contacts"] == 12
    assert described["first_contacts"] == [f"person{i:03}@example.com" for i in range(5)]
    human = ccm("ses", "lists", "describe", "-c", "bravo", *NO_LIMIT)
    assert human.exit_code == 0 and "aws-calendar" in human.stdout


def test_choosing_no_customer_is_a_usage_error(ccm: Ccm) -> None:
    result = ccm("ses", "contacts", "list")
    assert result.exit_code == 2
    assert "--customer CODE, or use --all" in result.stderr
    unknown = ccm("ses", "contacts", "list", "-c", "nobody")
    assert unknown.exit_code == 1
    assert "unknown customer code(s): nobody" in unknown.stderr


def test_a_backup_restores_into_an_account_whose_list_is_gone(ccm: Ccm, bravo: str, tmp_path: Path) -> None:
    from moto.sesv2.models import sesv2_backends

    seed_contacts(bravo, 3)
    written = ccm.json("ses", "backup", "-c", "bravo", "--output-dir", str(tmp_path), *NO_LIMIT)["results"][0]
    before = stored_contacts(bravo)
    sesv2_backends[bravo]["us-east-1"].delete_contact_list("ccm-customer-contacts")

    restored = ccm.json("ses", "restore", written["file"], "-c", "bravo", *NO_LIMIT)["results"][0]

    assert (restored["contact_list"], restored["created"]) == ("created", 3)
    assert stored_contacts(bravo) == before
    topics = sesv2_backends[bravo]["us-east-1"].get_contact_list("ccm-customer-contacts").topics
    assert "aws-calendar" in {topic["TopicName"] for topic in topics}
