"""The audit bucket's files answer SQL: the queries Athena runs in AWS, run here by DuckDB on the same files,
agree with the API's numbers for the seeded data set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest

from ccm.audit.queries import DELIVERIES_BY_MONTH, OUTCOMES_BY_CUSTOMER, WHO_APPROVED, with_values
from ccm.aws.clients import RETRY_CONFIG
from tests.api.client import APPROVER
from tests.audit.conftest import AUDIT_BUCKET, AuditStack
from tests.audit.seed import seed


def download_events(target: Path) -> int:
    """The audit bucket's files, as a laptop would copy them (``aws s3 sync``), keys kept."""
    s3 = boto3.client("s3", config=RETRY_CONFIG)
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=AUDIT_BUCKET, Prefix="events/"):
        for item in page.get("Contents", []):
            path = target / item["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(s3.get_object(Bucket=AUDIT_BUCKET, Key=item["Key"])["Body"].read())
            count += 1
    return count


def engine(root: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB with the table Athena has: the JSON files, Hive partitions as text."""
    connection = duckdb.connect()
    pattern = str(root / "events" / "*" / "*" / "*" / "*.json")
    connection.execute(
        f"CREATE VIEW audit_events AS SELECT * FROM read_json('{pattern}', format = 'newline_delimited', "
        "hive_partitioning = true, hive_types_autocast = false, union_by_name = true)"
    )
    return connection


def rows(connection: duckdb.DuckDBPyConnection, sql: str, **values: str) -> list[tuple[Any, ...]]:
    return connection.execute(with_values(sql, values)).fetchall()


@pytest.fixture
def answered(stack: AuditStack, tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, dict[str, Any], dict[str, str]]:
    ids = seed(stack.services)
    stack.drain()
    assert download_events(tmp_path) > 0
    summary = stack.api.as_(APPROVER).get("/api/reports/summary", query={"from": "2030-01", "to": "2030-03"}).json
    return engine(tmp_path), summary, ids


def test_outcomes_per_customer_in_sql_match_the_api(
    answered: tuple[duckdb.DuckDBPyConnection, dict[str, Any], dict[str, str]],
) -> None:
    connection, summary, _ = answered

    found = rows(connection, OUTCOMES_BY_CUSTOMER, year="2030", first_month="01", last_month="03")

    from_api = [
        (row["customer"], outcome, row[outcome])
        for row in summary["outcomesByCustomer"]
        for outcome in ("failed", "rolled_back", "successful", "successful_with_issues")
        if row[outcome]
    ]
    assert found == from_api
    assert found == [
        ("alpha", "rolled_back", 1),
        ("alpha", "successful", 1),
        ("bravo", "failed", 1),
        ("bravo", "rolled_back", 1),
    ]


def test_deliveries_per_month_in_sql_match_the_api(
    answered: tuple[duckdb.DuckDBPyConnection, dict[str, Any], dict[str, str]],
) -> None:
    connection, summary, _ = answered

    found = rows(connection, DELIVERIES_BY_MONTH, year="2030", first_month="01", last_month="03")

    from_api = [(m["month"][5:], m["deliveries"]) for m in summary["months"] if m["deliveries"]]
    assert found == from_api == [("01", 3), ("02", 1), ("03", 1)]


def test_who_approved_what_for_a_customer(
    answered: tuple[duckdb.DuckDBPyConnection, dict[str, Any], dict[str, str]],
) -> None:
    connection, _, ids = answered

    found = rows(connection, WHO_APPROVED, customer="bravo", year="2030")

    assert [(row[0], row[2]) for row in found] == [
        (ids["C2"], "approver@example.com"),
        (ids["C3"], "approver@example.com"),
    ]
