"""Changes to one customer's contact list: planned whole, then made one contact at a time.

The Identity Center import and ``ccm ses subscriptions apply`` both compare what they want with what the list
holds, plan the creates, updates and removals, and keep a record, per address, of what they granted. They carry
their plans out alike: every change is tried (a failure belongs to that contact, and the rest of the list still
gets its changes); a failed change puts the contact's record entry back as it was, so the next run tries it again;
a dry run reports the plan instead; and the result counts what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ccm.aws.ses_lists import ensure_contact_list, find_contact_list
from ccm.config import SesConfig
from ccm.ses_admin.contacts import Contact, ContactList

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

Entry = TypeVar("Entry")
"""What a record holds for one address (the import: its topics; the subscription file: a ``Grant``)."""


@dataclass(kw_only=True)
class ContactChanges(Generic[Entry]):
    creates: list[Contact] = field(default_factory=list)
    updates: list[tuple[Contact, Contact]] = field(default_factory=list)
    """(before, after) of each contact whose preferences change."""
    removals: list[Contact] = field(default_factory=list)
    unchanged: int = 0
    record_before: dict[str, Entry] = field(default_factory=dict)
    record_after: dict[str, Entry] = field(default_factory=dict)
    """The record as it will be once every change is made (lower-cased address -> entry)."""

    @property
    def writes(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.removals)

    def planned(self) -> dict[str, list[str]]:
        """The addresses of each kind of change, as a dry run reports them."""
        return {
            "create": [contact.email for contact in self.creates],
            "update": [after.email for _, after in self.updates],
            "remove": [contact.email for contact in self.removals],
        }

    def undo_record_of(self, key: str) -> None:
        """A change of ``key`` failed: its record entry stays as it was before the run."""
        if key in self.record_before:
            self.record_after[key] = self.record_before[key]
        else:
            self.record_after.pop(key, None)


@dataclass(kw_only=True)
class ChangeCounts:
    """What a run did to one customer's list (or, in a dry run, would do)."""

    dry_run: bool
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    planned: dict[str, list[str]] = field(default_factory=dict)
    """Addresses per kind of change; in a dry run the whole plan, otherwise empty."""
    applied: dict[str, list[str]] = field(default_factory=dict)
    """Addresses per kind of change made (not in a dry run): what the audit log records of the run."""

    KEPT_ERRORS = 5

    @property
    def problem(self) -> str | None:
        if not self.failed:
            return None
        return f"{self.failed} contact write(s) failed: " + "; ".join(self.errors)

    def fail(self, email: str, error: Exception) -> None:
        self.failed += 1
        if len(self.errors) < self.KEPT_ERRORS:
            self.errors.append(f"{email}: {error}")

    def counts_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "created": self.created,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "errors": self.errors,
        }
        if self.dry_run:
            document["planned"] = self.planned
        return document

    def add_plan(self, changes: ContactChanges[Any]) -> None:
        """A dry run: the counts and addresses of the plan, nothing written."""
        self.created, self.updated, self.removed = len(changes.creates), len(changes.updates), len(changes.removals)
        self.planned = changes.planned()


class WriteProgress:
    """Hooks for a progress display; the default shows nothing."""

    def planned(self, code: str, writes: int) -> None:
        """The plan of one customer is known: ``writes`` SES writes will follow."""

    def wrote(self, code: str) -> None:
        """One SES contact write finished."""


def contact_list(ses: SESV2Client, ses_config: SesConfig, *, dry_run: bool) -> tuple[ContactList | None, str]:
    """The account's contact list and what became of it (``exists``, ``created``, ...); a dry run creates none."""
    if dry_run:
        name = find_contact_list(ses)
        return (ContactList(ses, name), "exists") if name else (None, "would-create")
    name, outcome = ensure_contact_list(ses, ses_config)
    return ContactList(ses, name), outcome


def apply_changes(
    contacts: ContactList,
    changes: ContactChanges[Any],
    counts: ChangeCounts,
    *,
    create: Callable[[Contact], object] | None = None,
    on_write: Callable[[], None] | None = None,
) -> None:
    """Make every change of the plan, counting into ``counts``; ``create`` replaces the plain contact creation."""
    tick = on_write or (lambda: None)

    def attempt(contact: Contact, write: Callable[[], object]) -> bool:
        try:
            write()
        except Exception as error:  # recorded per contact; the rest of the list still gets its changes
            counts.fail(contact.email, error)
            changes.undo_record_of(contact.key)
            return False
        finally:
            tick()
        return True

    make = create or contacts.create
    made: dict[str, list[str]] = {"create": [], "update": [], "remove": []}
    for new in changes.creates:
        if attempt(new, partial(make, new)):
            counts.created += 1
            made["create"].append(new.email)
    for _, after in changes.updates:
        if attempt(after, partial(contacts.update, after)):
            counts.updated += 1
            made["update"].append(after.email)
    for gone in changes.removals:
        if attempt(gone, partial(contacts.delete, gone.email)):
            counts.removed += 1
            made["remove"].append(gone.email)
    counts.applied = {kind: emails for kind, emails in made.items() if emails}
