"""The pure rules of issue 19: what an edit changed and for whom, and when reminders and nudges are due."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccm.cli.main import app
from ccm.config import AppConfig, SesConfig, load_config
from ccm.domain.objects import ModificationType
from ccm.domain.reminders import NudgeRule, reminders_for, tolerance_for
from ccm.domain.status import Status
from ccm.domain.what_changed import AspectKey, Audience, changed_aspects, needs_approval_again, rescheduled
from ccm.durations import format_duration, in_words, parse_duration
from ccm.errors import ConfigError
from ccm.mail.decisions import EmailEvent, Notice, Topics, topic_for
from ccm.mail.render import EmailRenderer
from ccm.mail.views import Extras, Moment, ReminderFacts
from tests.conftest import CONFIG_PATH, SES_CONFIG_PATH
from tests.factories import make_announcement, make_change

START = datetime(2030, 1, 7, 15, 0, tzinfo=UTC)


def keys(before: object, after: object, audience: Audience) -> list[AspectKey]:
    return [aspect.key for aspect in changed_aspects(before, after, audience)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "customers_see", "approvers_see"),
    [
        ({"changeTitle": "Rotate all certificates"}, [AspectKey.TITLE], [AspectKey.TITLE]),
        ({"implementationEnd": "2030-01-07T18:00:00Z"}, [AspectKey.WINDOW], [AspectKey.WINDOW]),
        ({"timezone": "Europe/Berlin"}, [AspectKey.WINDOW], [AspectKey.WINDOW]),
        ({"customers": ["alpha"]}, [AspectKey.CUSTOMERS], [AspectKey.CUSTOMERS]),
        ({"changeReason": "Expiry moved up"}, [AspectKey.REASON], [AspectKey.REASON]),
        ({"customerImpact": "A TLS reset"}, [AspectKey.CUSTOMER_IMPACT], [AspectKey.CUSTOMER_IMPACT]),
        ({"include_meeting": True}, [AspectKey.MEETING], [AspectKey.MEETING]),
        ({"implementationPlan": "Another plan"}, [], [AspectKey.IMPLEMENTATION_PLAN]),
        ({"testPlan": "Another test"}, [], [AspectKey.TEST_PLAN]),
        ({"rollbackPlan": "Another way back"}, [], [AspectKey.ROLLBACK_PLAN]),
        ({"attendees": "ops@example.com"}, [], [AspectKey.ATTENDEES]),
        ({"snowTicket": "CHG0099"}, [], []),
        ({"jiraTicket": "OPS-1"}, [], []),
        ({"changeReason": "  Certificates expire next month \r\n"}, [], []),
    ],
)
def test_each_field_of_a_change_counts_for_whom_it_is_visible(
    fields: dict[str, object], customers_see: list[AspectKey], approvers_see: list[AspectKey]
) -> None:
    before = make_change(status="approved")
    after = make_change(changeId=before.id, status="approved", **fields)

    assert keys(before, after, Audience.CUSTOMERS) == customers_see
    assert keys(before, after, Audience.APPROVERS) == approvers_see
    assert needs_approval_again(before, after) is bool(approvers_see)


def test_an_announcements_texts_attachments_and_meeting_are_what_its_readers_see() -> None:
    before = make_announcement(status="approved")
    after = make_announcement(
        announcement_id=before.id,
        status="approved",
        summary="A new summary",
        attachments=[{"name": "Agenda", "url": "https://example.com/agenda.pdf"}],
        attendees="host@example.com",
    )

    assert keys(before, after, Audience.CUSTOMERS) == [AspectKey.SUMMARY, AspectKey.ATTACHMENTS]
    assert keys(before, after, Audience.APPROVERS)[-1] is AspectKey.ATTENDEES


def test_only_a_moved_window_is_a_rescheduling_not_another_zone_for_the_same_instants() -> None:
    before = make_change()
    assert rescheduled(before, make_change(implementationStart="2030-01-08T15:00:00Z"))
    assert not rescheduled(before, make_change(timezone="Asia/Tokyo"))
    assert not rescheduled(before, make_change(changeTitle="Another title"))


def test_sending_back_for_approval_records_the_approved_version_and_keeps_the_approval_stamps() -> None:
    change = make_change(status="approved", version=4, approvedBy="approver@example.com")

    change.send_back_for_approval("requester@example.com", START)

    assert (change.status, change.prior_status, change.approved_by) == (
        Status.SUBMITTED,
        "approved",
        "approver@example.com",
    )
    assert change.modifications[-1].modification_type is ModificationType.CHANGED_AFTER_APPROVAL
    assert change.changed_since_approval == 4
    change.transition(Status.APPROVED, "approver@example.com", START)
    assert change.changed_since_approval is None


def test_what_each_customer_was_told_only_moves_forward_and_is_forgotten_only_up_to_its_removal() -> None:
    change = make_change(status="approved")

    assert change.note_notified("alpha", 3) and not change.note_notified("alpha", 2)
    assert change.notified_versions == {"alpha": 3}
    assert not change.forget_notified("alpha", 2)
    assert change.forget_notified("alpha", 5) and change.notified_versions == {}


@pytest.mark.parametrize(
    ("text", "seconds", "canonical"),
    [("P1D", 86400, "P1D"), ("PT1H", 3600, "PT1H"), ("p1dt12h", 129600, "P1DT12H"), ("P1W", 604800, "P7D")],
)
def test_durations_are_read_as_iso_8601_and_written_one_way(text: str, seconds: int, canonical: str) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)
    assert format_duration(parse_duration(text)) == canonical


@pytest.mark.parametrize("text", ["P1M", "P1Y", "PT0S", "1 day", "P", "PT", "-P1D"])
def test_months_years_nothing_and_prose_are_no_reminder_offset(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_offsets_are_named_in_words() -> None:
    assert [in_words(parse_duration(text)) for text in ("P1D", "PT1H", "P3DT2H30M")] == [
        "1 day",
        "1 hour",
        "3 days 2 hours 30 minutes",
    ]


def test_a_reminder_is_due_from_its_moment_until_its_tolerance_ran_out() -> None:
    offsets = [timedelta(days=1), timedelta(hours=1)]

    early = reminders_for(START, offsets, START - timedelta(days=1, minutes=1))
    due = reminders_for(START, offsets, START - timedelta(hours=20))
    late = reminders_for(START, offsets, START - timedelta(hours=2))
    both = reminders_for(START, offsets, START - timedelta(minutes=50))

    assert (early.due, early.late) == ([], [])
    assert [r.label for r in due.due] == ["P1D"] and due.late == []
    assert late.due == [] and [r.label for r in late.late] == ["P1D"]
    assert [r.label for r in both.due] == ["PT1H"] and [r.label for r in both.late] == ["P1D"]
    assert reminders_for(START, offsets, START).due == []


def test_the_tolerance_is_a_quarter_of_the_offset_at_least_fifteen_minutes_unless_configured() -> None:
    assert tolerance_for(timedelta(days=1)) == timedelta(hours=6)
    assert tolerance_for(timedelta(minutes=30)) == timedelta(minutes=15)
    assert tolerance_for(timedelta(days=1), timedelta(minutes=5)) == timedelta(minutes=5)


def test_nudges_come_an_hour_after_the_end_then_daily_and_stop_at_the_limit() -> None:
    rule = NudgeRule()
    end = START

    assert rule.due(end, end + timedelta(minutes=59)) is None
    assert rule.due(end, end + timedelta(hours=1)) == 1
    assert rule.due(end, end + timedelta(hours=24)) == 1
    assert rule.due(end, end + timedelta(hours=25)) == 2
    assert rule.due(end, end + timedelta(days=30)) == 3
    assert rule.last_after == timedelta(days=2, hours=1)


def test_reminder_offsets_are_configured_for_everyone_and_replaced_per_customer(app_config: AppConfig) -> None:
    document = app_config.model_dump(mode="json")
    document["reminders"] = ["PT1H", "P1D", "P1D"]
    document["customer_mappings"]["alpha"]["reminders"] = ["P3D", "PT60M"]
    document["customer_mappings"]["bravo"]["reminders"] = []

    config = AppConfig.model_validate(document)

    assert config.reminders == ["P1D", "PT1H"]
    assert config.reminders_for("alpha") == ["P3D", "PT1H"]
    assert config.reminders_for("bravo") == []
    assert config.reminders_for("charlie") == ["P1D", "PT1H"]
    assert load_config(CONFIG_PATH).reminders == ["P1D"]


def test_a_bad_reminder_offset_is_reported_with_file_key_and_reason(tmp_path: Path) -> None:
    document = json.loads(CONFIG_PATH.read_text())
    document["customer_mappings"]["alpha"]["reminders"] = ["P1M"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document))

    with pytest.raises(ConfigError, match=r"config.json: customer_mappings.alpha.reminders\[0\]: 'P1M' is not"):
        load_config(path)


def test_config_validate_names_the_file_key_and_reason_of_a_bad_nudge_setting(tmp_path: Path) -> None:
    document = json.loads(CONFIG_PATH.read_text())
    document["nudges"] = {"first_after": "P1Y", "limit": 3}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document))

    result = CliRunner().invoke(
        app, ["config", "validate", "--config", str(path), "--ses-config", str(SES_CONFIG_PATH)]
    )

    assert result.exit_code == 1
    assert "config.json: nudges.first_after: 'P1Y' is not an ISO 8601 duration" in result.output
    assert "Traceback" not in result.output


def test_one_renderer_writes_each_reminder_of_the_same_version_with_its_own_offset(
    app_config: AppConfig, ses_config: SesConfig
) -> None:
    """The renderer reuses an email per object version, notice and customer: a reminder's offset must count too."""
    change = make_change(status="approved", implementationStart="2030-01-07T15:00:00Z", timezone="Europe/Berlin")
    notice = Notice(EmailEvent.REMINDER, topic_for(change, EmailEvent.REMINDER, Topics.from_ses_config(ses_config)))
    renderer = EmailRenderer(app_config, ses_config)
    starts = Moment.of(START, "Europe/Berlin")

    def reminder_text(offset: timedelta) -> str:
        facts = ReminderFacts(offset=offset, starts=starts, invitation=None)
        return renderer.render(change, notice, "alpha", START, Extras(reminder=facts)).text

    day, hour = reminder_text(timedelta(days=1)), reminder_text(timedelta(hours=1))

    assert "starts in about 1 day" in day
    assert "starts in about 1 hour" in hour
    assert reminder_text(timedelta(days=1)) == day
