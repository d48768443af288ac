"""The CLI in-process (typer's CliRunner) against moto, with every boto3 client observed by :class:`AwsWatch`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import boto3.session
import pytest
from typer.testing import CliRunner, Result

from ccm.cli.main import app
from tests.conftest import BUCKET
from tests.fakes.aws_watch import AwsWatch


@pytest.fixture
def watch(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsWatch]:
    observed = AwsWatch()
    original = boto3.session.Session.client

    def client(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
        return observed.attach(original(self, *args, **kwargs))

    monkeypatch.setattr(boto3.session.Session, "client", client)
    yield observed


@dataclass
class Ccm:
    """Runs ``ccm`` as a user would, and reads its JSON output."""

    def __call__(self, *args: str) -> Result:
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
