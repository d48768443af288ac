"""The difference between what SubscriptionConfig.json asks for a customer and what its contact list holds.

The file owns one thing per contact: the OPT_IN of the topics it granted, recorded per customer (see
:mod:`ccm.ses_admin.subscription_record`). The Identity Center import owns its own grants, recorded likewise;
each side passes the other's record in as ``held`` and never withdraws what the other holds. Therefore:

* a listed address without a contact becomes one, with an explicit OPT_IN on its listed topics;
* a listed topic without an explicit preference gets an explicit OPT_IN; an explicit OPT_OUT is the person's
  choice and stays (reported); an OPT_IN already there is claimed only when a grant made it (this file's
  earlier or the import's), never when the person chose it, so a later withdrawal cannot undo their choice;
* a contact that unsubscribed from everything is not written at all (reported);
* grants for topics or addresses no longer listed stay until ``prune``; then the OPT_IN is withdrawn unless
  the import holds it too, and a contact this file created is removed once it has no explicit preference
  left and the import has no record of it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from ccm.config import SubscriptionStatus
from ccm.ses_admin.contact_changes import ContactChanges
from ccm.ses_admin.contacts import Contact
from ccm.ses_admin.subscription_record import Grant
from ccm.subscription_config import Listed

OPT_IN = SubscriptionStatus.OPT_IN
Held = Mapping[str, Collection[str]]
"""Lower-cased address -> topics another tool granted (the import's record)."""


@dataclass(kw_only=True)
class SubscriptionPlan(ContactChanges[Grant]):
    prune: bool = False
    unsubscribed: list[str] = field(default_factory=list)
    """Listed (or to be pruned) addresses that unsubscribed from everything: left alone."""
    opted_out: list[str] = field(default_factory=list)
    """``address: topic`` pairs the file lists that the person opted out of: left alone."""
    awaiting_prune: list[str] = field(default_factory=list)
    """``address: topic`` grants no longer listed, kept until ``--prune``."""


def _withdraw(preferences: dict[str, SubscriptionStatus], topics: Collection[str], held: Collection[str]) -> None:
    for topic in topics:
        if topic not in held and preferences.get(topic) is OPT_IN:
            del preferences[topic]


def _change(plan: SubscriptionPlan, contact: Contact, after: dict[str, SubscriptionStatus]) -> None:
    if after == dict(contact.preferences):
        plan.unchanged += 1
    else:
        plan.updates.append((contact, contact.with_preferences(after)))


def _listed(plan: SubscriptionPlan, want: Listed, contact: Contact | None, prior: Grant | None, held: Held) -> None:
    key = want.key
    if contact is None:
        plan.creates.append(Contact(want.email, dict.fromkeys(want.topics, OPT_IN)))
        plan.record_after[key] = Grant(topics=want.topics, created=True)
        return
    if contact.unsubscribe_all:
        plan.unsubscribed.append(contact.email)
        # Recorded even without a grant: the import must keep the contact, or its choice would be lost with it.
        plan.record_after[key] = prior if prior is not None else Grant()
        return
    ours = set(prior.topics) if prior else set()
    theirs = set(held.get(key, ()))
    after = dict(contact.preferences)
    claimed: list[str] = []
    for topic in want.topics:
        status = after.get(topic)
        if status is None:
            after[topic] = OPT_IN
            claimed.append(topic)
        elif status is OPT_IN:
            if topic in ours or topic in theirs:
                claimed.append(topic)
        else:
            plan.opted_out.append(f"{contact.email}: {topic}")
    stale = [topic for topic in (prior.topics if prior else ()) if topic not in want.topics]
    if stale and plan.prune:
        _withdraw(after, stale, theirs)
    else:
        claimed.extend(stale)
        plan.awaiting_prune.extend(f"{contact.email}: {topic}" for topic in stale)
    plan.record_after[key] = Grant(topics=tuple(claimed), created=prior.created if prior else False)
    _change(plan, contact, after)


def _unlisted(plan: SubscriptionPlan, key: str, contact: Contact | None, prior: Grant, held: Held) -> None:
    if contact is None:
        return  # removed by someone else since: nothing left to withdraw
    if not plan.prune:
        plan.record_after[key] = prior
        plan.awaiting_prune.extend(f"{contact.email}: {topic}" for topic in prior.topics)
        return
    if contact.unsubscribe_all:
        plan.unsubscribed.append(contact.email)
        plan.record_after[key] = prior
        return
    after = dict(contact.preferences)
    _withdraw(after, prior.topics, held.get(key, ()))
    if prior.created and key not in held and not after:
        plan.removals.append(contact)
    elif after != dict(contact.preferences):
        plan.updates.append((contact, contact.with_preferences(after)))


def plan_subscriptions(
    listed: Mapping[str, Listed],
    existing: Mapping[str, Contact],
    record: Mapping[str, Grant],
    held: Held,
    *,
    prune: bool = False,
) -> SubscriptionPlan:
    """What to create, update and remove so the list gives every listed address its topics (keys lower-cased)."""
    plan = SubscriptionPlan(prune=prune, record_before=dict(record))
    for key, want in listed.items():
        _listed(plan, want, existing.get(key), record.get(key), held)
    for key in sorted(record.keys() - listed.keys()):
        _unlisted(plan, key, existing.get(key), record[key], held)
    return plan


class AddedMeanwhile(Exception):
    def __init__(self, email: str) -> None:
        super().__init__(f"{email} was added to the list since it was read; apply the file again")
