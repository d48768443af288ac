"""Read and arrange what moto's SES holds in a customer's account, without going through the code under test."""

from __future__ import annotations

from dataclasses import dataclass

REGION = "us-east-1"


@dataclass(frozen=True)
class StoredContact:
    email: str
    preferences: dict[str, str]
    unsubscribe_all: bool


def _backend(account: str) -> object:
    from moto.sesv2.models import sesv2_backends

    return sesv2_backends[account][REGION]


def contact_lists(account: str) -> list[str]:
    return [item.contact_list_name for item in _backend(account).list_contact_lists()]  # type: ignore[attr-defined]


def stored_contacts(account: str) -> dict[str, StoredContact]:
    """Contacts of the account's one list, keyed by address as stored."""
    names = contact_lists(account)
    if not names:
        return {}
    contacts = _backend(account).list_contacts(names[0])  # type: ignore[attr-defined]
    return {
        c.email_address: StoredContact(
            c.email_address,
            {p["TopicName"]: p["SubscriptionStatus"] for p in c.topic_preferences},
            bool(c.unsubscribe_all),
        )
        for c in contacts
    }


def set_contact(account: str, email: str, preferences: dict[str, str], unsubscribe_all: bool = False) -> None:
    """What a person's choices on the SES preferences page (or a hand-made contact) leave behind."""
    backend = _backend(account)
    name = contact_lists(account)[0]
    params = {
        "EmailAddress": email,
        "TopicPreferences": [{"TopicName": t, "SubscriptionStatus": s} for t, s in preferences.items()],
        "UnsubscribeAll": unsubscribe_all,
    }
    contact_list = backend.get_contact_list(name)  # type: ignore[attr-defined]
    if email in contact_list.contacts:
        contact_list.update_contact(email, params)
    else:
        contact_list.create_contact(name, params)
