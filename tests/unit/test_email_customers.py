"""Emails and invitations of an object for many customers name the recipient's own customer, not all of them.

Up to three customers an email names every one, as before; beyond that the recipients of one customer read
their own customer's name and a count of the others, so a change to 1,000 customers makes no email 1,000 lines
longer. What every customer's calendar shares (the Teams meeting's body, a downloaded .ics) names the first three.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ccm.config import AppConfig, SesConfig
from ccm.domain.objects import MeetingMetadata
from ccm.local.demo_customers import with_customers
from ccm.mail.decisions import EmailEvent, Notice
from ccm.mail.render import EmailRenderer
from ccm.meetings.content import MeetingContent
from ccm.meetings.ics import render_ics
from ccm.meetings.invitation import invite_for
from tests.conftest import CONFIG_PATH
from tests.factories import make_change

NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)
START, END = datetime(2030, 1, 7, 15, 0, tzinfo=UTC), datetime(2030, 1, 7, 17, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def thousand() -> AppConfig:
    document = with_customers(json.loads(CONFIG_PATH.read_text(encoding="utf-8")), 1000)
    return AppConfig.model_validate(document)


def unfolded(ics: str) -> str:
    """The calendar text with RFC 5545 line folding undone and its text escapes read."""
    return ics.replace("\r\n ", "").replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";")


def test_an_email_to_one_of_a_thousand_customers_names_that_customer_and_counts_the_rest(
    thousand: AppConfig, ses_config: SesConfig
) -> None:
    change = make_change(status="submitted", customers=sorted(thousand.customer_mappings))
    email = EmailRenderer(thousand, ses_config).render(
        change, Notice(EmailEvent.APPROVAL_REQUEST, "aws-approval"), "bravo", NOW
    )

    assert "Customers: Bravo Media (bravo) and 999 other customers" in email.text
    assert "Bravo Media (bravo)<br>and 999 other customers" in email.html
    assert "Alpha Retail" not in email.text and "Northwind Retail" not in email.html
    assert len(email.html) < 40_000, "the email does not grow with the customers"


@pytest.mark.parametrize(
    ("codes", "named"),
    [
        (["charlie"], "Charlie Logistics (charlie)"),
        (["alpha", "charlie"], "Alpha Retail (alpha), Charlie Logistics (charlie)"),
        (["alpha", "bravo", "charlie"], "Alpha Retail (alpha), Bravo Media (bravo), Charlie Logistics (charlie)"),
    ],
)
def test_up_to_three_customers_are_all_named(
    app_config: AppConfig, ses_config: SesConfig, codes: list[str], named: str
) -> None:
    change = make_change(status="approved", customers=codes, approvedBy="approver@example.com")
    email = EmailRenderer(app_config, ses_config).render(
        change, Notice(EmailEvent.APPROVED, "aws-approval"), "charlie", NOW
    )

    assert f"Customers: {named}\n" in email.text
    assert "other customer" not in email.text and "other customer" not in email.html
    assert named.replace(", ", "<br>") in email.html


def test_four_customers_name_the_recipients_own_and_count_the_others(
    app_config: AppConfig, ses_config: SesConfig
) -> None:
    change = make_change(status="approved", customers=["alpha", "bravo", "charlie", "delta"])
    email = EmailRenderer(app_config, ses_config).render(
        change, Notice(EmailEvent.APPROVED, "aws-approval"), "delta", NOW
    )

    assert "Customers: Delta Health (delta) and 3 other customers\n" in email.text


def test_a_customers_invitation_names_its_customer_and_the_shared_body_the_first_three(thousand: AppConfig) -> None:
    codes = sorted(thousand.customer_mappings)
    change = make_change(status="approved", customers=codes, timezone="Europe/Berlin")
    content = MeetingContent(thousand)
    meeting = MeetingMetadata.model_validate(
        {
            "meeting_id": "m-1",
            "subject": "Change Implementation: Patch",
            "start_time": "2030-01-07T15:00:00Z",
            "end_time": "2030-01-07T17:00:00Z",
        }
    )

    own = invite_for(
        change,
        meeting,
        method="REQUEST",
        content=content,
        organizer="change-calendar@example.com",
        attendees=("engineer@tango.example.com",),
        now=NOW,
        customer_code="tango",
    )
    text = unfolded(render_ics(own, "REQUEST", NOW))
    assert "Customers: Tango Telecom (tango) and 999 other customers" in text
    assert "Alpha Retail" not in text

    first = [thousand.customer(code).customer_name for code in codes[:3]]
    shared = content.description(change, START, END, "Europe/Berlin", NOW)
    assert f"Customers: {first[0]} ({codes[0]}), {first[1]} ({codes[1]}), {first[2]} ({codes[2]})" in shared
    assert "and 997 other customers" in shared
    body = content.body_html(change, START, END, "Europe/Berlin", NOW)
    assert "and 997 other customers" in body and body.count("<br>") < 40
