"""The email port on SES v2 (moto), in each customer's own account."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, cast

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.stub import Stubber

from ccm.aws.assume import RoleSessions
from ccm.config import AppConfig, SesConfig
from ccm.mail.port import AudienceUnavailable
from ccm.mail.ses import SendingPaused, SesMailbox, SesMailboxes, opted_in
from tests.backend_support import add_contact, customer_ses, sent_in_account

ALPHA_ACCOUNT = "100000000001"


class StubSessions:
    """Hands out given clients instead of assuming roles (for responses moto cannot produce)."""

    def __init__(self, **clients: Any) -> None:
        self._session = SimpleNamespace(client=lambda service, config=None: clients[service])

    def session(self, role_arn: str, region: str, session_name: str | None = None) -> boto3.Session:
        return cast(boto3.Session, self._session)


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


@pytest.fixture
def mailboxes(aws: None, app_config: AppConfig) -> SesMailboxes:
    return SesMailboxes(app_config, RoleSessions(session_prefix="ccm-test"))


def test_subscribers_are_exactly_the_contacts_opted_in_to_the_topic(
    mailboxes: SesMailboxes, app_config: AppConfig, ses_config: SesConfig
) -> None:
    ses = customer_ses(app_config, ses_config, "alpha")
    add_contact(ses, "approver@example.com", aws_approval="OPT_IN")
    add_contact(ses, "declined@example.com", aws_approval="OPT_OUT")
    add_contact(ses, "no-preferences@example.com")
    add_contact(ses, "left-everything@example.com", unsubscribe_all=True, aws_approval="OPT_IN")
    add_contact(ses, "not-announcements@example.com", aws_announce="OPT_OUT", aws_approval="OPT_IN")

    mailbox = mailboxes.for_customer(app_config.customer("alpha"))

    assert sorted(mailbox.subscribers("aws-approval")) == ["approver@example.com", "not-announcements@example.com"]
    # aws-announce is OPT_IN by default: everyone without an explicit "no" receives it
    assert sorted(mailbox.subscribers("aws-announce")) == [
        "approver@example.com",
        "declined@example.com",
        "no-preferences@example.com",
    ]


def test_a_contacts_own_default_for_a_topic_counts_before_the_lists() -> None:
    contact = {"TopicDefaultPreferences": [{"TopicName": "aws-announce", "SubscriptionStatus": "OPT_OUT"}]}

    assert not opted_in(contact, "aws-announce", "OPT_IN")
    assert opted_in({}, "aws-announce", "OPT_IN")
    assert not opted_in({}, "aws-approval", "OPT_OUT")


def test_each_customer_sees_only_its_own_accounts_contacts(
    mailboxes: SesMailboxes, app_config: AppConfig, ses_config: SesConfig
) -> None:
    add_contact(customer_ses(app_config, ses_config, "alpha"), "alpha-reader@example.com")
    add_contact(customer_ses(app_config, ses_config, "bravo"), "bravo-reader@example.com")

    alpha = mailboxes.for_customer(app_config.customer("alpha")).subscribers("aws-announce")
    bravo = mailboxes.for_customer(app_config.customer("bravo")).subscribers("aws-announce")

    assert (alpha, bravo) == (["alpha-reader@example.com"], ["bravo-reader@example.com"])


def test_subscribers_page_to_the_last_page(app_config: AppConfig) -> None:
    ses = boto3.client("sesv2", region_name="us-east-1")
    stub = Stubber(ses)
    stub.add_response("list_contact_lists", {"ContactLists": [{"ContactListName": "ccm-customer-contacts"}]})
    stub.add_response(
        "get_contact_list",
        {"Topics": [{"TopicName": "aws-announce", "DisplayName": "A", "DefaultSubscriptionStatus": "OPT_IN"}]},
    )
    first = [{"EmailAddress": f"page1-{i}@example.com"} for i in range(3)]
    second = [{"EmailAddress": "page2@example.com", "UnsubscribeAll": True}, {"EmailAddress": "last@example.com"}]
    stub.add_response("list_contacts", {"Contacts": first, "NextToken": "page-2"})
    stub.add_response(
        "list_contacts",
        {"Contacts": second},
        {
            "ContactListName": "ccm-customer-contacts",
            "Filter": {
                "FilteredStatus": "OPT_IN",
                "TopicFilter": {"TopicName": "aws-announce", "UseDefaultIfPreferenceUnavailable": True},
            },
            "PageSize": 1000,
            "NextToken": "page-2",
        },
    )
    mailbox = SesMailbox(app_config.customer("alpha"), app_config, StubSessions(sesv2=ses))

    with stub:
        found = mailbox.subscribers("aws-announce")

    assert found == [*(c["EmailAddress"] for c in first), "last@example.com"]
    stub.assert_no_pending_responses()


def test_a_missing_topic_or_contact_list_is_an_error_not_an_empty_audience(
    mailboxes: SesMailboxes, app_config: AppConfig, ses_config: SesConfig
) -> None:
    customer_ses(app_config, ses_config, "alpha")

    with pytest.raises(AudienceUnavailable, match="has no topic wiz-announce"):
        mailboxes.for_customer(app_config.customer("alpha")).subscribers("wiz-announce")
    with pytest.raises(AudienceUnavailable, match="customer charlie has no SES contact list"):
        mailboxes.for_customer(app_config.customer("charlie")).subscribers("aws-announce")


def test_a_send_is_raw_mime_with_list_management_and_the_configuration_set(
    aws: None, app_config: AppConfig, ses_config: SesConfig
) -> None:
    customer_ses(app_config, ses_config, "alpha")
    config = app_config.model_copy(
        update={"email_config": app_config.email_config.model_copy(update={"configuration_set": "ccm-events"})}
    )
    mailbox = SesMailboxes(config).for_customer(config.customer("alpha"))
    requests: list[dict[str, Any]] = []
    mailbox.ses.meta.events.register(
        "provide-client-params.sesv2.SendEmail", lambda params, **_: requests.append(params)
    )
    raw = b"To: reader@example.com\r\nSubject: Hello\r\nContent-Type: text/plain\r\n\r\nHi\r\n"

    message_id = mailbox.send("reader@example.com", raw, "aws-announce")

    assert message_id
    (request,) = requests
    assert request["Content"] == {"Raw": {"Data": raw}}
    assert request["Destination"] == {"ToAddresses": ["reader@example.com"]}
    assert request["FromEmailAddress"] == "notifications@mail.example.com"
    assert request["ListManagementOptions"] == {"ContactListName": "ccm-customer-contacts", "TopicName": "aws-announce"}
    assert request["ConfigurationSetName"] == "ccm-events"
    (delivered,) = sent_in_account(ALPHA_ACCOUNT)
    assert delivered["Subject"] == "Hello"
    assert sent_in_account("100000000002") == []


def test_a_customers_own_configuration_set_wins(aws: None, app_config: AppConfig) -> None:
    alpha = app_config.customer("alpha").model_copy(update={"configuration_set": "alpha-events"})

    assert SesMailbox(alpha, app_config, RoleSessions()).configuration_set == "alpha-events"
    assert SesMailbox(app_config.customer("bravo"), app_config, RoleSessions()).configuration_set is None


def test_a_throttled_send_is_retried_by_the_client(aws: None, app_config: AppConfig, ses_config: SesConfig) -> None:
    customer_ses(app_config, ses_config, "alpha")
    mailbox = SesMailboxes(app_config).for_customer(app_config.customer("alpha"))
    attempts: list[str] = []

    def throttle_first(request: Any, **_: Any) -> Any:
        attempts.append(request.url)
        if len(attempts) > 1:
            request.url = attempts[0]
            return None
        # Answer the first attempt as SES does when over the rate; the emulator, which also sees every
        # request, gets a path it does not know, so it records nothing for it.
        request.url = attempts[0].replace("/outbound-emails", "/outbound-emails-answered-by-test")
        body = json.dumps({"message": "Maximum sending rate exceeded."}).encode()
        headers = HTTPHeaders()
        headers["x-amzn-ErrorType"] = "TooManyRequestsException"
        headers["Content-Type"] = "application/json"
        return AWSResponse(attempts[0], 429, headers, _Body(body))

    mailbox.ses.meta.events.register_first("before-send.sesv2.SendEmail", throttle_first)

    mailbox.send("reader@example.com", b"Subject: x\r\n\r\nx\r\n", "aws-announce")

    assert len(attempts) == 2
    assert len(sent_in_account(ALPHA_ACCOUNT)) == 1


def test_the_send_rate_falls_back_to_get_send_quota(mailboxes: SesMailboxes, app_config: AppConfig) -> None:
    # The emulator has no GetAccount; its GetSendQuota reports the sandbox rate.
    assert mailboxes.for_customer(app_config.customer("alpha")).max_send_rate() == 1.0


def test_the_send_rate_comes_from_get_account_and_a_paused_account_refuses(app_config: AppConfig) -> None:
    ses = boto3.client("sesv2", region_name="us-east-1")
    stub = Stubber(ses)
    stub.add_response("get_account", {"SendingEnabled": True, "SendQuota": {"MaxSendRate": 14.0}})
    stub.add_response("get_account", {"SendingEnabled": False, "SendQuota": {"MaxSendRate": 14.0}})

    with stub:
        assert SesMailbox(app_config.customer("alpha"), app_config, StubSessions(sesv2=ses)).max_send_rate() == 14.0
        with pytest.raises(SendingPaused):
            SesMailbox(app_config.customer("bravo"), app_config, StubSessions(sesv2=ses)).max_send_rate()


def test_the_suppression_list_is_read_to_the_end_lower_cased(app_config: AppConfig) -> None:
    ses = boto3.client("sesv2", region_name="us-east-1")
    stub = Stubber(ses)
    summary = {"Reason": "BOUNCE", "LastUpdateTime": "2030-01-01T00:00:00Z"}
    stub.add_response(
        "list_suppressed_destinations",
        {"SuppressedDestinationSummaries": [{"EmailAddress": "Bounced@Example.com", **summary}], "NextToken": "t"},
    )
    stub.add_response(
        "list_suppressed_destinations",
        {"SuppressedDestinationSummaries": [{"EmailAddress": "complained@example.com", **summary}]},
    )

    with stub:
        suppressed = SesMailbox(app_config.customer("alpha"), app_config, StubSessions(sesv2=ses)).suppressed()

    assert suppressed == {"bounced@example.com", "complained@example.com"}


def test_an_unreadable_suppression_list_leaves_suppression_to_ses(
    mailboxes: SesMailboxes, app_config: AppConfig, caplog: pytest.LogCaptureFixture
) -> None:
    assert mailboxes.for_customer(app_config.customer("alpha")).suppressed() == frozenset()
    assert "relying on SES to drop suppressed addresses" in caplog.text


def test_the_role_is_assumed_once_for_many_calls(aws: None, app_config: AppConfig, ses_config: SesConfig) -> None:
    customer_ses(app_config, ses_config, "alpha")
    sts = boto3.client("sts")
    assumed: list[str] = []
    sts.meta.events.register("before-call.sts.AssumeRole", lambda **_: assumed.append("x"))
    mailbox = SesMailboxes(app_config, RoleSessions(sts)).for_customer(app_config.customer("alpha"))

    for _ in range(3):
        mailbox.subscribers("aws-announce")
        mailbox.send("reader@example.com", b"Subject: x\r\n\r\nx\r\n", "aws-announce")

    assert assumed == ["x"]
