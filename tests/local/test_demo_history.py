"""The local stack's half year of finished demo changes: valid changes, all in the six months before the start."""

from __future__ import annotations

from datetime import UTC, datetime

from ccm.config import AppConfig
from ccm.domain.objects import parse_document
from ccm.domain.reports import facts_of
from ccm.local.demo_history import CHANGES_PER_MONTH, MONTHS, demo_changes


def test_the_demo_history_is_six_whole_months_of_finished_changes_before_the_current_month(
    app_config: AppConfig,
) -> None:
    documents = demo_changes(app_config, datetime(2031, 3, 30, 23, 0, tzinfo=UTC))

    assert len(documents) == MONTHS * CHANGES_PER_MONTH
    assert all(parse_document(document).status.value == "completed" for document in documents)
    months = sorted({facts_of(document)["*"].month for document in documents})
    assert months == ["2030-09", "2030-10", "2030-11", "2030-12", "2031-01", "2031-02"]
    assert {document["outcome"] for document in documents} >= {"successful", "rolled_back"}
