"""A change for 300 customers: the backend's ``processed`` entry (one per customer's trigger) writes no customer row,
and what a customer's list and feed show is still the summary as it is now."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from ccm.domain.objects import AnyObject, ModificationType
from ccm.domain.status import Status
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import ROWS_PENDING, Catalog, Query
from ccm.storage.repository import Repository
from ccm.storage.table import create_table_arguments
from tests.api.helpers import shared_clients
from tests.conftest import BUCKET, TABLE
from tests.dynamodb_writes import WrittenRows
from tests.factories import make_change

CUSTOMERS = [f"c{number:04d}" for number in range(1, 301)]
NOW = datetime(2030, 1, 2, 9, 0, tzinfo=UTC)
SINCE = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def writes() -> WrittenRows:
    return WrittenRows()


@pytest.fixture
def repository(aws: None, writes: WrittenRows) -> Iterator[Repository]:
    s3, dynamodb = shared_clients()
    s3.create_bucket(Bucket=BUCKET)
    dynamodb.create_table(**create_table_arguments(TABLE))
    writes.attach(dynamodb)
    yield Repository(ArchiveStore(BUCKET, s3), Catalog(TABLE, dynamodb, pending_wait=0.3))
    dynamodb.meta.events.unregister("before-parameter-build.dynamodb", writes._record)


def approved_change(repository: Repository) -> str:
    stored = repository.create(make_change(status="submitted", customers=CUSTOMERS))
    repository.update(stored.obj.id, lambda obj: obj.transition("approved", "approver@example.com", NOW))
    return stored.obj.id


def processed(code: str) -> Callable[[AnyObject], None]:
    """What the backend writes once it has mailed a customer: an annotation, with no new version."""

    def annotate(obj: AnyObject) -> None:
        obj.note_notified(code, obj.version)
        obj.record(
            ModificationType.PROCESSED, "backend", NOW, customer_code=code, topic="change-notifications", recipients=2
        )

    return annotate


def row(repository: Repository, object_id: str, sort_key: str) -> dict[str, object]:
    key = {"pk": {"S": f"OBJ#{object_id}"}, "sk": {"S": sort_key}}
    return dict(repository.catalog.ddb.get_item(TableName=TABLE, Key=key).get("Item", {}))


def test_a_processed_entry_writes_the_summary_and_window_rows_and_no_customer_row(
    repository: Repository, writes: WrittenRows
) -> None:
    object_id = approved_change(repository)
    writes.clear()

    repository.update(object_id, processed("c0150"), bump_version=False, location="archive")

    assert writes.of("CUST#") == []
    assert writes.rows == [(f"OBJ#{object_id}", "SUMMARY"), (f"OBJ#{object_id}", "WINDOW#2030-01")]


def test_a_customers_list_and_feed_show_the_summary_as_it_is_after_the_annotation(repository: Repository) -> None:
    object_id = approved_change(repository)

    update = repository.update(object_id, processed("c0001"), bump_version=False, location="archive")

    for code in ("c0001", "c0300"):
        (listed,) = repository.query(Query(customer=code)).items
        (fed,) = repository.feed(code, SINCE)
        for summary in (listed, fed):
            assert (summary.id, summary.status, summary.version) == (object_id, Status.APPROVED, 2)
            assert summary.etag == update.after.etag


def test_an_approval_rewrites_every_customer_row_and_lists_the_new_status(
    repository: Repository, writes: WrittenRows
) -> None:
    stored = repository.create(make_change(status="submitted", customers=CUSTOMERS))
    writes.clear()

    repository.update(stored.obj.id, lambda obj: obj.transition("approved", "approver@example.com", NOW))

    assert len(writes.of("CUST#")) == len(CUSTOMERS)
    assert ROWS_PENDING not in row(repository, stored.obj.id, "SUMMARY")
    assert [s.status for s in repository.query(Query(customer="c0300")).items] == [Status.APPROVED]
    assert [s.id for s in repository.feed("c0300", SINCE)] == [stored.obj.id]


def test_a_write_cut_off_before_its_customer_rows_is_repaired_by_the_next_write(
    repository: Repository, writes: WrittenRows, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = repository.create(make_change(status="submitted", customers=CUSTOMERS))

    def cut_off(*_: object) -> None:
        raise ConnectionError("the function stopped")

    def approve_for_the_last_hundred(obj: AnyObject) -> None:
        obj.transition("approved", "approver@example.com", NOW)
        obj.customers = CUSTOMERS[200:]

    with monkeypatch.context() as patch:
        patch.setattr("ccm.storage.catalog.write_in_batches", cut_off)
        # The summary lands; none of the customer rows that follow it in batches do.
        repository.update(stored.obj.id, approve_for_the_last_hundred)
    assert row(repository, stored.obj.id, "CUST#c0300")["status"] == {"S": "submitted"}
    assert ROWS_PENDING in row(repository, stored.obj.id, "SUMMARY")

    repository.update(stored.obj.id, processed("c0300"), bump_version=False, location="archive")

    assert row(repository, stored.obj.id, "CUST#c0300")["status"] == {"S": "approved"}
    assert row(repository, stored.obj.id, "CUST#c0001") == {}
    assert ROWS_PENDING not in row(repository, stored.obj.id, "SUMMARY")
    assert repository.query(Query(customer="c0001")).items == []
    assert [s.status for s in repository.query(Query(customer="c0300")).items] == [Status.APPROVED]


def test_a_writer_waits_for_another_writers_customer_rows_and_then_writes_none(
    repository: Repository, writes: WrittenRows
) -> None:
    repository.catalog.pending_wait = 30.0  # far longer than the other writer takes
    object_id = approved_change(repository)
    key = {"pk": {"S": f"OBJ#{object_id}"}, "sk": {"S": "SUMMARY"}}
    ddb = repository.catalog.ddb
    ddb.update_item(
        TableName=TABLE,
        Key=key,
        UpdateExpression=f"SET {ROWS_PENDING} = :t",
        ExpressionAttributeValues={":t": {"BOOL": True}},
    )
    # The other writer finishes its batches a moment later.
    finish = threading.Timer(
        0.1, lambda: ddb.update_item(TableName=TABLE, Key=key, UpdateExpression=f"REMOVE {ROWS_PENDING}")
    )
    writes.clear()
    finish.start()

    repository.update(object_id, processed("c0007"), bump_version=False, location="archive")

    finish.join()
    assert writes.of("CUST#") == []
    assert row(repository, object_id, "SUMMARY")["etag"] == {"S": repository.get(object_id).etag}
