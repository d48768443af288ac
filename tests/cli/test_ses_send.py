"""``ccm ses send-*``: real emails through each customer's own SES (moto), under the backend's delivery ledger."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from ccm.config import AppConfig, SesConfig
from ccm.domain.ids import AnnouncementType
from ccm.domain.objects import AnyObject
from ccm.storage.ledger import DeliveryKey, DynamoLedger
from ccm.storage.repository import Repository
from tests.backend_support import add_contact, bucket_and_table, customer_ses, sent_in_account
from tests.cli.conftest import Ccm
from tests.conftest import TABLE
from tests.factories import announcement_document, make_change
from tests.fakes.aws_watch import AwsWatch

SENDER = "notifications@mail.example.com"


class Accounts:
    """The demo customers' SES accounts, seeded with contacts the way people leave them."""

    def __init__(self, config: AppConfig, ses_config: SesConfig, ccm: Ccm) -> None:
        self.config = config
        self.ses_config = ses_config
        self.ccm = ccm

    def account(self, code: str) -> str:
        return self.config.customer(code).account_id

    def seed(self, code: str, **contacts: dict[str, str]) -> None:
        """``seed("alpha", **{"a@example.com": {"aws_approval": "OPT_IN"}})``; ``unsubscribe_all`` as a key."""
        ses = customer_ses(self.config, self.ses_config, code)
        for address, preferences in contacts.items():
            topics = {name: status for name, status in preferences.items() if name != "unsubscribe_all"}
            add_contact(ses, address, unsubscribe_all="unsubscribe_all" in preferences, **topics)

    def suppress(self, code: str, address: str) -> None:
        result = self.ccm("ses", "suppression", "add", "-c", code, "-e", address, "--ses-rps", "0")
        assert result.exit_code == 0, result.output

    def sent(self, code: str) -> list[EmailMessage]:
        return sent_in_account(self.account(code))

    def recipients(self, code: str) -> list[str]:
        return sorted(str(message["To"]) for message in self.sent(code))


@pytest.fixture
def repository(watch: AwsWatch) -> Repository:
    return bucket_and_table()


@pytest.fixture
def accounts(
    watch: AwsWatch, repository: Repository, app_config: AppConfig, ses_config: SesConfig, ccm: Ccm
) -> Accounts:
    """The bucket and the ledger's table; alpha, bravo and zulu with approvers, readers, an opt-out, an
    unsubscribe-all and a suppressed address."""
    found = Accounts(app_config, ses_config, ccm)
    found.seed(
        "alpha",
        **{
            "approver@example.com": {"aws_approval": "OPT_IN"},
            "security@example.com": {"aws_approval": "OPT_IN"},
            "declined@example.com": {"aws_approval": "OPT_OUT", "aws_announce": "OPT_OUT"},
            "gone@example.com": {"aws_approval": "OPT_IN", "unsubscribe_all": "yes"},
            "reader@example.com": {},
        },
    )
    found.suppress("alpha", "security@example.com")
    found.seed("bravo", **{"approver-b@example.com": {"aws_approval": "OPT_IN"}, "reader-b@example.com": {}})
    # zulu is the non-production customer: only its restricted_recipients may ever be mailed
    found.seed(
        "zulu",
        **{"approver@example.com": {"aws_approval": "OPT_IN"}, "outsider@example.com": {"aws_approval": "OPT_IN"}},
    )
    watch.reset()
    return found


def archived(repository: Repository, obj: AnyObject) -> str:
    repository.create(obj, "archive")
    return obj.id


# -- approval requests and notifications ---------------------------------------------------------------------


def test_an_approval_request_reaches_exactly_each_customers_approvers_and_a_second_run_sends_nothing(
    ccm: Ccm, watch: AwsWatch, accounts: Accounts, repository: Repository
) -> None:
    change = make_change(customers=["alpha", "bravo", "zulu"], status="submitted")
    change_id = archived(repository, change)

    first = ccm.json("ses", "send-approval-request", change_id)

    assert accounts.recipients("alpha") == ["approver@example.com"]
    assert accounts.recipients("bravo") == ["approver-b@example.com"]
    assert accounts.recipients("zulu") == ["approver@example.com"]
    message = accounts.sent("alpha")[0]
    assert message["Subject"] == f"Approval requested: {change.title}"
    assert message["X-CCM-Event"] == "approval_request"
    assert message["X-CCM-Object-Id"] == change_id
    assert SENDER in str(message["From"])
    results = {r["customer"]: r for r in first["results"]}
    assert results["alpha"]["sent"] == 1
    assert results["alpha"]["excluded"] == {"suppressed": 1}
    assert results["zulu"]["excluded"] == {"restricted": 1}
    assert {r["topic"] for r in first["results"]} == {"aws-approval"}
    assert all(r["ListManagementOptions"]["TopicName"] == "aws-approval" for r in watch.recorded("sesv2", "SendEmail"))
    sends = watch.count("sesv2", ["SendEmail"])
    assert sends == 3

    again = ccm.json("ses", "send-approval-request", change_id)

    assert watch.count("sesv2", ["SendEmail"]) == sends
    assert [(r["sent"], r["already_sent"]) for r in again["results"]] == [(0, 1), (0, 1), (0, 1)]


def test_what_the_cli_sends_the_backend_will_not_send_again(
    ccm: Ccm, accounts: Accounts, repository: Repository
) -> None:
    change = make_change(customers=["alpha"], status="approved", approvedBy="approver@example.com")
    change_id = archived(repository, change)

    ccm.json("ses", "send-change-notification", change_id)

    # the backend's own key for this notification: object, version, event, customer
    delivered = DynamoLedger(TABLE).delivered(DeliveryKey(change_id, change.version, "approved", "alpha"))
    assert delivered == {"reader@example.com", "approver@example.com"}
    assert accounts.recipients("alpha") == ["approver@example.com", "reader@example.com"]
    assert accounts.sent("alpha")[0]["Subject"].startswith("Approved: ")


def test_force_sends_to_everyone_again_under_a_fresh_ledger_event(
    ccm: Ccm, accounts: Accounts, repository: Repository
) -> None:
    change_id = archived(repository, make_change(customers=["bravo"], status="completed"))
    ccm.json("ses", "send-change-notification", change_id)

    forced = ccm.json("ses", "send-change-notification", change_id, "--force")

    assert accounts.recipients("bravo") == ["approver-b@example.com"] * 2 + ["reader-b@example.com"] * 2
    assert forced["ledger_event"].startswith("completed-resend-")
    assert forced["results"][0]["sent"] == 2


def test_a_dry_run_lists_the_recipients_and_sends_nothing(
    ccm: Ccm, watch: AwsWatch, accounts: Accounts, repository: Repository
) -> None:
    change_id = archived(repository, make_change(customers=["alpha", "zulu"], status="submitted"))

    result = ccm.json("ses", "send-approval-request", change_id, "--dry-run")
    human = ccm("ses", "send-approval-request", change_id, "--dry-run")

    assert {r["customer"]: r["would_send"] for r in result["results"]} == {
        "alpha": ["approver@example.com"],
        "zulu": ["approver@example.com"],
    }
    assert "approver@example.com" in human.stdout and "would send" in human.stdout
    assert watch.count("sesv2", ["SendEmail"]) == 0
    assert accounts.sent("alpha") == []
    # nothing was recorded either: the real run mails them all
    real = ccm.json("ses", "send-approval-request", change_id)
    assert [r["sent"] for r in real["results"]] == [1, 1]


def test_a_dry_run_after_a_send_shows_who_already_has_it(ccm: Ccm, accounts: Accounts, repository: Repository) -> None:
    change_id = archived(repository, make_change(customers=["bravo"], status="approved"))
    ccm.json("ses", "send-change-notification", change_id)

    result = ccm.json("ses", "send-change-notification", change_id, "--dry-run")

    assert result["results"][0]["would_send"] == []
    assert result["results"][0]["already_sent"] == 2


def test_an_announcement_from_a_json_file_goes_to_its_type_topic_or_the_one_named(
    ccm: Ccm, accounts: Accounts, tmp_path: Path
) -> None:
    accounts.seed("charlie", **{"finance@example.com": {"finops_announce": "OPT_IN"}, "ops@example.com": {}})
    document = announcement_document(
        AnnouncementType.FINOPS, customers=["charlie"], status="approved", title="Savings plan renewal"
    )
    metadata = tmp_path / "announcement.json"
    metadata.write_text(json.dumps(document))

    by_type = ccm.json("ses", "send-change-notification", "--json-metadata", str(metadata))
    by_topic = ccm.json("ses", "send-change-notification", "--json-metadata", str(metadata), "--topic", "cic-announce")

    assert by_type["results"][0]["topic"] == "finops-announce"
    assert by_topic["results"][0]["topic"] == "cic-announce"
    assert accounts.recipients("charlie") == ["finance@example.com", "ops@example.com"]
    assert accounts.sent("charlie")[0]["Subject"] == "Approved: Savings plan renewal"


def test_customer_narrows_the_send_to_one_of_the_objects_customers(
    ccm: Ccm, accounts: Accounts, repository: Repository
) -> None:
    change_id = archived(repository, make_change(customers=["alpha", "bravo"], status="submitted"))

    result = ccm.json("ses", "send-approval-request", change_id, "--customer", "bravo")
    refused = ccm("ses", "send-approval-request", change_id, "--customer", "charlie")

    assert [r["customer"] for r in result["results"]] == ["bravo"]
    assert accounts.sent("alpha") == []
    assert refused.exit_code == 1
    assert "charlie not among the customers of" in refused.stderr


def test_one_customer_without_a_contact_list_fails_alone_and_the_exit_code_says_so(
    ccm: Ccm, accounts: Accounts, repository: Repository
) -> None:
    # delta's account was never provisioned: it has no contact list
    change_id = archived(repository, make_change(customers=["alpha", "bravo", "delta"], status="approved"))

    result = ccm.json("ses", "send-change-notification", change_id, expect_exit=1)
    human = ccm("ses", "send-change-notification", change_id)

    by_customer = {r["customer"]: r for r in result["results"]}
    assert by_customer["delta"]["ok"] is False
    assert "customer delta has no SES contact list" in by_customer["delta"]["error"]
    assert by_customer["alpha"]["sent"] == 2 and by_customer["bravo"]["sent"] == 2
    assert result["failed"] == 1
    assert human.exit_code == 1
    assert "delta" in human.stdout and "failed" in human.stdout


def test_a_send_ses_refuses_fails_that_customer_and_a_re_run_mails_only_whoever_missed_it(
    ccm: Ccm, watch: AwsWatch, accounts: Accounts, repository: Repository
) -> None:
    change_id = archived(repository, make_change(customers=["alpha", "bravo"], status="approved"))
    refusing = {"on": True}
    watch.refuse(
        "sesv2",
        "SendEmail",
        lambda params: refusing["on"] and params["Destination"]["ToAddresses"] == ["reader-b@example.com"],
        "AccessDenied",
    )

    failed = ccm.json("ses", "send-change-notification", change_id, expect_exit=1)
    refusing["on"] = False
    retried = ccm.json("ses", "send-change-notification", change_id)

    first = {r["customer"]: r for r in failed["results"]}
    assert first["alpha"]["ok"] is True and first["alpha"]["sent"] == 2
    assert first["bravo"]["ok"] is False and first["bravo"]["failed"] == 1
    assert "1 send(s) failed" in first["bravo"]["error"] and "AccessDenied" in first["bravo"]["error"]
    assert [(r["customer"], r["sent"], r["already_sent"]) for r in retried["results"]] == [
        ("alpha", 0, 2),
        ("bravo", 1, 1),
    ]
    assert accounts.recipients("bravo") == ["approver-b@example.com", "reader-b@example.com"]


def test_notifications_and_requests_the_status_does_not_call_for_are_refused_with_a_reason(
    ccm: Ccm, accounts: Accounts, repository: Repository
) -> None:
    submitted = archived(repository, make_change(customers=["alpha"], status="submitted"))
    draft = make_change(customers=["alpha"], status="draft")
    repository.create(draft, "drafts")

    early = ccm("ses", "send-change-notification", submitted)
    forced = ccm.json("ses", "send-change-notification", submitted, "--event", "cancelled")
    not_yet = ccm("ses", "send-approval-request", draft.id)
    missing = ccm("ses", "send-approval-request", "CHG-00000000-0000-4000-8000-000000000000")

    assert early.exit_code == 1
    assert "its email is the approval request" in early.stderr
    # cancelled before approval: the approvers who were asked hear of it
    assert forced["results"][0]["topic"] == "aws-approval"
    assert not_yet.exit_code == 1 and "is a draft" in not_yet.stderr
    assert missing.exit_code == 1 and "is not in s3://" in missing.stderr


# -- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "line 1 column 2: not valid JSON"),
        ("[1, 2]", "expected a JSON object (a change or an announcement), found a list"),
        (
            json.dumps({**announcement_document(AnnouncementType.CIC), "customers": "alpha", "status": "published"}),
            "status: Input should be",
        ),
    ],
)
def test_a_bad_metadata_file_is_refused_with_the_file_the_field_and_the_reason(
    ccm: Ccm, watch: AwsWatch, tmp_path: Path, content: str, expected: str
) -> None:
    metadata = tmp_path / "meta.json"
    metadata.write_text(content)

    result = ccm("ses", "send-change-notification", "--json-metadata", str(metadata))

    assert result.exit_code == 2
    assert "meta.json" in result.stderr and expected in result.stderr
    assert "Traceback" not in result.output
    assert watch.count("sesv2", ["SendEmail"]) == 0


def test_an_id_and_a_file_together_or_neither_is_a_usage_error(ccm: Ccm, tmp_path: Path) -> None:
    both = ccm("ses", "send-approval-request", "CHG-x", "--json-metadata", str(tmp_path / "x.json"))
    neither = ccm("ses", "send-approval-request")
    unknown_topic = ccm("ses", "send-approval-request", "CHG-x", "--topic", "nope")

    assert (both.exit_code, neither.exit_code, unknown_topic.exit_code) == (2, 2, 2)
    assert "one of the two" in both.stderr and "one of the two" in neither.stderr
    assert "unknown topic 'nope'" in unknown_topic.stderr


def test_a_missing_metadata_file_is_named(ccm: Ccm, tmp_path: Path) -> None:
    result = ccm("ses", "send-approval-request", "--json-metadata", str(tmp_path / "absent.json"))

    assert result.exit_code == 2
    assert "absent.json: file not found" in result.stderr


# -- topic tests and the preferences notice ------------------------------------------------------------------


def test_a_topic_test_reaches_the_topics_subscribers_once(ccm: Ccm, watch: AwsWatch, accounts: Accounts) -> None:
    first = ccm.json("ses", "send-topic-test", "--customer", "alpha", "--topic", "aws-approval")
    again = ccm.json("ses", "send-topic-test", "--customer", "alpha", "--topic", "aws-approval")
    with_note = ccm.json(
        "ses", "send-topic-test", "-c", "alpha", "--topic", "aws-approval", "--note", "Checking after the move"
    )

    assert accounts.recipients("alpha") == ["approver@example.com", "approver@example.com"]
    assert (first["results"][0]["sent"], again["results"][0]["sent"], with_note["results"][0]["sent"]) == (1, 0, 1)
    test_message, noted = accounts.sent("alpha")
    assert test_message["Subject"] == "Test of “AWS Change Approvals” for Alpha Retail"
    assert test_message["X-CCM-Event"] == "topic_test"
    assert "Checking after the move" in noted.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert [r["ListManagementOptions"]["TopicName"] for r in watch.recorded("sesv2", "SendEmail")] == [
        "aws-approval",
        "aws-approval",
    ]


def test_a_topic_test_dry_run_sends_nothing(ccm: Ccm, watch: AwsWatch, accounts: Accounts) -> None:
    result = ccm.json("ses", "send-topic-test", "-c", "alpha", "-c", "bravo", "--topic", "aws-announce", "--dry-run")

    assert {r["customer"]: r["would_send"] for r in result["results"]} == {
        # not the opt-out, not the unsubscribed, not the suppressed
        "alpha": ["approver@example.com", "reader@example.com"],
        "bravo": ["approver-b@example.com", "reader-b@example.com"],
    }
    assert watch.count("sesv2", ["SendEmail"]) == 0


def test_the_preferences_notice_carries_the_ses_preferences_link_and_goes_out_once(
    ccm: Ccm, watch: AwsWatch, accounts: Accounts
) -> None:
    first = ccm.json("ses", "send-general-preferences", "--customer", "bravo")
    again = ccm.json("ses", "send-general-preferences", "--customer", "bravo")

    assert accounts.recipients("bravo") == ["approver-b@example.com", "reader-b@example.com"]
    assert (first["results"][0]["sent"], again["results"][0]["sent"]) == (2, 0)
    message = accounts.sent("bravo")[0]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    # SES replaces the placeholder with each recipient's own page because the send names list and topic
    assert 'href="{{amazonSESUnsubscribeUrl}}"' in html and "Manage my subscriptions" in html
    assert "Cloud Innovator Community" in html
    options = [r["ListManagementOptions"] for r in watch.recorded("sesv2", "SendEmail")]
    assert options == [{"ContactListName": "ccm-customer-contacts", "TopicName": "subscription-preferences"}] * 2


def test_the_preferences_notice_dry_run_for_every_customer_sends_nothing_and_reports_the_unprovisioned(
    ccm: Ccm, watch: AwsWatch, accounts: Accounts
) -> None:
    result = ccm.json("ses", "send-general-preferences", "--all", "--dry-run", expect_exit=1)

    by_customer = {r["customer"]: r for r in result["results"]}
    assert len(by_customer) == 26
    assert by_customer["zulu"]["would_send"] == ["approver@example.com"]
    assert by_customer["zulu"]["excluded"] == {"restricted": 1}
    assert {code for code, r in by_customer.items() if r["ok"]} == {"alpha", "bravo", "zulu"}
    assert watch.count("sesv2", ["SendEmail"]) == 0


# -- one test message ------------------------------------------------------------------------------------------


def test_a_test_email_goes_from_the_configured_or_given_sender_to_the_given_address(
    ccm: Ccm, watch: AwsWatch, accounts: Accounts
) -> None:
    default = ccm.json("ses", "send-test-email", "--customer", "bravo", "--to", "someone@example.org")
    chosen = ccm.json(
        "ses", "send-test-email", "-c", "bravo", "--to", "other@example.org", "--sender", "ops@mail.example.com"
    )

    first, second = accounts.sent("bravo")
    assert (first["To"], second["To"]) == ("someone@example.org", "other@example.org")
    assert SENDER in str(first["From"]) and "ops@mail.example.com" in str(second["From"])
    assert first["Subject"] == "Test message from the Customer Contact Manager for Bravo Media"
    assert "account 100000000002" in first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    requests = watch.recorded("sesv2", "SendEmail")
    assert [r["FromEmailAddress"] for r in requests] == [SENDER, "ops@mail.example.com"]
    assert all("ListManagementOptions" not in r for r in requests)
    assert default["results"][0]["message_id"] and chosen["results"][0]["to"] == "other@example.org"


def test_a_test_email_is_refused_to_a_suppressed_or_restricted_address_or_from_an_unverified_sender(
    ccm: Ccm, watch: AwsWatch, accounts: Accounts
) -> None:
    suppressed = ccm.json("ses", "send-test-email", "-c", "alpha", "--to", "security@example.com", expect_exit=1)
    restricted = ccm.json("ses", "send-test-email", "-c", "zulu", "--to", "someone@example.org", expect_exit=1)
    unverified = ccm.json(
        "ses", "send-test-email", "-c", "alpha", "--to", "a@example.org", "--sender", "x@elsewhere.org", expect_exit=1
    )
    malformed = ccm("ses", "send-test-email", "-c", "alpha", "--to", "not-an-address")

    assert "is on the suppression list of alpha" in suppressed["results"][0]["error"]
    assert "not in the restricted_recipients of zulu" in restricted["results"][0]["error"]
    assert unverified["results"][0]["error"].startswith("SES refuses the sender of alpha: ")
    assert "(MessageRejected)" in unverified["results"][0]["error"]
    assert malformed.exit_code == 2 and "is not an email address" in malformed.stderr
    assert accounts.sent("alpha") == [] and accounts.sent("zulu") == []
