"""The difference between what Identity Center says and what a customer's SES contact list holds.

The import owns exactly one thing per contact: the OPT_IN of the topics it granted for the contact's roles.
It records those grants per customer (see :mod:`ccm.contact_import.record`) because SES cannot tell an opt-in the
import made from one the person chose on the SES preferences page. Therefore:

* a new directory user becomes a contact subscribed to the topics of their roles;
* when roles change, newly granted topics are subscribed and withdrawn grants are unsubscribed (only those the
  import itself granted); explicit opt-outs and ``UnsubscribeAll`` are never touched;
* a contact the import created whose user left the directory is removed; contacts added by other means are
  kept unless ``prune`` is set;
* what another tool granted (``held``: the subscription file's record) is never withdrawn, and a contact that
  tool still lists is never removed: only the import's own grants are withdrawn from it, and its record entry
  stays (empty) so the import removes the contact once the other tool lets it go;
* addresses are compared without regard to case, and a contact already right is not written at all.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ccm.config import SubscriptionStatus
from ccm.contact_import.directory import Directory
from ccm.contact_import.roles import TopicMapper
from ccm.errors import CcmError
from ccm.ses_admin.contact_changes import ContactChanges
from ccm.ses_admin.contacts import Contact

Grants = dict[str, list[str]]
"""Lower-cased address -> topics the import granted."""
Held = Mapping[str, Collection[str]]
"""Lower-cased address -> topics another tool granted (the subscription file's record)."""


class EmptyDirectory(CcmError):
    def __init__(self, store_id: str, would_remove: int) -> None:
        super().__init__(
            f"directory {store_id} returned no users with an email address; refusing to remove {would_remove} "
            "imported contact(s) on that basis"
        )


@dataclass(frozen=True)
class Desired:
    email: str
    topics: list[str]
    user_names: list[str]


def desired_contacts(directory: Directory, mapper: TopicMapper, only_user: str | None = None) -> dict[str, Desired]:
    """Each directory user with an address, keyed by lower-cased address (users sharing one are merged)."""
    desired: dict[str, Desired] = {}
    for user in directory.users:
        if not user.email or (only_user is not None and user.user_name != only_user):
            continue
        key = user.email.lower()
        topics = mapper.topics_for_groups(directory.group_names_of(user.user_id))
        before = desired.get(key)
        if before is not None:
            topics = list(dict.fromkeys([*before.topics, *topics]))
            desired[key] = Desired(before.email, topics, [*before.user_names, user.user_name])
        else:
            desired[key] = Desired(user.email, topics, [user.user_name])
    return desired


@dataclass(kw_only=True)
class ImportPlan(ContactChanges[list[str]]):
    """The record entries are the topics the import granted each address."""

    kept: int = 0
    """Contacts not from the directory, left alone (``prune`` not set)."""


def _reconcile(contact: Contact, wanted: list[str], granted: Collection[str]) -> dict[str, SubscriptionStatus]:
    after = dict(contact.preferences)
    for topic in wanted:
        after.setdefault(topic, SubscriptionStatus.OPT_IN)  # an explicit OPT_OUT stays as the person left it
    for topic in set(granted) - set(wanted):
        if after.get(topic) is SubscriptionStatus.OPT_IN:
            del after[topic]
    return after


def plan_import(
    desired: Mapping[str, Desired],
    existing: Mapping[str, Contact],
    grants: Grants,
    list_topics: Collection[str],
    *,
    prune: bool = False,
    partial: bool = False,
    store_id: str = "",
    held: Held | None = None,
) -> ImportPlan:
    """What to create, update and remove. ``partial``: ``desired`` is a subset (one user); remove nothing."""
    held = held or {}
    plan = ImportPlan(record_before=dict(grants), record_after=dict(grants))

    def withdrawable(key: str) -> set[str]:
        return set(grants.get(key, [])) - set(held.get(key, ()))

    for key, want in desired.items():
        topics = [topic for topic in want.topics if topic in list_topics]
        plan.record_after[key] = topics
        current = existing.get(key)
        if current is None:
            plan.creates.append(Contact(want.email, dict.fromkeys(topics, SubscriptionStatus.OPT_IN)))
            continue
        after = _reconcile(current, topics, withdrawable(key))
        if after == dict(current.preferences):
            plan.unchanged += 1
        else:
            plan.updates.append((current, current.with_preferences(after)))
    if partial:
        return plan
    for key in set(grants) - set(desired):
        if key in held:
            plan.record_after[key] = []
        else:
            del plan.record_after[key]
    departed = 0
    for key, contact in existing.items():
        if key in desired:
            continue
        if key in held:
            after = _reconcile(contact, [], withdrawable(key))
            if after == dict(contact.preferences):
                plan.kept += 1
            else:
                plan.updates.append((contact, contact.with_preferences(after)))
                departed += 1
        elif prune or key in grants:
            plan.removals.append(contact)
            departed += 1
        else:
            plan.kept += 1
    if not desired and departed:
        raise EmptyDirectory(store_id, departed)
    return plan
