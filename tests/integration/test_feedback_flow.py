"""From the completion email's rating link to the requester's low-rating email, through the real backend."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from ccm.config import AppConfig
from ccm.domain.feedback import sign, ticket_for
from ccm.domain.ids import is_feedback_notice_id
from ccm.domain.objects import AnyObject
from ccm.storage.feedback import DynamoFeedback, DynamoFeedbackKeys
from ccm.storage.repository import Repository
from ccm.workflow import Services
from ccm.workflow.feedback import low_rating_notice_id, submit_feedback
from tests.backend_fakes import SentMail
from tests.backend_support import NOW, Harness, bucket_and_table
from tests.conftest import TABLE
from tests.factories import make_change

_TOKEN = re.compile(r"/feedback/([A-Za-z0-9_.-]+)\?rating=")


@pytest.fixture
def store(aws: None) -> Repository:
    return bucket_and_table()


@pytest.fixture
def harness(store: Repository) -> Harness:
    return Harness.build(store)


class Moving:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Moving:
    return Moving()


@pytest.fixture
def services(store: Repository, harness: Harness, clock: Moving) -> Services:
    return Services(
        store,
        harness.backend.config,
        clock=clock,
        feedback=DynamoFeedback(TABLE),
        feedback_keys=DynamoFeedbackKeys(TABLE),
    )


def completed_change(harness: Harness) -> AnyObject:
    harness.subscribe("alpha", "aws-announce", "reader@alpha.example.com", "other@alpha.example.com")
    change = make_change(status="approved", customers=["alpha"], approvedBy="approver@example.com")
    harness.publish(change)
    harness.transition(change.id, "completed")
    harness.deliver("alpha", change.id)
    return change


def token_of(mail: SentMail) -> str:
    body = mail.message.get_body(preferencelist=("plain",))
    assert body is not None
    [token] = {str(found) for found in _TOKEN.findall(str(body.get_content()))}
    return token


def requester_mail(harness: Harness) -> list[SentMail]:
    return [mail for mail in harness.mail.outbox.sent if mail.event == "feedback_low"]


def test_each_subscriber_gets_a_token_the_public_page_accepts(harness: Harness, services: Services) -> None:
    change = completed_change(harness)

    completions = [mail for mail in harness.mail.outbox.sent if mail.event == "completed"]
    tokens = {mail.recipient: token_of(mail) for mail in completions}

    assert set(tokens) == {"reader@alpha.example.com", "other@alpha.example.com"}
    assert len(set(tokens.values())) == 2
    page, answer = submit_feedback(services, tokens["reader@alpha.example.com"], 4, "")
    assert (page.title, answer.object_id, answer.version) == (change.title, change.id, change.version + 1)
    assert requester_mail(harness) == []


def test_a_low_rating_tells_the_requester_once_with_the_comment(harness: Harness, services: Services) -> None:
    change = completed_change(harness)
    token = token_of(harness.mail.outbox.sent[0])

    _, answer = submit_feedback(services, token, 1, "We lost <b>two hours</b> of sales")
    notice_id = low_rating_notice_id(answer)
    assert is_feedback_notice_id(notice_id)
    first = harness.deliver("alpha", notice_id)
    again = harness.deliver("alpha", notice_id)

    assert [o.action for o in first.outcomes] == ["processed"]
    assert [o.action for o in again.outcomes] == ["already-processed"]
    [mail] = requester_mail(harness)
    assert (mail.recipient, mail.topic) == (change.owner, None)
    assert str(mail.message["Subject"]).strip() == f"Low rating: 1 of 5 from Alpha Retail for {change.title}"
    html = mail.message.get_body(preferencelist=("html",))
    assert html is not None and "We lost &lt;b&gt;two hours&lt;/b&gt; of sales" in str(html.get_content())


def test_an_answer_replaced_before_its_notice_is_processed_is_not_told_twice(
    harness: Harness, services: Services, clock: Moving
) -> None:
    completed_change(harness)
    token = token_of(harness.mail.outbox.sent[0])
    _, first = submit_feedback(services, token, 2, "slow")
    clock.now += timedelta(minutes=5)
    _, second = submit_feedback(services, token, 5, "fine after all")

    result = harness.deliver("alpha", low_rating_notice_id(first))

    assert [o.action for o in result.outcomes] == ["superseded"]
    assert requester_mail(harness) == []
    assert not harness.repository.archive.trigger_exists("alpha", low_rating_notice_id(second))


def test_high_ratings_write_no_notice(harness: Harness, services: Services, store: Repository) -> None:
    completed_change(harness)
    _, answer = submit_feedback(services, token_of(harness.mail.outbox.sent[0]), 3, "")

    assert not store.archive.trigger_exists("alpha", low_rating_notice_id(answer))


def test_the_address_is_kept_only_when_configured(harness: Harness, store: Repository, clock: Moving) -> None:
    change = completed_change(harness)
    config: AppConfig = harness.backend.config
    keeping = config.model_copy(update={"feedback": config.feedback.model_copy(update={"store_recipient": True})})
    keys = DynamoFeedbackKeys(TABLE)
    with_address = sign(
        ticket_for(change.id, 3, "alpha", "Reader@Alpha.example.com", NOW, with_address=True), keys.keys()
    )
    without = sign(ticket_for(change.id, 3, "alpha", "other@alpha.example.com", NOW), keys.keys())

    for settings, token, kept in (
        (keeping, with_address, "reader@alpha.example.com"),
        (keeping, without, None),
        (config, with_address, None),
    ):
        services = Services(store, settings, clock=clock, feedback=DynamoFeedback(TABLE), feedback_keys=keys)
        _, answer = submit_feedback(services, token, 5, "")
        assert answer.recipient == kept
