"""The object store's port, twice: the S3 + DynamoDB adapter (on moto) and the in-memory fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.memory import InMemoryRepository
from ccm.storage.port import ObjectRepository
from ccm.storage.repository import Repository
from ccm.storage.table import create_table_arguments
from tests.api.helpers import shared_clients
from tests.conftest import BUCKET, TABLE


@pytest.fixture(params=["s3-and-dynamodb", "in-memory"])
def repository(request: pytest.FixtureRequest) -> Iterator[ObjectRepository]:
    if request.param == "in-memory":
        yield InMemoryRepository()
        return
    request.getfixturevalue("aws")
    s3, dynamodb = shared_clients()
    s3.create_bucket(Bucket=BUCKET)
    dynamodb.create_table(**create_table_arguments(TABLE))
    yield Repository(ArchiveStore(BUCKET, s3), Catalog(TABLE, dynamodb))
