"""Text search through the inverted index: the filtered listing's results and order, in a few requests."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from ccm.cli.main import app
from ccm.domain.status import Status
from ccm.errors import InvalidCursor
from ccm.storage.catalog import Query, Summary
from ccm.storage.repository import Repository
from ccm.storage.search_index import index_terms, lookup_terms, matches
from tests.conftest import TABLE
from tests.factories import make_change

NOW = datetime(2030, 2, 1, tzinfo=UTC)
WORDS = ["patch", "kernels", "rotate", "certificates", "upgrade", "database", "resize", "cluster", "renew", "domain"]
CUSTOMERS = ["alpha", "bravo", "charlie", "delta"]
CREATORS = ["requester@example.com", "other@example.com", "admin@example.com"]
STATUSES = [Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.COMPLETED, Status.CANCELLED]


def summaries(count: int) -> list[Summary]:
    chance = random.Random(16)
    rows = []
    for i in range(count):
        title = " ".join(chance.sample(WORDS, 3))
        ticket = f"SEC-{chance.randrange(10)}"
        object_id = f"CHG-s{i:04d}"
        status = chance.choice(STATUSES)
        rows.append(
            Summary(
                id=object_id,
                kind="change",
                object_type="change",
                title=title,
                status=status,
                customers=sorted(chance.sample(CUSTOMERS, chance.randint(1, 2))),
                created_by=chance.choice(CREATORS),
                modified_at=f"2030-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                version=1,
                jira_ticket=ticket,
                location="drafts" if status is Status.DRAFT else "archive",
                etag=f'"{i}"',
                search_text=f"{object_id} {title} {ticket}".lower(),
            )
        )
    return rows


def listing(rows: list[Summary], query: Query) -> list[str]:
    """What the catalog's filtered listing returns: every matching row, newest first."""
    low, high = query.modified_from or "0", (query.modified_to or "9999") + "~"
    found = [row for row in rows if matches(row, query) and low <= row.order <= high]
    return [row.id for row in sorted(found, key=lambda row: row.order, reverse=True)]


def every_page(repository: Repository, query: Query) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = repository.catalog.query(replace(query, cursor=cursor))
        seen.extend(row.id for row in page.items)
        cursor = page.cursor
        if cursor is None:
            return seen


def counted(repository: Repository) -> Counter[str]:
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    repository.catalog.ddb.meta.events.register("before-call.dynamodb", count)
    return calls


@pytest.fixture
def seeded(repository: Repository) -> list[Summary]:
    rows = summaries(120)
    repository.catalog.load(rows)
    return rows


@pytest.mark.parametrize(
    "query",
    [
        Query(text="kernels", limit=7),
        Query(text="KER", limit=25),
        Query(text="rotate cert", limit=5),
        Query(text="sec-3", limit=10),
        Query(text="patch", status=Status.APPROVED, limit=4),
        Query(text="database", customers_any=["delta"], limit=6),
        Query(text="renew", customer="bravo", creator_contains="other", limit=3),
        Query(text="cluster", viewer="requester@example.com", limit=9),
        Query(text="domain", creator="Admin@example.com", limit=8),
        Query(text="upgrade", modified_from="2030-01-05", modified_to="2030-01-12T23:59:59Z", limit=4),
        Query(text="chg-s01", limit=50),
    ],
    ids=lambda query: f"{query.text}",
)
def test_a_text_search_returns_what_the_filtered_listing_did_in_the_same_order(
    repository: Repository, seeded: list[Summary], query: Query
) -> None:
    expected = listing(seeded, query)

    assert expected, "the sample has matches for every query"
    assert every_page(repository, query) == expected


def test_a_search_for_a_common_word_reads_one_page_of_postings_and_one_batch_of_rows(
    repository: Repository, seeded: list[Summary]
) -> None:
    calls = counted(repository)

    page = repository.catalog.query(Query(text="certificates", limit=20))

    assert len(page.items) == 20 and page.cursor is not None
    assert calls == {"Query": 1, "BatchGetItem": 1}


def test_a_search_that_finds_nothing_costs_one_request_per_word(repository: Repository, seeded: list[Summary]) -> None:
    calls = counted(repository)

    page = repository.catalog.query(Query(text="zzz no such text", limit=50))

    assert page.items == [] and page.cursor is None
    assert calls == {"Query": 3}


def test_a_search_must_start_at_the_beginning_of_a_word(repository: Repository) -> None:
    repository.create(make_change(changeId="CHG-w1", changeTitle="Patch kernels", status="submitted"))

    assert [row.id for row in repository.catalog.query(Query(text="kern")).items] == ["CHG-w1"]
    assert [row.id for row in repository.catalog.query(Query(text="patch kernels")).items] == ["CHG-w1"]
    assert repository.catalog.query(Query(text="ernels")).items == []


def test_an_edit_moves_the_objects_postings_with_it(repository: Repository) -> None:
    repository.create(make_change(changeId="CHG-e1", changeTitle="Patch kernels", status="submitted"))

    repository.update("CHG-e1", lambda obj: setattr(obj, "change_title", "Rotate certificates"))
    repository.update("CHG-e1", lambda obj: obj.transition("approved", "approver@example.com", NOW))

    assert repository.catalog.query(Query(text="kernels")).items == []
    found = repository.catalog.query(Query(text="rotate", status=Status.APPROVED)).items
    assert [row.id for row in found] == ["CHG-e1"]
    summary = repository.catalog.get("CHG-e1")
    assert summary is not None
    rows = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    postings = {row["pk"]["S"] for row in rows if row["pk"]["S"].startswith("TERM#") and row["id"]["S"] == "CHG-e1"}
    assert postings == {f"TERM#change#{term}" for term in index_terms(summary.search_text)}
    assert all(row["sk"]["S"] == summary.order for row in rows if row["pk"]["S"] in postings)


def test_a_search_cursor_is_refused_by_another_listing_and_a_forged_one_by_the_search(
    repository: Repository, seeded: list[Summary]
) -> None:
    cursor = repository.catalog.query(Query(text="patch", limit=2)).cursor
    assert cursor is not None

    with pytest.raises(InvalidCursor):
        repository.catalog.query(Query(cursor=cursor))
    with pytest.raises(InvalidCursor):
        repository.catalog.query(Query(text="patch", cursor="bm90LWEtY3Vyc29y"))


def test_the_words_of_a_query_and_of_a_row() -> None:
    assert index_terms("chg-1 patch db") == {"chg", "1", "pat", "patc", "patch", "db"}
    assert lookup_terms("Rotate the DB certificates") == ["certificates", "rotate", "the"]
    assert lookup_terms("sec-7") == ["sec"]
    assert lookup_terms("db 7") == ["db", "7"]
    assert lookup_terms("  -- ") == []


def test_a_catalog_written_before_the_index_is_searchable_after_ccm_catalog_rebuild(repository: Repository) -> None:
    repository.create(make_change(changeId="CHG-r1", changeTitle="Rotate certificates", status="submitted"))
    repository.create(make_change(changeId="CHG-r2", changeTitle="Patch kernels", status="submitted"))
    dynamodb = boto3.client("dynamodb")
    # A deployment upgraded to the index: catalog rows without postings.
    for row in dynamodb.scan(TableName=TABLE)["Items"]:
        if row["pk"]["S"].startswith("TERM#"):
            dynamodb.delete_item(TableName=TABLE, Key={"pk": row["pk"], "sk": row["sk"]})
    assert repository.catalog.query(Query(text="rotate")).items == []

    result = CliRunner().invoke(app, ["catalog", "rebuild", "--json"])

    assert result.exit_code == 0, result.output
    assert [row.id for row in repository.catalog.query(Query(text="rotate")).items] == ["CHG-r1"]
    assert [row.id for row in repository.catalog.query(Query(text="kern")).items] == ["CHG-r2"]
