from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from typer.testing import CliRunner

from ccm.cli.main import app
from ccm.domain.ids import AnnouncementType
from ccm.domain.status import Status
from ccm.errors import InvalidCursor
from ccm.storage.catalog import Query
from ccm.storage.repository import Repository
from tests.conftest import TABLE
from tests.factories import make_announcement, make_change

NOW = datetime(2030, 2, 1, tzinfo=UTC)


def seed(repository: Repository) -> None:
    repository.create(
        make_change(
            changeId="CHG-a1",
            status="submitted",
            changeTitle="Patch kernels",
            customers=["alpha"],
            modifiedAt="2030-01-01T00:00:00Z",
        )
    )
    repository.create(
        make_change(
            changeId="CHG-a2",
            status="approved",
            changeTitle="Rotate keys",
            customers=["alpha", "bravo"],
            modifiedAt="2030-01-02T00:00:00Z",
            createdBy="other@example.com",
            jiraTicket="SEC-7",
        )
    )
    repository.create(
        make_change(
            changeId="CHG-a3",
            status="draft",
            changeTitle="Secret draft",
            customers=["charlie"],
            modifiedAt="2030-01-03T00:00:00Z",
            createdBy="other@example.com",
        )
    )
    repository.create(
        make_change(
            changeId="CHG-a4",
            status="completed",
            changeTitle="Upgrade database",
            customers=["bravo"],
            modifiedAt="2030-01-04T00:00:00Z",
            changeReason="End of support for the kernel version",
        )
    )
    repository.create(make_announcement(AnnouncementType.FINOPS, announcement_id="FIN-a1", status="submitted"))


def ids(repository: Repository, **query: object) -> list[str]:
    return [row.id for row in repository.catalog.query(Query(**query)).items]  # type: ignore[arg-type]


def test_lists_are_newest_first_and_hide_other_peoples_drafts(repository: Repository) -> None:
    seed(repository)
    assert ids(repository, viewer="requester@example.com") == ["CHG-a4", "CHG-a2", "CHG-a1"]
    assert ids(repository, viewer="other@example.com") == ["CHG-a4", "CHG-a3", "CHG-a2", "CHG-a1"]
    assert ids(repository, kind="announcement") == ["FIN-a1"]


def test_queries_by_status_creator_and_customer(repository: Repository) -> None:
    seed(repository)
    assert ids(repository, status=Status.APPROVED) == ["CHG-a2"]
    assert ids(repository, creator="Other@Example.com") == ["CHG-a3", "CHG-a2"]
    assert ids(repository, customer="bravo") == ["CHG-a4", "CHG-a2"]
    assert ids(repository, customer="bravo", status=Status.COMPLETED) == ["CHG-a4"]


def test_text_search_covers_title_reason_and_ticket_ids(repository: Repository) -> None:
    seed(repository)
    assert ids(repository, text="KERNEL") == ["CHG-a4", "CHG-a1"]
    assert ids(repository, text="sec-7") == ["CHG-a2"]
    assert ids(repository, text="kernel", customers_any=["alpha", "charlie"]) == ["CHG-a1"]
    assert ids(repository, creator_contains="other", viewer="requester@example.com") == ["CHG-a2"]
    assert ids(
        repository,
        modified_from="2030-01-02",
        modified_to="2030-01-03T23:59:59Z",
        viewer="requester@example.com",
    ) == ["CHG-a2"]


def test_pages_follow_the_cursor_to_the_end(repository: Repository) -> None:
    for i in range(7):
        repository.create(
            make_change(changeId=f"CHG-p{i}", status="submitted", modifiedAt=f"2030-01-0{i + 1}T00:00:00Z")
        )
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = repository.catalog.query(Query(limit=3, cursor=cursor))
        seen.extend(row.id for row in page.items)
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == [f"CHG-p{i}" for i in reversed(range(7))]
    filtered = repository.catalog.query(Query(limit=2, text="certificates"))
    assert len(filtered.items) == 2 and filtered.cursor is not None


def test_a_forged_cursor_is_refused(repository: Repository) -> None:
    with pytest.raises(InvalidCursor):
        repository.catalog.query(Query(cursor="not-a-cursor"))


def test_counts_follow_every_transition(repository: Repository) -> None:
    seed(repository)
    counts = repository.catalog.counts("change")
    assert counts == {"draft": 1, "submitted": 1, "approved": 1, "completed": 1, "cancelled": 0, "rejected": 0}
    repository.update("CHG-a1", lambda obj: obj.transition("approved", "approver@example.com", NOW))
    counts = repository.catalog.counts("change")
    assert counts["submitted"] == 0 and counts["approved"] == 2
    assert repository.catalog.counts("change", "requester@example.com")["approved"] == 1


def test_a_stale_catalog_row_is_resynchronised_from_the_archive(repository: Repository) -> None:
    repository.create(make_change(changeId="CHG-drift", status="submitted"))
    boto3.client("dynamodb").update_item(
        TableName=TABLE,
        Key={"pk": {"S": "OBJ#CHG-drift"}, "sk": {"S": "SUMMARY"}},
        UpdateExpression="SET etag = :e",
        ExpressionAttributeValues={":e": {"S": '"lost-write"'}},
    )
    repository.update("CHG-drift", lambda obj: obj.transition("approved", "approver@example.com", NOW))
    row = repository.catalog.get("CHG-drift")
    assert row is not None and row.status is Status.APPROVED
    assert row.etag == repository.get("CHG-drift").etag
    assert repository.catalog.counts("change")["approved"] == 1


def test_rebuild_after_wiping_the_table_gives_the_same_rows(repository: Repository) -> None:
    seed(repository)
    repository.update("CHG-a1", lambda obj: obj.transition("approved", "approver@example.com", NOW))
    original = repository.catalog.export_rows()
    repository.catalog.clear()
    assert repository.catalog.export_rows() == []

    result = CliRunner().invoke(app, ["catalog", "rebuild", "--json"])

    assert result.exit_code == 0, result.output
    assert repository.catalog.export_rows() == original
