"""Audit events of what operators do to customers' SES contact lists from the command line (``ccm ses ...``,
``ccm ses subscriptions apply``) and of the contact import's runs.

Those changes live in each customer's own SES account, which keeps no trace of who made them, so the command writes
one row per customer it changed (``ccm.storage.operator_actions``) and the table's stream carries the row to the audit
function, as it does for templates and delegations. The row is written once and never updated, so the event's
version is the moment it was written (milliseconds since 1970) and its name ends with the row's own id: a
redelivered stream record names the same (object, version, event) and writes nothing twice.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from ccm.domain.audit import AuditEvent, FieldChange
from ccm.domain.times import format_rfc3339, parse_datetime

CONTACT_LIST_KIND = "contact_list"
OBJECT_PREFIX = "contacts-"
"""The event's object: a customer's contact list, ``contacts-<customer code>``."""
UNKNOWN_ACTOR = "unknown"


class OperatorAction(StrEnum):
    CONTACTS_ADDED = "contacts_added"
    CONTACTS_REMOVED = "contacts_removed"
    CONTACTS_SUBSCRIBED = "contacts_subscribed"
    CONTACTS_UNSUBSCRIBED = "contacts_unsubscribed"
    ALL_CONTACTS_REMOVED = "all_contacts_removed"
    CONTACT_LIST_CREATED = "contact_list_created"
    TOPICS_UPDATED = "topics_updated"
    SUPPRESSION_ADDED = "suppression_added"
    SUPPRESSION_REMOVED = "suppression_removed"
    CONTACTS_RESTORED = "contacts_restored"
    SUBSCRIPTIONS_APPLIED = "subscriptions_applied"
    CONTACTS_IMPORTED = "contacts_imported"


def version_of(moment: datetime) -> int:
    """The event's version: the moment the row was written, in whole milliseconds since 1970."""
    return int(moment.timestamp() * 1000)


def operator_event(row: dict[str, Any]) -> AuditEvent | None:
    """The event a freshly written operator row tells; ``None`` for a row that is none (nothing to audit)."""
    try:
        action = OperatorAction(str(row["action"]))
        customer = str(row["customer"])
        moment = parse_datetime(str(row["at"]))
        row_id = str(row["id"])
        version = int(row.get("version") or version_of(moment))
    except (KeyError, ValueError, TypeError):
        return None
    try:
        details = json.loads(str(row.get("details") or "{}"))
    except ValueError:
        details = {"details": row.get("details")}
    if not isinstance(details, dict):
        details = {"details": details}
    changes = [
        FieldChange(field=str(name), after=json.dumps(value, sort_keys=True, default=str))
        for name, value in sorted(details.items())
    ]
    return AuditEvent(
        object_id=f"{OBJECT_PREFIX}{customer}",
        object_kind=CONTACT_LIST_KIND,
        object_type=CONTACT_LIST_KIND,
        title=f"{customer} contact list",
        version=version,
        event=f"{action.value}.{row_id}",
        event_type=action.value,
        actor=str(row.get("actor") or UNKNOWN_ACTOR),
        time=format_rfc3339(moment),
        customers=[customer],
        customer=customer,
        status=str(row.get("status") or "done"),
        comment=str(row["comment"]) if row.get("comment") else None,
        changes=changes,
    )
