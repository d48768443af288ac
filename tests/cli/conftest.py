"""The CLI in-process (typer's CliRunner) against moto, with every boto3 client observed by :class:`AwsWatch`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import boto3.session
import botocore.session
import pytest
from typer.testing import CliRunner, Result

from ccm.cli.main import app
from ccm.storage.table import create_table_arguments
from tests.conftest import BUCKET, TABLE
from tests.fakes.aws_watch import AwsWatch

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture
def watch(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsWatch]:
    observed = AwsWatch()
    original = boto3.session.Session.client

    def client(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
        return observed.attach(original(self, *args, **kwargs))

    monkeypatch.setattr(boto3.session.Session, "client", client)
    yield observed


def _table_exists() -> None:
    """Commands that change contact lists record it in the table (ccm.cli.operator_records), which a deployment
    always has; made at the first command, after whichever fixture may have made it already."""
    # A client the watch does not count: tests that count a command's AWS calls see only the command's.
    ddb: DynamoDBClient = botocore.session.get_session().create_client("dynamodb")  # type: ignore[assignment]
    if TABLE not in ddb.list_tables()["TableNames"]:
        ddb.create_table(**create_table_arguments(TABLE))


@dataclass
class Ccm:
    """Runs ``ccm`` as a user would, and reads its JSON output."""

    table_ready: bool = False

    def ensure_table(self) -> None:
        if not self.table_ready:
            _table_exists()
            self.table_ready = True

    def __call__(self, *args: str) -> Result:
        self.ensure_table()
        return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args), catch_exceptions=False)

    def json(self, *args: str, expect_exit: int = 0) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == expect_exit, result.output
        return json.loads(result.stdout)


@pytest.fixture
def ccm(watch: AwsWatch) -> Ccm:
    return Ccm()


@pytest.fixture
def bucket(aws: None) -> str:
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    return BUCKET
