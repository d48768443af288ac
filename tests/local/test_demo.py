"""Demo data: Identity Center directories whose import subscribes each demo person by role."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccm.aws.assume import RoleSessions
from ccm.cli.main import app
from ccm.config import AppConfig, SesConfig
from ccm.local.demo import demo_people, import_contacts, opt_in_by_choice, seed_directories, topics_chosen_by_hand
from ccm.mail.decisions import ANNOUNCEMENT_TOPICS
from ccm.provision import Provisioner
from ccm.ses_admin.contacts import ContactList
from tests.conftest import BUCKET, ROOT, TABLE

EVERYONE = {"aws-announce", "cic-announce", "subscription-preferences", "general-updates"}
"""The topics on by default, and General updates, which every demo person chose on the preferences page."""


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
        # SES's mailbox simulator, so that every delivery state shows on first start:
        "bounce@simulator.amazonses.com",
        "complaint@simulator.amazonses.com",
        "suppressionlist@simulator.amazonses.com",
    }


def seed(app_config: AppConfig, ses_config: SesConfig) -> None:
    """What the local stack's first run does: directories, the real import, the people's own choices."""
    Provisioner(app_config, ses_config, BUCKET, TABLE).run()
    assert [outcome.value for outcome in seed_directories(app_config)] == [7, 4, 2]
    assert all(outcome.ok for outcome in import_contacts(app_config, ses_config, BUCKET))
    assert [outcome.value for outcome in opt_in_by_choice(app_config, ses_config)] == [7, 4, 2]


def documented_demo_topics() -> dict[str, set[str]]:
    """The docs' table of demo users (docs/local-stack.md): the topics each one is said to receive."""
    readme = (ROOT / "docs" / "local-stack.md").read_text(encoding="utf-8")
    table = readme.split("| user | groups | roles | topics subscribed in every customer's list |", 1)[1]
    topics: dict[str, set[str]] = {}
    for line in table.split("\n\n", 1)[0].splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        person = re.match(r"`([^`]+)`", cells[0])
        if person:
            topics[person.group(1)] = set(re.findall(r"`([a-z-]+)`", cells[3]))
    return topics


def test_only_general_updates_needs_a_persons_own_choice(ses_config: SesConfig) -> None:
    assert topics_chosen_by_hand(ses_config) == ["general-updates"]


def test_the_real_import_subscribes_the_demo_people_by_role_and_a_second_import_changes_nothing(
    aws: None, few_customers: AppConfig, ses_config: SesConfig, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seed(few_customers, ses_config)

    alpha = preferences(few_customers, "alpha")
    assert alpha["approver@example.com"] == EVERYONE | {"aws-approval", "announce-approval", "aws-calendar"}
    assert alpha["requester@example.com"] == EVERYONE | {"aws-calendar", "inner-announce"}
    assert alpha["admin@example.com"] == EVERYONE | {"aws-calendar", "inner-announce", "finops-announce"}
    assert alpha["operations@alpha.example.com"] == EVERYONE | {"aws-calendar", "inner-announce"}
    assert alpha["bounce@simulator.amazonses.com"] == alpha["approver@example.com"]
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
    assert [row["unchanged"] for row in rows] == [7, 4, 2]
    assert preferences(few_customers, "alpha") == alpha, "the import leaves the people's own choices alone"


def test_every_announcement_type_reaches_someone_at_every_customer_and_the_readme_says_whom(
    aws: None, few_customers: AppConfig, ses_config: SesConfig
) -> None:
    seed(few_customers, ses_config)

    for code in few_customers.customer_codes:
        subscribed = preferences(few_customers, code)
        for kind, topic in ANNOUNCEMENT_TOPICS.items():
            audience = {person for person, topics in subscribed.items() if topic in topics}
            assert audience, f"{code}: nobody receives {kind.value} announcements ({topic})"
    alpha, zulu = preferences(few_customers, "alpha"), preferences(few_customers, "zulu")
    described = documented_demo_topics()
    assert {person: described[person] for person in alpha if person in described} == {
        person: topics for person, topics in alpha.items() if person in described
    }
    assert described["operations@<customer>.example.com"] == alpha["operations@alpha.example.com"]
    assert described["sandbox-tester@example.com"] == zulu["sandbox-tester@example.com"]
    assert set(described) == {*alpha, "operations@<customer>.example.com", "sandbox-tester@example.com"} - {
        "operations@alpha.example.com"
    }
