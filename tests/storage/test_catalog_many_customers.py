"""A change for hundreds of customers: more per-customer rows than one DynamoDB transaction holds (100 items)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from ccm.domain.status import Status
from ccm.storage.batch_writes import write_in_batches
from ccm.storage.catalog import Catalog, Query, Summary
from ccm.storage.table import create_table_arguments
from tests.conftest import TABLE

CUSTOMERS = [f"c{number:04d}" for number in range(1, 251)]


@pytest.fixture
def catalog(aws: None) -> Iterator[Catalog]:
    boto3.client("dynamodb").create_table(**create_table_arguments(TABLE))
    yield Catalog(TABLE)


def summary(version: int, customers: list[str], status: Status = Status.SUBMITTED) -> Summary:
    return Summary(
        id="CHG-6d0c4a52-1f0e-4b8e-9a43-0d6a3c1b2e77",
        kind="change",
        object_type="change",
        title="Rotate the TLS certificates everywhere",
        status=status,
        customers=customers,
        created_by="pat@example.com",
        modified_at=f"2030-01-10T12:0{version}:00Z",
        version=version,
        etag=f'"etag-{version}"',
        location=f"archive/CHG-6d0c4a52-1f0e-4b8e-9a43-0d6a3c1b2e77.json#{version}",
    )


def listed(catalog: Catalog, customer: str) -> list[tuple[str, Status]]:
    return [(item.id, item.status) for item in catalog.query(Query(customer=customer)).items]


def row_status(catalog: Catalog, object_id: str, customer: str) -> str:
    """What the customer's own row says (the filters read it), not the summary a list shows."""
    key = {"pk": {"S": f"OBJ#{object_id}"}, "sk": {"S": f"CUST#{customer}"}}
    return str(catalog.ddb.get_item(TableName=TABLE, Key=key)["Item"]["status"]["S"])


def test_every_customer_lists_a_change_for_250_customers_and_follows_its_status(catalog: Catalog) -> None:
    first = summary(1, CUSTOMERS)
    catalog.apply(None, first)
    approved = summary(2, CUSTOMERS, Status.APPROVED)
    catalog.apply(first, approved)

    for customer in (CUSTOMERS[0], CUSTOMERS[99], CUSTOMERS[-1]):
        assert listed(catalog, customer) == [(first.id, Status.APPROVED)]
    assert catalog.get(first.id) == approved


def test_customers_taken_off_a_large_change_no_longer_list_it(catalog: Catalog) -> None:
    first = summary(1, CUSTOMERS)
    catalog.apply(None, first)
    fewer = summary(2, CUSTOMERS[:120])

    catalog.apply(first, fewer)

    assert listed(catalog, CUSTOMERS[119]) == [(first.id, Status.SUBMITTED)]
    assert listed(catalog, CUSTOMERS[120]) == []
    assert listed(catalog, CUSTOMERS[-1]) == []


def test_a_writer_whose_rows_land_after_a_newer_summary_puts_the_newer_rows_back(catalog: Catalog) -> None:
    first = summary(1, CUSTOMERS)
    catalog.apply(None, first)
    newer = summary(3, CUSTOMERS, Status.APPROVED)
    catalog.apply(first, newer)
    # An older writer's customer rows land late (its summary transaction came first): they say "submitted".
    stale = summary(2, CUSTOMERS)
    write_in_batches(catalog.ddb, TABLE, catalog._customer_row_writes(first.id, None, stale))
    assert row_status(catalog, first.id, CUSTOMERS[-1]) == "submitted"
    # The list reads what it shows from the summary, so even the stale row lists the change as it is.
    assert listed(catalog, CUSTOMERS[-1]) == [(first.id, Status.APPROVED)]

    catalog._settle_customer_rows(first.id, stale)  # what that writer does after its batches

    assert row_status(catalog, first.id, CUSTOMERS[-1]) == "approved"
    assert listed(catalog, CUSTOMERS[-1]) == [(first.id, Status.APPROVED)]
