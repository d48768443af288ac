"""``GET /api/{changes|announcements}/{id}/audience``: whom an object reaches once approved, before anyone approves.

Through the real handler and its real composition (the customers' SES by assumed role, in moto's accounts).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from functions.api import app as api_module

from ccm.config import AppConfig, SesConfig
from ccm.domain.ids import AnnouncementType
from ccm.workflow import Services
from tests.api.client import OUTSIDER, ApiClient
from tests.api.helpers import announcement_input, submit_change
from tests.backend_support import add_contact, customer_ses


def reach_of(document: dict[str, Any]) -> dict[str, Any]:
    return {customer["code"]: customer for customer in document["customers"]}


def test_a_changes_audience_counts_each_customers_recipients_and_the_meetings_invitees(
    api: ApiClient, services: Services, app_config: AppConfig, ses_config: SesConfig
) -> None:
    alpha = customer_ses(app_config, ses_config, "alpha")
    add_contact(alpha, "ops@alpha.example.com", aws_calendar="OPT_IN")
    add_contact(alpha, "dev@alpha.example.com", aws_calendar="OPT_IN")
    add_contact(alpha, "quiet@alpha.example.com", aws_announce="OPT_OUT")
    add_contact(alpha, "gone@alpha.example.com", unsubscribe_all=True)
    bravo = customer_ses(app_config, ses_config, "bravo")
    add_contact(bravo, "reader@bravo.example.com")
    change = submit_change(api, customers=["alpha", "bravo"], include_meeting=True, attendees="guest@example.com")

    response = api.get(f"/api/changes/{change['changeId']}/audience")

    assert response.status == 200, response.text
    body = response.json
    assert body["id"] == change["changeId"] and body["countedAt"]
    customers = reach_of(body)
    assert customers["alpha"] == {
        "code": "alpha",
        "name": "Alpha Retail",
        "notification": {"topic": "aws-announce", "recipients": 2},
        "meeting": {"topic": "aws-calendar", "recipients": 2},
        "invitedBy": "teams",
        "problem": None,
    }
    assert customers["bravo"]["notification"] == {"topic": "aws-announce", "recipients": 1}
    assert customers["bravo"]["meeting"] == {"topic": "aws-calendar", "recipients": 0}
    assert body["meeting"] == {
        "topic": "aws-calendar",
        "invited": 3,
        "listedAttendees": 1,
        "unknown": False,
        "nobodyInvited": False,
    }
    assert "@" not in response.text.replace(change["changeId"], "")


def test_an_announcement_nobody_subscribes_to_says_beforehand_that_nobody_is_invited(
    api: ApiClient, services: Services, app_config: AppConfig, ses_config: SesConfig
) -> None:
    for code in ("alpha", "bravo"):
        ses = customer_ses(app_config, ses_config, code)
        add_contact(ses, f"engineer@{code}.example.com", aws_calendar="OPT_IN")
    submitted = api.post(
        "/api/announcements",
        announcement_input(
            AnnouncementType.FINOPS,
            customers=["alpha", "bravo"],
            include_meeting=True,
            meeting_date="2030-02-01T16:00:00Z",
        ),
    )
    assert submitted.status == 201, submitted.text

    body = api.get(f"/api/announcements/{submitted.json['id']}/audience").json

    assert {code: reach["notification"] for code, reach in reach_of(body).items()} == {
        "alpha": {"topic": "finops-announce", "recipients": 0},
        "bravo": {"topic": "finops-announce", "recipients": 0},
    }
    assert body["meeting"]["nobodyInvited"] is True
    assert body["meeting"]["topic"] == "finops-announce"


def test_a_customer_whose_ses_cannot_be_read_is_named_with_the_reason_and_the_others_are_counted(
    api: ApiClient, services: Services, app_config: AppConfig, ses_config: SesConfig
) -> None:
    add_contact(customer_ses(app_config, ses_config, "alpha"), "reader@alpha.example.com")
    change = submit_change(api, customers=["alpha", "charlie"], include_meeting=True)

    body = api.get(f"/api/changes/{change['changeId']}/audience").json

    customers = reach_of(body)
    assert customers["alpha"]["notification"] == {"topic": "aws-announce", "recipients": 1}
    assert customers["charlie"]["notification"] is None
    assert customers["charlie"]["name"] == "Charlie Logistics"
    assert customers["charlie"]["problem"].startswith("its audience cannot be read now: ")
    assert "no SES contact list" in customers["charlie"]["problem"]
    assert body["meeting"]["unknown"] is True and body["meeting"]["nobodyInvited"] is False


def test_an_allow_listed_customer_counts_only_whom_it_may_mail(
    api: ApiClient, services: Services, app_config: AppConfig, ses_config: SesConfig
) -> None:
    zulu = customer_ses(app_config, ses_config, "zulu")
    for address in ("sandbox-tester@example.com", "outsider@example.com", "someone@zulu.example.com"):
        add_contact(zulu, address)
    change = submit_change(api, customers=["zulu"])

    body = api.get(f"/api/changes/{change['changeId']}/audience").json

    assert reach_of(body)["zulu"]["notification"] == {"topic": "aws-announce", "recipients": 1}
    assert body["meeting"] is None


def test_the_counts_are_read_in_each_customers_account_by_a_session_that_may_only_read_contacts(
    api: ApiClient, services: Services, app_config: AppConfig, ses_config: SesConfig
) -> None:
    from moto.sts.models import sts_backends

    customer_ses(app_config, ses_config, "bravo")
    change = submit_change(api, customers=["bravo"])

    assert api.get(f"/api/changes/{change['changeId']}/audience").status == 200

    [session] = [
        role for role in sts_backends["100000000002"]["aws"].assumed_roles if role.session_name.startswith("bravo")
    ]
    assert session.role_arn == app_config.customer("bravo").ses_role_arn
    allowed = json.loads(session.policy)["Statement"][0]["Action"]
    assert sorted(allowed) == [
        "ses:GetContactList",
        "ses:ListContactLists",
        "ses:ListContacts",
        "ses:ListSuppressedDestinations",
    ]


def test_only_who_may_read_the_object_learns_its_audience(api: ApiClient, services: Services) -> None:
    change = submit_change(api, customers=["alpha"])

    assert api.as_(OUTSIDER).get(f"/api/changes/{change['changeId']}/audience").status == 403
    assert api.get("/api/changes/CHG-00000000-0000-4000-8000-000000000000/audience").status == 404


def test_without_the_customers_ses_the_audience_is_not_available(
    api: ApiClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    change = submit_change(api, customers=["alpha"])
    monkeypatch.setattr(api_module, "_services", replace(services, audience=None))

    response = api.get(f"/api/changes/{change['changeId']}/audience")

    assert response.status == 503
    assert "SES" in response.json["error"]
