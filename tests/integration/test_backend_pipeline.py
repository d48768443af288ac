"""The trigger pipeline at the service level: real archive and ledger (moto), the email port faked."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace

import pytest

from ccm.backend.processor import MessageFailed
from ccm.backend.steps import EMAIL_STEP, TriggerContext
from ccm.domain.ids import AnnouncementType
from ccm.domain.objects import AnyObject, MeetingMetadata, ModificationType
from ccm.domain.status import Status
from ccm.storage.ledger import CLAIM_LEASE_SECONDS
from ccm.storage.repository import Repository
from tests.backend_fakes import MemoryLedger, SimulatedCrash
from tests.backend_support import NOW, Harness, bucket_and_table, load_event, trigger_body
from tests.factories import make_announcement, make_change


@pytest.fixture
def store(aws: None) -> Repository:
    return bucket_and_table()


@pytest.fixture
def harness(store: Repository) -> Harness:
    return Harness.build(store)


def publish_approved(harness: Harness, *customers: str) -> AnyObject:
    change = make_change(status="approved", customers=list(customers), approvedBy="approver@example.com")
    harness.publish(change)
    return change


def test_a_submitted_change_asks_each_customers_approvers_for_approval(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-approval", "approver-a@example.com", "approver-b@example.com")
    harness.subscribe("alpha", "aws-announce", "reader@example.com")
    harness.subscribe("bravo", "aws-approval", "approver-c@example.com")
    change = make_change(status="submitted", customers=["alpha", "bravo"])
    harness.publish(change)

    harness.deliver("alpha", change.id)
    harness.deliver("bravo", change.id)

    sent = {(mail.customer_code, mail.recipient, mail.event) for mail in harness.mail.outbox.sent}
    assert sent == {
        ("alpha", "approver-a@example.com", "approval_request"),
        ("alpha", "approver-b@example.com", "approval_request"),
        ("bravo", "approver-c@example.com", "approval_request"),
    }
    assert {mail.topic for mail in harness.mail.outbox.sent} == {"aws-approval"}
    assert not harness.repository.archive.trigger_exists("alpha", change.id)
    assert not harness.repository.archive.trigger_exists("bravo", change.id)


CHANGE_PATHS = [
    ([], "approval_request", "aws-approval"),
    (["approved"], "approved", "aws-announce"),
    (["approved", "completed"], "completed", "aws-announce"),
    (["approved", "cancelled"], "cancelled", "aws-announce"),
    (["cancelled"], "cancelled", "aws-approval"),
]


@pytest.mark.parametrize(("transitions", "event", "topic"), CHANGE_PATHS)
def test_each_status_of_a_change_mails_its_email_to_its_topics_subscribers(
    harness: Harness, transitions: list[str], event: str, topic: str
) -> None:
    harness.subscribe("alpha", "aws-approval", "approver@example.com")
    harness.subscribe("alpha", "aws-announce", "reader@example.com")
    change = make_change(status="submitted", customers=["alpha"])
    harness.publish(change)
    for status in transitions:
        harness.transition(change.id, status)

    harness.deliver("alpha", change.id)

    subscriber = "approver@example.com" if topic == "aws-approval" else "reader@example.com"
    assert [(mail.recipient, mail.topic, mail.event) for mail in harness.mail.outbox.sent] == [
        (subscriber, topic, event)
    ]


ANNOUNCEMENT_TOPICS = {
    AnnouncementType.CIC: "cic-announce",
    AnnouncementType.FINOPS: "finops-announce",
    AnnouncementType.INNERSOURCE: "inner-announce",
    AnnouncementType.GENERAL: "general-updates",
}


@pytest.mark.parametrize("kind", list(AnnouncementType))
@pytest.mark.parametrize(
    ("transitions", "event", "to_type_topic"),
    [
        ([], "approval_request", False),
        (["approved"], "approved", True),
        (["approved", "completed"], "completed", True),
        (["approved", "cancelled"], "cancelled", True),
        (["cancelled"], "cancelled", False),
    ],
)
def test_each_status_of_each_announcement_type_mails_the_right_topic(
    harness: Harness, kind: AnnouncementType, transitions: list[str], event: str, to_type_topic: bool
) -> None:
    type_topic = ANNOUNCEMENT_TOPICS[kind]
    harness.subscribe("alpha", "announce-approval", "approver@example.com")
    harness.subscribe("alpha", type_topic, "member@example.com")
    announcement = make_announcement(kind, status="submitted", customers=["alpha"])
    harness.publish(announcement)
    for status in transitions:
        harness.transition(announcement.id, status)

    harness.deliver("alpha", announcement.id)

    expected = ("member@example.com", type_topic) if to_type_topic else ("approver@example.com", "announce-approval")
    assert [(mail.recipient, mail.topic, mail.event) for mail in harness.mail.outbox.sent] == [(*expected, event)]


def test_the_same_message_delivered_three_times_mails_each_subscriber_once(harness: Harness) -> None:
    readers = harness.audience("alpha", 12, "aws-announce")
    change = publish_approved(harness, "alpha")

    outcomes = [harness.deliver("alpha", change.id).outcomes[0].action for _ in range(3)]

    assert outcomes == ["processed", "already-processed", "already-processed"]
    assert harness.mail.outbox.recipients() == Counter({reader: 1 for reader in readers})


def test_a_trigger_written_again_for_the_same_version_mails_nobody_twice(harness: Harness) -> None:
    readers = harness.audience("alpha", 5, "aws-announce")
    change = publish_approved(harness, "alpha")
    harness.deliver("alpha", change.id)
    harness.repository.archive.put_trigger("alpha", harness.repository.get(change.id).obj, "approved_announcement")

    assert harness.deliver("alpha", change.id).outcomes[0].action == "processed"

    assert harness.mail.outbox.recipients() == Counter({reader: 1 for reader in readers})


def test_three_concurrent_deliveries_of_one_message_mail_each_subscriber_once(store: Repository) -> None:
    harness = Harness.build(store, ledger=MemoryLedger())
    readers = harness.audience("alpha", 30, "aws-announce")
    harness.box("alpha").latency = 0.005
    change = publish_approved(harness, "alpha")
    failures: list[BaseException] = []

    def deliver() -> None:
        try:
            harness.deliver("alpha", change.id)
        except MessageFailed as failed:  # another worker held a claim: SQS would redeliver this one
            failures.append(failed)

    workers = [threading.Thread(target=deliver) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for _ in failures:
        harness.deliver("alpha", change.id)

    assert harness.mail.outbox.recipients() == Counter({reader: 1 for reader in readers})


def test_a_failure_after_k_of_n_sends_then_redelivery_mails_everyone_exactly_once(harness: Harness) -> None:
    readers = harness.audience("alpha", 40, "aws-announce")
    harness.box("alpha").fail_after = 15
    change = publish_approved(harness, "alpha")

    with pytest.raises(MessageFailed) as failed:
        harness.deliver("alpha", change.id)
    assert failed.value.counts["EmailsSent"] == 15
    assert failed.value.counts["EmailsFailed"] >= 1
    assert harness.repository.archive.trigger_exists("alpha", change.id)

    harness.box("alpha").fail_after = None
    harness.deliver("alpha", change.id)

    assert harness.mail.outbox.recipients() == Counter({reader: 1 for reader in readers})
    assert not harness.repository.archive.trigger_exists("alpha", change.id)


def test_a_crash_after_k_sends_loses_nobody_and_repeats_at_most_the_message_in_flight(harness: Harness) -> None:
    readers = harness.audience("alpha", 40, "aws-announce")
    harness.box("alpha").crash_after = 15
    change = publish_approved(harness, "alpha")

    with pytest.raises(SimulatedCrash):
        harness.deliver("alpha", change.id)
    in_flight = harness.mail.outbox.sent[15].recipient
    # SQS redelivers only after the visibility timeout, long after the crashed sender's claim expired.
    harness.clock.advance(CLAIM_LEASE_SECONDS + 1)
    harness.deliver("alpha", change.id)

    received = harness.mail.outbox.recipients()
    assert set(received) == set(readers)
    assert {reader: n for reader, n in received.items() if n != 1} == {in_flight: 2}


def test_a_redelivery_while_a_live_claim_is_held_is_retried_not_acknowledged(harness: Harness) -> None:
    readers = harness.audience("alpha", 10, "aws-announce")
    harness.box("alpha").crash_after = 3
    change = publish_approved(harness, "alpha")
    with pytest.raises(SimulatedCrash):
        harness.deliver("alpha", change.id)

    with pytest.raises(MessageFailed, match="being mailed by another worker"):
        harness.deliver("alpha", change.id)
    assert harness.repository.archive.trigger_exists("alpha", change.id)

    harness.clock.advance(CLAIM_LEASE_SECONDS + 1)
    harness.deliver("alpha", change.id)
    assert set(harness.mail.outbox.recipients()) == set(readers)


def test_ses_throttling_is_retried_and_counted(harness: Harness) -> None:
    readers = harness.audience("alpha", 6, "aws-announce")
    harness.box("alpha").throttle_next = 4
    change = make_change(status="completed", customers=["alpha"], approvedBy="approver@example.com")
    harness.publish(change)

    result = harness.deliver("alpha", change.id)

    assert result.counts["EmailsThrottled"] == 4
    assert result.counts["EmailsSent"] == 6
    assert harness.mail.outbox.recipients() == Counter({reader: 1 for reader in readers})


def test_an_unknown_customer_is_acknowledged_without_email(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-approval", "approver@example.com")
    change = make_change(status="submitted", customers=["alpha"])
    harness.publish(change)

    result = harness.deliver("nosuchcustomer", change.id)

    assert [outcome.action for outcome in result.outcomes] == ["rejected"]
    assert "unknown customer 'nosuchcustomer'" in result.outcomes[0].detail
    assert harness.mail.outbox.sent == []


def test_a_trigger_whose_archive_object_is_missing_is_acknowledged_without_email(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-approval", "approver@example.com")
    change = make_change(status="submitted", customers=["alpha"])
    harness.repository.archive.put_trigger("alpha", change, "approval_request")

    result = harness.deliver("alpha", change.id)

    assert result.outcomes[0].action == "rejected"
    assert f"archive/{change.id}.json does not exist" in result.outcomes[0].detail
    assert harness.mail.outbox.sent == []


@pytest.mark.parametrize(
    "body",
    [
        "this is not JSON",
        "[1, 2, 3]",
        '{"Records": [{"eventSource": "aws:sqs"}]}',
        '{"message_id": "m-1", "customer_code": "alpha", "s3_bucket": "b", "s3_key": "k"}',
    ],
)
def test_a_malformed_body_is_acknowledged_without_email(harness: Harness, body: str) -> None:
    result = harness.backend.processor.process_message(body)

    assert [outcome.action for outcome in result.outcomes] == ["rejected"]
    assert result.counts["TriggersFailed"] == 1
    assert harness.mail.outbox.sent == []


def test_a_key_outside_the_trigger_layout_is_acknowledged_without_email(harness: Harness) -> None:
    text = trigger_body("alpha", "CHG-1", bucket=harness.bucket).replace("customers%2Falpha", "archive")
    result = harness.backend.processor.process_message(text)

    assert result.outcomes[0].action == "rejected"
    assert "is not a trigger key" in result.outcomes[0].detail


def test_the_s3_test_event_is_acknowledged_and_ignored(harness: Harness) -> None:
    body = load_event("sqs_s3_test_event.json")["Records"][0]["body"]

    result = harness.backend.processor.process_message(body)

    assert [outcome.action for outcome in result.outcomes] == ["test-event"]
    assert result.counts == Counter()


def test_an_event_caused_by_the_backends_own_role_is_ignored(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-approval", "approver@example.com")
    change = make_change(status="submitted", customers=["alpha"])
    harness.publish(change)
    own = harness.backend.processor.principal
    own_principal = "AWS:" + own._load()[0] + ":another-session"

    result = harness.deliver("alpha", change.id, principal=own_principal)

    assert result.outcomes[0].action == "ignored"
    assert harness.mail.outbox.sent == []
    assert harness.repository.archive.trigger_exists("alpha", change.id)


def test_a_trigger_rewritten_during_processing_survives_for_its_own_message(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-approval", "approver@example.com")
    harness.subscribe("alpha", "aws-announce", "reader@example.com")
    change = make_change(status="submitted", customers=["alpha"])
    harness.publish(change)

    email = harness.backend.pipeline.email

    class EmailThenApproveMeanwhile:
        name = EMAIL_STEP

        def run(self, context: TriggerContext) -> None:
            email.run(context)
            if context.obj.status is Status.SUBMITTED:
                harness.transition(context.obj.id, "approved")

    harness.use_pipeline(replace(harness.backend.pipeline, email=EmailThenApproveMeanwhile()))
    harness.deliver("alpha", change.id)
    assert harness.repository.archive.trigger_exists("alpha", change.id)

    harness.deliver("alpha", change.id)

    assert [(mail.recipient, mail.event) for mail in harness.mail.outbox.sent] == [
        ("approver@example.com", "approval_request"),
        ("reader@example.com", "approved"),
    ]
    assert not harness.repository.archive.trigger_exists("alpha", change.id)


def test_a_step_before_the_email_can_annotate_what_the_email_shows(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-announce", "reader@example.com")
    change = publish_approved(harness, "alpha")

    class ScheduleMeeting:
        name = "meeting"

        def run(self, context: TriggerContext) -> None:
            def attach(obj: AnyObject) -> None:
                meeting = {
                    "meeting_id": "AAMk-1",
                    "join_url": "https://teams.example.com/l/meetup-join/1",
                    "start_time": "2030-01-07T15:00:00Z",
                    "end_time": "2030-01-07T16:00:00Z",
                    "subject": "Change Implementation: Rotate load balancer certificates",
                }
                obj.meeting_metadata = MeetingMetadata.model_validate(meeting)
                obj.record(ModificationType.MEETING_SCHEDULED, "backend-system", NOW, meeting=obj.meeting_metadata)

            update = harness.repository.update(context.obj.id, attach, bump_version=False, location="archive")
            context.replace_stored(update.after)

    harness.use_pipeline(replace(harness.backend.pipeline, meeting=ScheduleMeeting()))
    harness.deliver("alpha", change.id)

    (mail,) = harness.mail.outbox.sent
    html = mail.message.get_body(("html",))
    assert html is not None
    assert "https://teams.example.com/l/meetup-join/1" in html.get_content()


def test_restricted_recipients_keep_a_nonprod_customer_from_mailing_anyone_else(harness: Harness) -> None:
    harness.subscribe("zulu", "aws-announce", "sandbox-tester@example.com", "outsider@example.com")
    change = publish_approved(harness, "zulu")

    harness.deliver("zulu", change.id)

    assert [mail.recipient for mail in harness.mail.outbox.sent] == ["sandbox-tester@example.com"]


def test_suppressed_and_repeated_addresses_are_mailed_never_or_once(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-announce", "bounced@example.com", "Reader@example.com", "reader@EXAMPLE.com")
    harness.box("alpha").suppressed_addresses.add("BOUNCED@example.com")
    change = publish_approved(harness, "alpha")

    harness.deliver("alpha", change.id)

    assert [mail.recipient for mail in harness.mail.outbox.sent] == ["Reader@example.com"]


def test_a_processed_modification_is_recorded_per_customer_without_a_new_version(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-approval", "approver@example.com")
    change = make_change(status="submitted", customers=["alpha", "bravo"])
    harness.publish(change)
    harness.subscribe("bravo", "aws-approval", "approver-b@example.com")

    harness.deliver("alpha", change.id)
    harness.deliver("bravo", change.id)

    stored = harness.repository.get(change.id).obj
    processed = [m for m in stored.modifications if m.modification_type is ModificationType.PROCESSED]
    assert sorted(m.customer_code or "" for m in processed) == ["alpha", "bravo"]
    assert all(m.user_id.startswith("arn:aws:") for m in processed)
    assert stored.version == change.version
    assert harness.repository.archive.list_versions(change.id) == []


def test_each_processed_entry_records_the_topic_and_how_many_recipients_it_reached(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-announce", "a@example.com", "b@example.com", "A@example.com", "gone@example.com")
    harness.box("alpha").suppressed_addresses.add("gone@example.com")
    harness.subscribe("bravo", "aws-announce")
    change = publish_approved(harness, "alpha", "bravo")

    harness.deliver("alpha", change.id)
    harness.deliver("bravo", change.id)
    harness.repository.archive.put_trigger("alpha", change, "redelivered")
    harness.deliver("alpha", change.id)

    processed = {
        m.customer_code: (m.topic, m.recipients, m.by_system)
        for m in harness.repository.get(change.id).obj.modifications
        if m.modification_type is ModificationType.PROCESSED
    }
    assert processed == {"alpha": ("aws-announce", 2, True), "bravo": ("aws-announce", 0, True)}


def test_a_draft_in_the_archive_sends_nothing_and_consumes_its_trigger(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-approval", "approver@example.com")
    change = make_change(status="draft", customers=["alpha"])
    harness.publish(change)

    result = harness.deliver("alpha", change.id)

    assert result.outcomes[0].action == "no-email"
    assert harness.mail.outbox.sent == []
    assert not harness.repository.archive.trigger_exists("alpha", change.id)


def test_a_topic_nobody_subscribes_to_sends_nothing_and_consumes_the_trigger(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-announce")
    change = publish_approved(harness, "alpha")

    assert harness.deliver("alpha", change.id).outcomes[0].action == "processed"

    assert harness.mail.outbox.sent == []
    assert not harness.repository.archive.trigger_exists("alpha", change.id)


def test_a_topic_missing_from_the_contact_list_fails_the_message_for_retry(harness: Harness) -> None:
    change = publish_approved(harness, "alpha")

    with pytest.raises(MessageFailed, match="no topic aws-announce"):
        harness.deliver("alpha", change.id)

    assert harness.repository.archive.trigger_exists("alpha", change.id)


def test_running_out_of_time_stops_new_sends_and_the_redelivery_finishes(harness: Harness) -> None:
    readers = harness.audience("alpha", 5, "aws-announce")
    change = publish_approved(harness, "alpha")

    body = trigger_body("alpha", change.id, bucket=harness.bucket)
    with pytest.raises(MessageFailed, match="about to time out"):
        harness.backend.processor.process_message(body, deadline=0.0)
    assert harness.mail.outbox.sent == []

    harness.backend.processor.process_message(body)

    assert harness.mail.outbox.recipients() == Counter({reader: 1 for reader in readers})


def test_an_object_carrying_the_legacy_metadata_map_is_refused(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-approval", "approver@example.com")
    change = make_change(status="submitted", customers=["alpha"], metadata={"request-type": "approval_request"})
    harness.publish(change)

    result = harness.deliver("alpha", change.id)

    assert result.outcomes[0].action == "rejected"
    assert "legacy 'metadata' map" in result.outcomes[0].detail
    assert harness.mail.outbox.sent == []
