"""ServiceNow's and Jira's credentials are readable by exactly the functions that talk to them: the backend and the
API run against the stand-ins with their roles, rendered from a config.json with integrations, enforced on every AWS
call (moto alone allows everything); without integrations the statements are gone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import botocore.session
import pytest
from functions.api import app as api_module

from ccm.backend.processor import MessageFailed
from ccm.backend.ticket_step import TicketStep
from ccm.integrations.checks import ApiTickets
from ccm.integrations.wiring import build_clients
from ccm.local.ticket_systems import DEMO_PARAMETERS, demo_integrations
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.repository import Repository
from ccm.workflow import Services
from infra.render import render
from tests.api.client import ApiClient
from tests.api.helpers import change_input
from tests.backend_support import NOW, Harness, bucket_and_table
from tests.conftest import BUCKET, TABLE
from tests.deployment.conftest import Template, config_with, policy_statements
from tests.deployment.iam_check import RoleEnforcer, role_statements
from tests.deployment.template_values import Deployment
from tests.deployment.test_iam_against_code import STACK
from tests.factories import make_change
from tests.tickets.support import StandIns, config_at, put_credentials, stand_ins, write_config

PARAMETER_ARNS = sorted(
    {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/" + name.lstrip("/")}["Fn::Sub"]
    for name in DEMO_PARAMETERS.values()
)


@pytest.fixture(scope="module")
def with_integrations(source_template: Template) -> Template:
    return render(source_template, config_with(integrations=demo_integrations("https://ccm.example.com")))


def grants(template: Template, role: str) -> list[dict[str, Any]]:
    return [s for s in policy_statements(template["Resources"][role]) if s.get("Sid") == "ReadIntegrationSecrets"]


@pytest.mark.parametrize("role", ["BackendRole", "ApiRole"])
def test_the_two_roles_may_read_exactly_the_parameters_config_json_names(
    with_integrations: Template, rendered: Template, role: str
) -> None:
    [statement] = grants(with_integrations, role)
    assert statement["Action"] == "ssm:GetParameter"
    assert sorted(resource["Fn::Sub"] for resource in statement["Resource"]) == PARAMETER_ARNS
    assert grants(rendered, role) == []  # the demo config.json names no integration


def test_no_other_role_may_read_them(with_integrations: Template) -> None:
    others = [
        name
        for name, resource in with_integrations["Resources"].items()
        if resource["Type"] == "AWS::IAM::Role"
        and name not in ("BackendRole", "ApiRole")
        and grants(with_integrations, name)
    ]
    assert others == []


def enforce(monkeypatch: pytest.MonkeyPatch, template: Template, role: str, drop: str | None = None) -> RoleEnforcer:
    statements = role_statements(Deployment(template, STACK, parameters={"BucketName": "ccm-test-bucket"}), role)
    enforcer = RoleEnforcer(role, [s for s in statements if s.get("Sid") != drop])
    original = botocore.session.Session.create_client

    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        return enforcer.attach(original(self, *args, **kwargs))

    monkeypatch.setattr(botocore.session.Session, "create_client", create_client)
    return enforcer


@pytest.fixture
def tickets(aws: None, tmp_path: Path) -> Iterator[StandIns]:
    with stand_ins(tmp_path) as running:
        put_credentials()
        yield running


def backend(tmp_path: Path, tickets: StandIns, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("CCM_CONFIG", str(write_config(tmp_path, tickets.url)))
    harness = Harness.build(bucket_and_table())
    cast(TicketStep, harness.backend.pipeline.tickets).follower.sleep = lambda seconds: None
    harness.subscribe("alpha", "aws-announce", "ops@alpha.example.com")
    return harness


def approve() -> str:
    """What the API did before (with its own role): an approved change in the archive and its trigger."""
    setup = Repository(ArchiveStore(BUCKET), Catalog(TABLE))
    change = make_change(status="submitted", customers=["alpha"], snowTicket="", jiraTicket="OPS-101")
    setup.create(change, "archive")
    update = setup.update(
        change.id, lambda obj: obj.transition("approved", "approver@example.com", NOW), location="archive"
    )
    setup.archive.put_trigger("alpha", update.after.obj, "test")
    return change.id


def test_the_backend_follows_the_tickets_with_its_rendered_role(
    tmp_path: Path, tickets: StandIns, monkeypatch: pytest.MonkeyPatch, with_integrations: Template
) -> None:
    harness = backend(tmp_path, tickets, monkeypatch)
    change_id = approve()
    enforcer = enforce(monkeypatch, with_integrations, "BackendRole")

    harness.deliver("alpha", change_id)

    assert enforcer.refused == []
    assert len(tickets.records.issues["OPS-101"]["comments"]) == 1


def test_without_the_grant_the_backend_cannot_read_the_token_and_the_record_is_retried(
    tmp_path: Path, tickets: StandIns, monkeypatch: pytest.MonkeyPatch, with_integrations: Template
) -> None:
    harness = backend(tmp_path, tickets, monkeypatch)
    change_id = approve()
    enforcer = enforce(monkeypatch, with_integrations, "BackendRole", drop="ReadIntegrationSecrets")

    with pytest.raises(MessageFailed):
        harness.deliver("alpha", change_id)

    assert any("ssm:GetParameter" in refusal for refusal in enforcer.refused)
    assert tickets.records.issues["OPS-101"]["comments"] == []


def test_the_api_checks_tickets_on_submit_with_its_rendered_role(
    tmp_path: Path, tickets: StandIns, monkeypatch: pytest.MonkeyPatch, with_integrations: Template
) -> None:
    repository = bucket_and_table()
    config = config_at(write_config(tmp_path, tickets.url))
    enforcer = enforce(monkeypatch, with_integrations, "ApiRole")
    services = Services(repository, config, tickets=ApiTickets(build_clients(config.integrations)))
    monkeypatch.setattr(api_module, "_services", services)
    api = ApiClient(api_module.handler)

    refused = api.post("/api/changes", change_input(snowTicket="", jiraTicket="OPS-404"))
    accepted = api.post("/api/changes", change_input(snowTicket="", jiraTicket="OPS-101"))

    assert (refused.status, accepted.status) == (422, 201)
    assert enforcer.refused == []
