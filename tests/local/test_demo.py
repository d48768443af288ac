"""Demo data: Identity Center directories whose import subscribes each demo person by role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccm.aws.assume import RoleSessions
from ccm.cli.main import app
from ccm.config import AppConfig, SesConfig
from ccm.local.demo import demo_people, import_contacts, seed_directories
from ccm.provision import Provisioner
from ccm.ses_admin.contacts import ContactList
from tests.conftest import BUCKET, TABLE

EVERYONE = {"aws-announce", "cic-announce", "subscription-preferences"}


@pytest.fixture
def few_customers(app_config: AppConfig) -> AppConfig:
    kept = {code: app_config.customer(code) for code in ("alpha", "xray", "zulu")}
    return app_config.model_copy(update={"customer_mappings": kept})


def preferences(app_config: AppConfig, code: str) -> dict[str, set[str]]:
    customer = app_config.customer(code)
    contacts = ContactList.find(RoleSessions().session(customer.ses_role_arn, customer.region).client("sesv2"))
    return {
        contact.email: {topic for topic, status in contact.preferences.items() if status == "OPT_IN"}
        for contact in contacts.all_contacts().values()
    }


def test_a_customer_with_an_allow_list_gets_only_people_on_it(app_config: AppConfig) -> None:
    zulu = app_config.customer("zulu")

    people = demo_people(app_config, zulu)

    assert {person.email for person in people} == {"approver@example.com", "sandbox-tester@example.com"}
    assert all(zulu.allows_recipient(person.email) for person in people)
    assert {p.email for p in demo_people(app_config, app_config.customer("alpha"))} == {
        "requester@example.com",
        "approver@example.com",
        "admin@example.com",
        "operations@alpha.example.com",
    }


def test_the_real_import_subscribes_the_demo_people_by_role_and_a_second_import_changes_nothing(
    aws: None, few_customers: AppConfig, ses_config: SesConfig, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    Provisioner(few_customers, ses_config, BUCKET, TABLE).run()

    seeded = seed_directories(few_customers)
    imported = import_contacts(few_customers, ses_config, BUCKET)

    assert [outcome.value for outcome in seeded] == [4, 4, 2]
    assert all(outcome.ok for outcome in imported)
    alpha = preferences(few_customers, "alpha")
    assert alpha["approver@example.com"] == EVERYONE | {"aws-approval", "announce-approval", "aws-calendar"}
    assert alpha["requester@example.com"] == EVERYONE | {"aws-calendar", "inner-announce"}
    assert alpha["operations@alpha.example.com"] == EVERYONE | {"aws-calendar", "inner-announce"}
    assert set(preferences(few_customers, "zulu")) == {"approver@example.com", "sandbox-tester@example.com"}

    config_file = tmp_path / "config.json"
    config_file.write_text(few_customers.model_dump_json(by_alias=True))
    monkeypatch.setenv("CCM_CONFIG", str(config_file))
    result = CliRunner().invoke(
        app, ["identity-center", "import", "--all", "--json", "--ses-rps", "100"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]
    assert [(row["created"], row["updated"], row["removed"]) for row in rows] == [(0, 0, 0)] * 3
    assert [row["unchanged"] for row in rows] == [4, 4, 2]
