"""Render once, send many: an email is rendered per (object version, notice, customer) and reused for every
recipient, including those a redelivered message reaches after a failure partway."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest

from ccm.backend.processor import MessageFailed
from ccm.config import AppConfig, SesConfig
from ccm.mail.decisions import Topics, decide
from ccm.mail.render import EmailRenderer
from ccm.storage.repository import Repository
from tests.backend_support import NOW, Harness, bucket_and_table
from tests.factories import make_change


@pytest.fixture
def harness(aws: None) -> Harness:
    store: Repository = bucket_and_table()
    return Harness.build(store)


def without_recipient(raw: bytes) -> bytes:
    """The message as sent, less its To: line (the only per-recipient part)."""
    head, _, rest = raw.partition(b"\r\n")
    assert head.startswith(b"To: ")
    return rest


def test_every_recipient_gets_the_same_bytes_but_their_own_address(harness: Harness) -> None:
    readers = harness.audience("alpha", 30, "aws-announce")
    change = make_change(status="approved", customers=["alpha"], approvedBy="approver@example.com")
    harness.publish(change)

    harness.deliver("alpha", change.id)

    sent = harness.mail.outbox.sent
    assert sorted(mail.recipient for mail in sent) == sorted(readers)
    assert len({without_recipient(mail.raw) for mail in sent}) == 1
    for mail in sent:
        parsed = email.message_from_bytes(mail.raw, policy=email.policy.default)
        assert parsed["To"] == mail.recipient


def test_a_redelivered_message_sends_the_remaining_recipients_the_email_the_first_ones_got(harness: Harness) -> None:
    readers = harness.audience("alpha", 20, "aws-announce")
    change = make_change(status="approved", customers=["alpha"], approvedBy="approver@example.com")
    harness.publish(change)
    harness.box("alpha").fail_after = 8

    with pytest.raises(MessageFailed):
        harness.deliver("alpha", change.id)
    harness.box("alpha").fail_after = None
    # The queue redelivers it minutes later: rendered again, its time (and Date) would differ.
    harness.backend.processor.clock = lambda: NOW + timedelta(minutes=3)
    harness.deliver("alpha", change.id)

    sent = harness.mail.outbox.sent
    assert sorted(mail.recipient for mail in sent) == sorted(readers)
    assert len({without_recipient(mail.raw) for mail in sent}) == 1


def test_a_rendering_is_reused_only_for_the_same_version_notice_and_customer(
    app_config: AppConfig, ses_config: SesConfig
) -> None:
    renderer = EmailRenderer(app_config, ses_config)
    change = make_change(status="approved", customers=["alpha", "bravo"], approvedBy="approver@example.com")
    notice = decide(change, Topics.from_ses_config(ses_config))
    assert notice is not None

    first = renderer.render(change, notice, "alpha", NOW)

    assert renderer.render(change, notice, "alpha", NOW + timedelta(minutes=5)) is first
    assert renderer.render(change, notice, "bravo", NOW) is not first
    newer = change.model_copy(update={"version": change.version + 1})
    assert renderer.render(newer, notice, "alpha", NOW) is not first
    other = decide(change.model_copy(update={"status": "cancelled"}), Topics.from_ses_config(ses_config))
    assert other is not None and other != notice
    assert renderer.render(change, other, "alpha", NOW) is not first
