"""Fixtures of the local stack's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from ccm.storage.table import create_table_arguments
from tests.conftest import BUCKET, TABLE
from tests.local.edge_harness import LocalEdgeUnderTest, build_edge


@pytest.fixture
def local_edge(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalEdgeUnderTest]:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    from functions.api import app as api_module
    from functions.edge_auth import app as edge_module

    boto3.client("s3").create_bucket(Bucket=BUCKET)
    boto3.client("dynamodb").create_table(**create_table_arguments(TABLE))
    monkeypatch.setattr(api_module, "_services", None)  # built anew against this test's emulator
    yield build_edge(tmp_path, edge_module, api_module)
    edge_module.use_config(edge_module.CONFIG_PATH)
