"""The outbox: what the emulated SES accepted in every customer's account, decoded, as a page and as JSON."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from ccm.aws.assume import RoleSessions
from ccm.config import AppConfig
from ccm.local.outbox import Outbox, decode_raw_message
from ccm.local.outbox_pages import PAGE_SIZE, OutboxApp, zoned_window
from ccm.mail.mime import RenderedEmail

SENDER = "notifications@mail.example.com"
INVITE = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nBEGIN:VEVENT\r\nUID:change-1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


def rendered(subject: str = "✅ Approved: Rotate certificates", html: str = "<p>Approved</p>") -> RenderedEmail:
    return RenderedEmail(
        subject=subject,
        text="Approved",
        html=html,
        headers=(("X-CCM-Object-Id", "CHG-1"), ("X-CCM-Event", "approved"), ("X-CCM-Customer", "alpha")),
    )


def raw(email: RenderedEmail, recipient: str) -> bytes:
    return email.prepare(SENDER, datetime(2030, 1, 6, tzinfo=UTC)).for_recipient(recipient)


def send(app_config: AppConfig, code: str, message: bytes, recipient: str) -> None:
    """Send as the backend does: raw MIME through the customer's own SES, by assumed role."""
    customer = app_config.customer(code)
    ses = RoleSessions().session(customer.ses_role_arn, customer.region).client("sesv2")
    ses.create_email_identity(EmailIdentity="mail.example.com")
    ses.send_email(
        FromEmailAddress=SENDER, Destination={"ToAddresses": [recipient]}, Content={"Raw": {"Data": message}}
    )


def customers(app_config: AppConfig) -> dict[str, str]:
    return {customer.account_id: code for code, customer in app_config.customer_mappings.items()}


def get(app: OutboxApp, path: str, query: str = "") -> tuple[int, str]:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "wsgi.input": io.BytesIO()}
    status: list[str] = []
    body = b"".join(app(environ, lambda s, h: status.append(s)))
    return int(status[0].split()[0]), body.decode()


def test_a_raw_message_is_decoded_into_its_parts_and_the_backends_headers() -> None:
    message = raw(rendered().with_calendar(INVITE, method="CANCEL"), "ops@alpha.example.com")

    decoded = decode_raw_message(message)

    assert decoded.subject == "✅ Approved: Rotate certificates"
    assert (decoded.sender, decoded.recipients) == (SENDER, ["ops@alpha.example.com"])
    assert (decoded.text.strip(), decoded.html.strip()) == ("Approved", "<p>Approved</p>")
    assert decoded.calendar_method == "CANCEL" and decoded.calendar is not None and "UID:change-1" in decoded.calendar
    assert decoded.headers["X-CCM-Event"] == "approved"


def test_an_invite_with_8bit_utf8_text_is_shown_with_its_characters_not_escapes(
    aws: None, app_config: AppConfig
) -> None:
    summary = "SUMMARY:\U0001f504 Rotate certificates \u2013 Z\u00fcrich\r\n"
    window = "DESCRIPTION:Wed 16 Dec 2026 09:30 CET \u2013 Fri 18 Dec 2026 11:00 CET\r\n"
    invite = INVITE.replace("METHOD:CANCEL", "METHOD:REQUEST").replace("END:VEVENT", summary + window + "END:VEVENT")
    message = raw(rendered(subject="\U0001f504 Rotate \u2013 Z\u00fcrich").with_calendar(invite), "ops@x.example.com")
    assert b"Content-Transfer-Encoding: 8bit" in message, "the invite travels as 8-bit UTF-8, as the backend sends it"
    outbox = Outbox(customers(app_config))
    send(app_config, "xray", message, "ops@x.example.com")

    [email] = outbox.emails()

    assert email.calendar is not None and email.calendar_method == "REQUEST"
    assert "\U0001f504 Rotate certificates \u2013 Z\u00fcrich" in email.calendar
    assert "09:30 CET \u2013 Fri" in email.calendar
    assert "\\U0001f504" not in email.calendar and "\\u2013" not in email.calendar
    assert email.subject == "\U0001f504 Rotate \u2013 Z\u00fcrich"


def test_emails_accepted_in_each_customers_account_are_collected_once_with_their_customer(
    aws: None, app_config: AppConfig
) -> None:
    outbox = Outbox(customers(app_config))
    send(app_config, "alpha", raw(rendered(), "requester@example.com"), "requester@example.com")
    send(app_config, "xray", raw(rendered(), "approver@example.com"), "approver@example.com")

    assert outbox.collect() == 2
    assert outbox.collect() == 0

    emails = sorted(outbox.emails(), key=lambda email: email.account)  # one collection: in no order across accounts
    assert [(e.customer, e.account, e.recipients) for e in emails] == [
        ("alpha", app_config.customer("alpha").account_id, ["requester@example.com"]),
        ("alpha", app_config.customer("xray").account_id, ["approver@example.com"]),
    ], "the customer header wins; one recipient even though SES saw it in Destination and in To"
    assert (emails[0].object_id, emails[0].event, emails[0].sender) == ("CHG-1", "approved", SENDER)
    assert emails[0].accepted_at.endswith("Z")


def test_an_earlier_runs_entries_come_first_and_survive_a_document_round_trip(app_config: AppConfig) -> None:
    from moto import mock_aws

    with mock_aws():  # the earlier run's emulator
        earlier = Outbox(customers(app_config))
        send(app_config, "alpha", raw(rendered(subject="Earlier"), "requester@example.com"), "requester@example.com")
        document = json.loads(json.dumps(earlier.document()))

    with mock_aws():  # a restart: a fresh emulator, the outbox brought back from the snapshot
        later = Outbox(customers(app_config), meetings=lambda: [{"action": "created", "subject": "Window"}])
        later.restore({**document, "meetings": [{"action": "cancelled", "subject": "Old window"}]})
        send(app_config, "bravo", raw(rendered(subject="Later"), "approver@example.com"), "approver@example.com")

        assert [email.subject for email in later.emails()] == ["Earlier", "Later"]
        assert [meeting["subject"] for meeting in later.meetings()] == ["Old window", "Window"]


def test_the_json_form_filters_and_the_page_shows_each_email_inertly(aws: None, app_config: AppConfig) -> None:
    outbox = Outbox(customers(app_config))
    hostile = rendered(subject="<script>alert(1)</script>", html='<img src=x onerror="alert(2)"><p>Body</p>')
    send(app_config, "alpha", raw(hostile, "requester@example.com"), "requester@example.com")
    send(app_config, "alpha", raw(rendered(), "approver@example.com"), "approver@example.com")
    app = OutboxApp(outbox)

    status, body = get(app, "/outbox.json", "recipient=approver@example.com&event=approved")
    hostile_id = next(email.message_id for email in outbox.emails() if email.recipients == ["requester@example.com"])
    page_status, page = get(app, "/outbox", f"open={hostile_id}")

    document: dict[str, Any] = json.loads(body)
    assert status == 200 and [e["recipients"] for e in document["emails"]] == [["approver@example.com"]]
    assert document["meetings_wired"] is False and document["meetings"] == []
    assert page_status == 200
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<iframe sandbox=""' in page
    assert 'onerror="alert(2)"' not in page, "the email's HTML is only ever an escaped srcdoc attribute"
    assert get(app, "/nothing")[0] == 404


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_the_outbox_is_read_only(method: str) -> None:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": "/outbox.json", "wsgi.input": io.BytesIO()}
    status: list[str] = []
    OutboxApp(Outbox({}))(environ, lambda s, h: status.append(s))
    assert status == ["405 Method Not Allowed"]


def test_the_page_lists_emails_filters_them_and_opens_one_at_a_time(aws: None, app_config: AppConfig) -> None:
    outbox = Outbox(customers(app_config))
    for number in range(3):
        email = rendered(subject=f"Approved: change {number}", html=f"<p>Body {number}</p>")
        send(app_config, "alpha", raw(email, f"p{number}@example.com"), f"p{number}@example.com")
    at_bravo = replace(rendered(subject="Approved: at bravo"), headers=(("X-CCM-Customer", "bravo"),))
    send(app_config, "bravo", raw(at_bravo, "b@example.com"), "b@example.com")
    app = OutboxApp(outbox)
    [second] = [email for email in outbox.emails() if email.subject == "Approved: change 1"]

    _, listed = get(app, "/outbox")
    _, filtered = get(app, "/outbox", "customer=alpha")
    _, opened = get(app, "/outbox", f"customer=alpha&open={second.message_id}")

    assert all(f"Approved: change {n}" in listed for n in range(3)) and "Approved: at bravo" in listed
    assert "srcdoc" not in listed and "No email open" in listed, "the list alone: nothing open until chosen"
    assert "Approved: at bravo" not in filtered and "Emails (3 of 4)" in filtered
    assert opened.count("srcdoc=") == 1 and "&lt;p&gt;Body 1&lt;/p&gt;" in opened
    assert 'class="open" aria-current="true"' in opened
    assert f"?customer=alpha&amp;page=1&amp;open={second.message_id}#message" in opened
    assert '<link rel="icon" href="/dev/favicon.svg"' in listed
    icon_status, icon = get(app, "/favicon.svg")
    assert icon_status == 200 and icon.startswith("<svg")


def test_a_long_outbox_is_shown_a_page_at_a_time(aws: None, app_config: AppConfig) -> None:
    outbox = Outbox(customers(app_config))
    for number in range(PAGE_SIZE + 1):
        send(app_config, "alpha", raw(rendered(subject=f"Mail #{number:03}"), "a@example.com"), "a@example.com")
    app = OutboxApp(outbox)

    _, first = get(app, "/outbox")
    _, second = get(app, "/outbox", "page=2")

    assert f"Mail #{PAGE_SIZE:03}" in first and "Mail #000" not in first, "newest first"
    assert "Mail #000" in second and "Page 2 of 2" in second


@pytest.mark.parametrize(
    ("start", "end", "zone", "shown"),
    [
        (
            "2026-12-16T09:30:00.0000000",
            "2026-12-16T11:00:00.0000000",
            "Europe/Berlin",
            "Wed 16 Dec 2026 09:30–11:00 CET (Europe/Berlin)",
        ),
        (
            "2026-07-01T22:00:00.0000000",
            "2026-07-02T01:00:00.0000000",
            "America/New_York",
            "Wed 1 Jul 2026 22:00–Thu 2 Jul 2026 01:00 EDT (America/New_York)",
        ),
        (
            "2026-12-16T09:30:00.0000000",
            "2026-12-16T11:00:00.0000000",
            "W. Europe Standard Time",
            "Wed 16 Dec 2026 09:30–11:00 (W. Europe Standard Time)",
        ),
    ],
)
def test_a_meeting_window_is_shown_in_its_own_zone(start: str, end: str, zone: str, shown: str) -> None:
    assert zoned_window(start, end, zone) == shown
