"""The audit record of what a command did to customers' contact lists: one operator row per customer it changed,
written after the work and before the summary, naming the operator's AWS identity.

Customers' SES accounts keep no trace of who changed a contact, so without this row an auditor could not tell an
operator's removal from a person's own unsubscribe. A row that cannot be written fails the command (exit 1) with a
sentence saying the changes themselves were made: nothing is rolled back, but nobody believes it recorded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from ccm.aws.clients import RETRY_CONFIG
from ccm.cli.common import fail, settings
from ccm.contact_import.importer import ImportResult
from ccm.domain.operator_audit import OperatorAction
from ccm.fleet import Outcome
from ccm.ses_admin.contact_changes import ChangeCounts
from ccm.ses_admin.subscriptions import SubscriptionResult
from ccm.storage.operator_actions import OperatorActionLog, OperatorRecord

T = TypeVar("T")

CHANGING_WORDS = frozenset({"created", "updated", "removed", "added"})
"""Outcome words of single-contact and suppression edits (ccm.ses_admin.edits, ``added (<reason>)``) that mean SES
was written."""


@dataclass(frozen=True)
class Audited(Generic[T]):
    """How a command's per-customer result becomes an operator row: which action, its details, whether it changed
    anything at all (a run that changed nothing is not an administrative action)."""

    action: OperatorAction
    details: Callable[[T], dict[str, Any]]
    changed: Callable[[T], bool]


@functools.cache
def operator_identity() -> str:
    """The AWS identity the command runs as (an operator's role session, the import task's role)."""
    import boto3

    return str(boto3.client("sts", config=RETRY_CONFIG).get_caller_identity()["Arn"])


def counts_changed(counts: ChangeCounts) -> bool:
    return bool(counts.created or counts.updated or counts.removed)


def counts_details(counts: ChangeCounts) -> dict[str, Any]:
    """The contacts a run wrote, by kind, and what failed."""
    details: dict[str, Any] = {
        "created": counts.created,
        "updated": counts.updated,
        "removed": counts.removed,
        "failed": counts.failed,
        "contacts": counts.applied,
    }
    if counts.errors:
        details["errors"] = counts.errors
    return details


def _changing(word: str) -> bool:
    return word.split(" ", 1)[0] in CHANGING_WORDS


ListRun = ImportResult | SubscriptionResult
"""A run over one customer's whole list: the import, the subscription file."""


def list_or_contacts_changed(run: ListRun) -> bool:
    return counts_changed(run) or run.list_outcome == "created"


def contact_list_details(run: ListRun) -> dict[str, Any]:
    return {**counts_details(run), "contact_list": run.list_outcome}


def edits_changed(done: dict[str, str]) -> bool:
    return any(_changing(word) for word in done.values())


def edits_details(done: dict[str, str]) -> dict[str, Any]:
    """Each address the command named and what became of it, for those it changed."""
    return {"contacts": {email: word for email, word in done.items() if _changing(word)}}


def record_actions(audited: Audited[T] | None, outcomes: Sequence[Outcome[T]], **context: Any) -> None:
    """One row per customer whose result changed something (``context`` joins each row's details)."""
    if audited is None:
        return
    changed = [o for o in outcomes if o.value is not None and audited.changed(o.value)]
    if not changed:
        return
    try:
        log = OperatorActionLog(settings().table)
        actor = operator_identity()
        for outcome in changed:
            assert outcome.value is not None
            log.record(
                OperatorRecord(
                    action=audited.action,
                    customer=outcome.key,
                    actor=actor,
                    at=datetime.now(UTC),  # to the microsecond: rows of one run sort in the order written
                    details={**context, **audited.details(outcome.value)},
                    status="done" if outcome.ok else "partial",
                    comment=outcome.error,
                )
            )
    except (ClientError, BotoCoreError) as error:
        raise fail(
            f"the changes were made, but their audit record could not be written ({error}); "
            "tell whoever keeps the audit log what this run did",
            1,
        ) from None
