"""The stores approvals rely on, twice: on DynamoDB/S3 (moto) and in memory, held to the same contract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from ccm.domain.delegation import Delegation
from ccm.domain.templates import ChangeTemplate
from ccm.storage.delegations import DelegationStore, DynamoDelegations, InMemoryDelegations
from ccm.storage.memory import InMemoryRepository
from ccm.storage.port import ObjectRepository
from ccm.storage.table import create_table_arguments
from ccm.storage.templates import DynamoTemplates, InMemoryTemplates, TemplateChanged, TemplateStore
from tests.api.helpers import shared_clients
from tests.conftest import BUCKET, TABLE
from tests.factories import make_change

SET_AT = datetime(2030, 1, 6, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["dynamodb", "in-memory"])
def delegations(request: pytest.FixtureRequest) -> Iterator[DelegationStore]:
    if request.param == "in-memory":
        yield InMemoryDelegations()
        return
    request.getfixturevalue("aws")
    _, dynamodb = shared_clients()
    dynamodb.create_table(**create_table_arguments(TABLE))
    yield DynamoDelegations(TABLE, dynamodb)


@pytest.fixture(params=["dynamodb", "in-memory"])
def templates(request: pytest.FixtureRequest) -> Iterator[TemplateStore]:
    if request.param == "in-memory":
        yield InMemoryTemplates()
        return
    request.getfixturevalue("aws")
    _, dynamodb = shared_clients()
    dynamodb.create_table(**create_table_arguments(TABLE))
    yield DynamoTemplates(TABLE, dynamodb)


def delegation(approver: str, delegate: str, **changes: object) -> Delegation:
    values: dict[str, object] = {
        "approver": approver,
        "delegate": delegate,
        "starts": date(2030, 1, 6),
        "ends": date(2030, 1, 10),
        "approver_groups": ("ccm-cab",),
        "set_at": SET_AT,
    }
    return Delegation.model_validate({**values, **changes})


def test_a_delegation_is_found_by_its_approver_and_by_its_delegate(delegations: DelegationStore) -> None:
    one = delegation("cab-one@example.com", "deputy@example.com")
    delegations.put(one)
    delegations.put(delegation("cab-two@example.com", "deputy@example.com"))
    delegations.put(delegation("papa-owner@example.com", "other@example.com"))

    assert delegations.get("Cab-One@example.com") == one
    assert sorted(row.approver for row in delegations.delegated_to("deputy@example.com")) == [
        "cab-one@example.com",
        "cab-two@example.com",
    ]
    assert delegations.get("nobody@example.com") is None


def test_setting_a_delegation_again_replaces_it_everywhere(delegations: DelegationStore) -> None:
    delegations.put(delegation("cab-one@example.com", "deputy@example.com"))
    delegations.put(delegation("cab-one@example.com", "other@example.com"))

    assert delegations.delegated_to("deputy@example.com") == []
    assert [row.approver for row in delegations.delegated_to("other@example.com")] == ["cab-one@example.com"]
    assert delegations.delete("cab-one@example.com", by="cab-one@example.com", at=SET_AT) is True
    assert delegations.delete("cab-one@example.com", by="cab-one@example.com", at=SET_AT) is False
    assert delegations.delegated_to("other@example.com") == []


def template(template_id: str, version: int = 1, **changes: object) -> ChangeTemplate:
    document: dict[str, object] = {
        "id": template_id,
        "name": "Rotate certificates",
        "implementationPlan": "Run the job",
        "version": version,
        "createdBy": "admin@example.com",
        "createdAt": SET_AT,
        "modifiedBy": "admin@example.com",
        "modifiedAt": SET_AT,
    }
    return ChangeTemplate.model_validate({**document, **changes})


def test_templates_get_numbers_never_given_before_and_list_in_order(templates: TemplateStore) -> None:
    ids = [templates.next_id() for _ in range(11)]
    for template_id in reversed(ids):
        templates.save(template(template_id))

    assert ids == [f"T-{n}" for n in range(1, 12)]
    assert [item.id for item in templates.every()] == ids
    assert templates.get("T-11") == template("T-11")
    assert templates.get("T-99") is None


def test_a_template_is_written_only_over_the_version_before_it(templates: TemplateStore) -> None:
    templates.save(template("T-1"))

    with pytest.raises(TemplateChanged):
        templates.save(template("T-1"))
    templates.save(template("T-1", 2, testPlan="Check"))
    with pytest.raises(TemplateChanged):
        templates.save(template("T-1", 2, testPlan="Other"))

    stored = templates.get("T-1")
    assert stored is not None and (stored.version, stored.test_plan) == (2, "Check")


def test_a_notice_trigger_is_written_where_the_backend_reads_triggers(repository: ObjectRepository) -> None:
    notice_id = delegation("cab-one@example.com", "deputy@example.com").notice_id

    key = repository.put_notice("alpha", notice_id, {"approver": "cab-one@example.com"})

    assert key == f"customers/alpha/{notice_id}.json"
    if isinstance(repository, InMemoryRepository):
        assert repository.triggers[key] == {"approver": "cab-one@example.com"}
    else:
        s3, _ = shared_clients()
        assert json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()) == {"approver": "cab-one@example.com"}


def test_open_emergency_reviews_are_listed_by_due_date(repository: ObjectRepository) -> None:
    def emergency(due_by: str, status: str = "approved", met: bool = False) -> None:
        review = {"due_by": due_by, "requirements": [], "met": met}
        approval = {"round": 1, "route": "emergency", "requirements": [], "met": True, "review": review}
        repository.create(make_change(status=status, changeType="emergency", approval=approval))

    emergency("2030-01-09T12:00:00Z")
    emergency("2030-01-07T12:00:00Z", status="completed")
    emergency("2030-01-08T12:00:00Z", met=True)
    emergency("2030-01-05T12:00:00Z", status="cancelled")
    repository.create(make_change(status="approved"))

    assert [row.review_due_by for row in repository.review_due()] == ["2030-01-07T12:00:00Z", "2030-01-09T12:00:00Z"]
    assert [row.review_due_by for row in repository.review_due("2030-01-08T00:00:00Z")] == ["2030-01-07T12:00:00Z"]
