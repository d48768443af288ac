"""The workflow's pure rules: roles, permissions, date rules, cursors, what a client may set."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ccm.config import AppConfig
from ccm.domain.status import Status
from ccm.workflow import Actor, Forbidden, InvalidInput, NotAuthenticated, Role
from ccm.workflow.commands import ChangeFields, kind_of
from ccm.workflow.permissions import require_transition
from ccm.workflow.schedule import check_schedule
from tests.factories import make_change

NOW = datetime(2029, 12, 15, 12, 0, tzinfo=UTC)


def actor(app_config: AppConfig, email: str, *groups: str) -> Actor:
    return Actor.of(email, groups, app_config.authorization)


def test_roles_come_from_the_configured_groups(app_config: AppConfig) -> None:
    assert actor(app_config, "a@example.com").role is Role.USER
    assert actor(app_config, "a@example.com", "ccm-approvers").role is Role.APPROVER
    admin = actor(app_config, "a@example.com", "ccm-admins")
    assert (admin.role, admin.is_approver) == (Role.ADMIN, True)


def test_an_identity_that_is_not_an_email_is_not_an_identity(app_config: AppConfig) -> None:
    with pytest.raises(NotAuthenticated):
        actor(app_config, "unknown")


def test_an_address_outside_the_allowed_domains_is_forbidden(app_config: AppConfig) -> None:
    with pytest.raises(Forbidden):
        actor(app_config, "a@example.com.evil.org")


def test_the_four_eyes_rule_binds_admins_too(app_config: AppConfig) -> None:
    change = make_change(status="submitted", createdBy="boss@example.com")

    with pytest.raises(Forbidden, match="four-eyes"):
        require_transition(
            actor(app_config, "Boss@example.com", "ccm-admins"), change, Status.APPROVED, app_config.authorization
        )


def test_every_broken_date_rule_is_reported_at_once() -> None:
    change = make_change(
        implementationStart="2030-01-07T17:00:00Z",
        implementationEnd="2030-01-07T15:00:00Z",
        meetingTime="2029-12-01T10:00:00Z",
    )

    with pytest.raises(InvalidInput) as raised:
        check_schedule(change, NOW, meeting_moved=True)

    assert [(p.field, p.type) for p in raised.value.problems] == [
        ("implementationEnd", "INVALID_RANGE"),
        ("meetingTime", "PAST_DATE"),
    ]


def test_a_meeting_that_did_not_move_is_not_rechecked() -> None:
    change = make_change(meetingTime="2029-12-01T10:00:00Z")

    check_schedule(change, NOW, meeting_moved=False)


def test_server_owned_keys_are_dropped_and_the_form_meeting_is_derived() -> None:
    cleaned = ChangeFields.model_validate(
        {
            "changeTitle": "T",
            "status": "approved",
            "version": 4,
            "meetingDate": "2030-01-01T10:00",
            "meetingRequired": "yes",
            "modifications": [],
        }
    ).sent()

    assert cleaned == {
        "changeTitle": "T",
        "meetingDate": "2030-01-01T10:00",
        "meetingTime": "2030-01-01T10:00",
        "meetingRequired": "yes",
        "include_meeting": True,
    }


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"object_type": "announcement_cic"}, "announcement"),
        ({"announcement_type": "finops"}, "announcement"),
        ({"announcement_id": "GEN-1"}, "announcement"),
        ({"object_type": "change"}, "change"),
        ({}, "change"),
    ],
)
def test_the_kind_of_a_body_follows_its_type_or_id(fields: dict[str, Any], kind: str) -> None:
    assert kind_of(fields) == kind
