"""Keeping a change's contribution to the monthly report sums equal to what its current document says."""

from __future__ import annotations

import logging
from typing import Any

from ccm.domain.reports import facts_of
from ccm.storage.report_store import ReportStore, StaleFacts

logger = logging.getLogger(__name__)

REFRESH_ATTEMPTS = 8


def refresh_reports(store: ReportStore, object_id: str, document: dict[str, Any] | None) -> int:
    """Bring the change's facts (and so its months' counters) to what ``document`` (its current version, ``None``
    once deleted) says; the number of scopes rewritten. Idempotent: a second call with the same document writes
    nothing."""
    for _ in range(REFRESH_ATTEMPTS):
        recorded = store.facts(object_id)
        wanted = facts_of(document)
        rewritten = 0
        try:
            for scope in sorted(set(recorded) | set(wanted)):
                before, revision = recorded.get(scope, (None, 0))
                after = wanted.get(scope)
                if before == after:
                    continue
                store.replace(scope, before, revision, after)
                rewritten += 1
        except StaleFacts:
            logger.info("report facts of %s changed while they were refreshed; reading them again", object_id)
            continue
        return rewritten
    raise StaleFacts(f"the report facts of {object_id} kept changing; the message will be retried")
