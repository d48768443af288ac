"""The per-status sequence of steps, and the decisions that choose each status's email and topic."""

from __future__ import annotations

import pytest

from ccm.backend.steps import EMAIL_STEP, REQUESTER_STEP, Pipeline, TriggerContext
from ccm.config import SesConfig
from ccm.domain.ids import AnnouncementType
from ccm.domain.status import Status
from ccm.mail.decisions import EmailEvent, Notice, Topics, decide
from tests.factories import make_announcement, make_change


class Named:
    def __init__(self, name: str) -> None:
        self.name = name

    def run(self, context: TriggerContext) -> None:
        raise AssertionError("not run in these tests")


def test_without_meeting_steps_every_notifying_status_runs_its_email_and_drafts_nothing() -> None:
    pipeline = Pipeline(email=Named(EMAIL_STEP))

    assert {status: pipeline.names(status) for status in Status} == {
        Status.DRAFT: [],
        Status.SUBMITTED: [EMAIL_STEP],
        Status.APPROVED: [EMAIL_STEP],
        Status.COMPLETED: [EMAIL_STEP],
        Status.CANCELLED: [EMAIL_STEP],
        Status.REJECTED: [],
    }


def test_a_rejection_mails_only_its_requester() -> None:
    pipeline = Pipeline(email=Named(EMAIL_STEP), requester=Named(REQUESTER_STEP))

    assert pipeline.names(Status.REJECTED) == [REQUESTER_STEP]


def test_the_meeting_comes_before_the_approval_email_and_the_cancellations_before_the_closing_emails() -> None:
    pipeline = Pipeline(email=Named(EMAIL_STEP), meeting=Named("meeting"), invites=Named("calendar-invite"))

    assert pipeline.names(Status.APPROVED) == ["meeting", EMAIL_STEP, "calendar-invite"]
    assert pipeline.names(Status.CANCELLED) == ["meeting", "calendar-invite", EMAIL_STEP]
    assert pipeline.names(Status.SUBMITTED) == [EMAIL_STEP]
    assert pipeline.names(Status.COMPLETED) == ["meeting", "calendar-invite", EMAIL_STEP]
    assert pipeline.names(Status.DRAFT) == []


def test_change_topics_come_from_the_first_group_prefix(ses_config: SesConfig) -> None:
    wiz_first = SesConfig.model_validate({**ses_config.model_dump(by_alias=True), "topic_group_prefix": ["wiz", "aws"]})

    assert Topics.from_ses_config(ses_config) == Topics("aws-approval", "aws-announce")
    assert Topics.from_ses_config(wiz_first) == Topics("wiz-approval", "wiz-announce", change_calendar="wiz-calendar")


@pytest.mark.parametrize(
    ("kind", "topic"),
    [
        (AnnouncementType.CIC, "cic-announce"),
        (AnnouncementType.FINOPS, "finops-announce"),
        (AnnouncementType.INNERSOURCE, "inner-announce"),
        (AnnouncementType.GENERAL, "general-updates"),
    ],
)
def test_an_announcement_goes_to_its_types_topic_once_approved(
    ses_config: SesConfig, kind: AnnouncementType, topic: str
) -> None:
    topics = Topics.from_ses_config(ses_config)

    assert decide(make_announcement(kind, status="submitted"), topics) == Notice(
        EmailEvent.APPROVAL_REQUEST, "announce-approval"
    )
    assert decide(make_announcement(kind, status="approved"), topics) == Notice(EmailEvent.APPROVED, topic)
    assert decide(make_announcement(kind, status="completed"), topics) == Notice(EmailEvent.COMPLETED, topic)


def test_a_cancellation_goes_to_whoever_heard_of_the_object(ses_config: SesConfig) -> None:
    topics = Topics.from_ses_config(ses_config)
    never_approved = make_change(status="cancelled")
    once_approved = make_change(status="cancelled", approvedAt="2030-01-01T00:00:00Z")

    assert decide(never_approved, topics) == Notice(EmailEvent.CANCELLED, "aws-approval")
    assert decide(once_approved, topics) == Notice(EmailEvent.CANCELLED, "aws-announce")
    assert decide(make_change(status="draft"), topics) is None
