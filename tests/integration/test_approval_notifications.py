"""What the approvers' decisions make the backend send: the workflow and the backend on one moto bucket and table."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from ccm.config import AppConfig
from ccm.domain.delegation import Delegation
from ccm.storage.delegations import DynamoDelegations
from ccm.storage.repository import Repository
from ccm.workflow import Actor, Services, submit
from ccm.workflow.approval_commands import ApprovalCommand, DelegationCommand, RejectionCommand
from ccm.workflow.commands import ChangeSubmission
from ccm.workflow.decisions import approve, reject
from ccm.workflow.delegation import set_delegation
from tests.api.policies import CAB_ONE, CAB_TWO, config_with
from tests.backend_fakes import SentMail
from tests.backend_support import NOW, Harness, bucket_and_table
from tests.conftest import TABLE
from tests.factories import change_document


@pytest.fixture
def store(aws: None) -> Repository:
    return bucket_and_table()


@pytest.fixture
def harness(store: Repository) -> Harness:
    return Harness.build(store)


@pytest.fixture
def config() -> AppConfig:
    return config_with()


@pytest.fixture
def services(store: Repository, config: AppConfig) -> Services:
    return Services(store, config, clock=lambda: NOW, delegations=DynamoDelegations(TABLE))


def actor(config: AppConfig, email: str, *groups: str) -> Actor:
    return Actor.of(email, groups, config.authorization)


def new_change(services: Services, config: AppConfig, **fields: object) -> str:
    document = {key: value for key, value in change_document().items() if key in ChangeSubmission.model_fields}
    command = ChangeSubmission.model_validate({**document, "customers": ["alpha", "bravo"], **fields})
    return submit(services, actor(config, "requester@example.com"), command).stored.obj.id


def plain_text(mail: SentMail) -> str:
    body = mail.message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def deliver_all(harness: Harness, object_id: str) -> None:
    for code in ("alpha", "bravo"):
        harness.deliver(code, object_id)


def test_the_customers_hear_of_an_approval_once_at_the_last_decision_the_policy_needs(
    harness: Harness, services: Services, config: AppConfig
) -> None:
    for code in ("alpha", "bravo"):
        harness.subscribe(code, "aws-approval", f"cab-list@{code}.example.com")
        harness.subscribe(code, "aws-announce", f"reader@{code}.example.com")
    change_id = new_change(services, config, risk="high")
    deliver_all(harness, change_id)

    approve(services, actor(config, CAB_ONE.email, "ccm-cab"), change_id, ApprovalCommand(), kind="change")
    deliver_all(harness, change_id)  # nothing was written for a partial approval: nothing to process
    approvals_after_first = [mail.event for mail in harness.mail.outbox.sent]
    approve(services, actor(config, CAB_TWO.email, "ccm-cab"), change_id, ApprovalCommand(), kind="change")
    deliver_all(harness, change_id)
    deliver_all(harness, change_id)  # a redelivery sends nothing more

    assert approvals_after_first == ["approval_request", "approval_request"]
    assert Counter((mail.recipient, mail.event) for mail in harness.mail.outbox.sent) == {
        ("cab-list@alpha.example.com", "approval_request"): 1,
        ("cab-list@bravo.example.com", "approval_request"): 1,
        ("reader@alpha.example.com", "approved"): 1,
        ("reader@bravo.example.com", "approved"): 1,
    }
    approved = next(mail for mail in harness.mail.outbox.sent if mail.event == "approved")
    assert "cab-two@example.com" in plain_text(approved)


def test_a_rejection_mails_its_reason_to_the_requester_alone_outside_every_topic(
    harness: Harness, services: Services, config: AppConfig
) -> None:
    for code in ("alpha", "bravo"):
        harness.subscribe(code, "aws-approval", f"cab-list@{code}.example.com")
        harness.subscribe(code, "aws-announce", f"reader@{code}.example.com")
    change_id = new_change(services, config, changeTitle="Move the payment gateway")
    deliver_all(harness, change_id)
    harness.mail.outbox.clear()

    reason = "The rollback plan does not cover the DNS change"
    approver = actor(config, "approver@example.com", "ccm-approvers")
    reject(services, approver, change_id, RejectionCommand(reason=reason), kind="change")
    deliver_all(harness, change_id)
    deliver_all(harness, change_id)

    [mail] = harness.mail.outbox.sent
    assert (mail.recipient, mail.event, mail.topic, mail.customer_code) == (
        "requester@example.com",
        "rejected",
        None,
        "alpha",
    )
    assert mail.message["Subject"] == "Rejected: Move the payment gateway"
    text = plain_text(mail)
    assert reason in text and "approver@example.com" in text
    assert "amazonSESUnsubscribeUrl" not in mail.raw.decode()


def test_a_delegation_tells_the_approver_and_the_delegate_once(
    harness: Harness, services: Services, config: AppConfig
) -> None:
    command = DelegationCommand.model_validate(
        {"delegate": "deputy@example.com", "from": "2030-01-06", "until": "2030-01-10"}
    )
    outcome = set_delegation(services, actor(config, CAB_ONE.email, "ccm-cab"), command)
    notice_id = outcome.delegation.notice_id
    code = config.customer_codes[0]

    first = harness.deliver(code, notice_id)
    again = harness.deliver(code, notice_id)

    assert [outcome.action for outcome in first.outcomes] == ["processed"]
    assert [outcome.action for outcome in again.outcomes] == ["already-processed"]
    sent = {(mail.recipient, mail.topic) for mail in harness.mail.outbox.sent}
    assert sent == {(CAB_ONE.email, None), ("deputy@example.com", None)}
    subjects = {str(mail.message["Subject"]) for mail in harness.mail.outbox.sent}
    assert subjects == {
        "Delegation: deputy@example.com decides for cab-one@example.com, Sun 6 Jan 2030 to Thu 10 Jan 2030"
    }


def test_the_notice_of_a_delegation_replaced_since_is_dropped(
    harness: Harness, services: Services, config: AppConfig
) -> None:
    cab_one = actor(config, CAB_ONE.email, "ccm-cab")
    first = set_delegation(
        services,
        cab_one,
        DelegationCommand(delegate="deputy@example.com", starts=date(2030, 1, 6), ends=date(2030, 1, 8)),
    )
    services.delegations.put(
        Delegation.model_validate(
            {**first.delegation.model_dump(), "delegate": "other@example.com", "set_at": "2030-01-06T13:00:00Z"}
        )
    )

    result = harness.deliver(config.customer_codes[0], first.delegation.notice_id)

    assert [outcome.action for outcome in result.outcomes] == ["superseded"]
    assert harness.mail.outbox.sent == []
