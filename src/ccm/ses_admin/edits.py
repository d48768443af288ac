"""Administrative changes to single contacts, each a read followed by at most one write.

Outcomes are words for the summary table: ``created``, ``updated``, ``removed``, ``unchanged``, ``absent``,
prefixed ``would-`` in a dry run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ccm.config import SubscriptionStatus
from ccm.ses_admin.backup import RestorePlan
from ccm.ses_admin.contacts import Contact, ContactList, ContactNotFound


def _outcome(word: str, dry_run: bool) -> str:
    return f"would-{word}" if dry_run else word


def add_contact(contacts: ContactList, email: str, topics: list[str], *, dry_run: bool) -> str:
    """Create the contact subscribed to ``topics``; an existing contact is subscribed to them (nothing else)."""
    current = contacts.get(email)
    if current is None:
        if not dry_run:
            contacts.create(Contact(email, dict.fromkeys(topics, SubscriptionStatus.OPT_IN)))
        return _outcome("created", dry_run)
    return set_topics(contacts, current, topics, SubscriptionStatus.OPT_IN, dry_run=dry_run)


def set_topics(
    contacts: ContactList, current: Contact | str, topics: list[str], status: SubscriptionStatus, *, dry_run: bool
) -> str:
    """Set an explicit ``status`` for ``topics``; other preferences and ``UnsubscribeAll`` stay as they are."""
    contact = contacts.get(current) if isinstance(current, str) else current
    if contact is None:
        raise ContactNotFound(str(current))
    after = {**contact.preferences, **dict.fromkeys(topics, status)}
    if after == dict(contact.preferences):
        return "unchanged"
    if not dry_run:
        contacts.update(contact.with_preferences(after))
    return _outcome("updated", dry_run)


def remove_contact(contacts: ContactList, email: str, *, dry_run: bool) -> str:
    if contacts.get(email) is None:
        return "absent"
    if not dry_run:
        contacts.delete(email)
    return _outcome("removed", dry_run)


@dataclass
class BulkResult:
    done: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def problem(self) -> str | None:
        return f"{self.failed} contact write(s) failed: " + "; ".join(self.errors) if self.failed else None


def _each(contacts: list[Contact], write: Callable[[Contact], object], on_write: Callable[[], None]) -> BulkResult:
    result = BulkResult()
    for contact in contacts:
        try:
            write(contact)
        except Exception as error:  # one contact's failure is reported; the others still get written
            result.failed += 1
            if len(result.errors) < 5:
                result.errors.append(f"{contact.email}: {error}")
        else:
            result.done += 1
        on_write()
    return result


def remove_all(contacts: ContactList, everyone: list[Contact], on_write: Callable[[], None]) -> BulkResult:
    return _each(everyone, lambda contact: contacts.delete(contact.email), on_write)


def restore(contacts: ContactList, plan: RestorePlan, on_write: Callable[[], None]) -> BulkResult:
    created = _each(plan.creates, contacts.create, on_write)
    updated = _each(plan.updates, contacts.update, on_write)
    return BulkResult(
        created.done + updated.done, created.failed + updated.failed, (created.errors + updated.errors)[:5]
    )
