"""Many writers annotating one object at once (every customer's backend run does): the archive write stands."""

from __future__ import annotations

import pytest

from ccm.domain.objects import AnyObject, ModificationType
from ccm.storage.catalog import CatalogDrift, Summary
from ccm.storage.repository import Repository
from tests.backend_support import NOW, bucket_and_table
from tests.factories import make_change


def test_an_archive_write_stands_when_the_catalog_row_keeps_moving(
    aws: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    repository: Repository = bucket_and_table()
    repository.create(make_change(changeId="CHG-busy", status="submitted"), "archive")

    def always_drifting(*_: Summary | None) -> None:
        raise CatalogDrift("CHG-busy")

    def annotate(obj: AnyObject) -> None:
        obj.record(ModificationType.PROCESSED, "backend-system", NOW, customer_code="alpha")

    monkeypatch.setattr(repository.catalog, "apply", always_drifting)
    monkeypatch.setattr(repository.catalog, "resync", lambda object_id, current: always_drifting())

    update = repository.update("CHG-busy", annotate, bump_version=False, location="archive")

    assert update.after.obj.latest(ModificationType.PROCESSED) is not None
    assert repository.get("CHG-busy").obj.latest(ModificationType.PROCESSED) is not None
    assert "run `ccm catalog rebuild`" in caplog.text
