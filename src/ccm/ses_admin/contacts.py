"""A customer's SES contact list and its contacts, read to the last page and written one contact at a time.

Contacts are changed with ``UpdateContact``, never deleted and recreated, so a contact's explicit opt-outs
and its ``UnsubscribeAll`` flag survive every administrative change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.aws.ses_lists import find_contact_list
from ccm.config import SubscriptionStatus
from ccm.errors import CcmError

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sesv2.type_defs import TopicPreferenceTypeDef

CONTACTS_PAGE_SIZE = 1000
"""The most ``ListContacts`` returns per page."""


class NoContactList(CcmError):
    def __init__(self) -> None:
        super().__init__("the SES account has no contact list yet; create it with `ccm ses lists create`")


class ContactNotFound(CcmError):
    def __init__(self, email: str) -> None:
        super().__init__(f"{email} is not in the contact list")
        self.email = email


class UnknownTopics(CcmError):
    def __init__(self, topics: Iterable[str], known: Iterable[str]) -> None:
        super().__init__(f"unknown topic(s) {', '.join(sorted(topics))}; the list has {', '.join(sorted(known))}")


@dataclass(frozen=True)
class ListTopic:
    name: str
    display_name: str
    description: str
    default_status: SubscriptionStatus

    @property
    def shape(self) -> tuple[str, str, str, str]:
        return (self.name, self.display_name, self.description, self.default_status.value)

    def as_document(self) -> dict[str, str]:
        return {
            "TopicName": self.name,
            "DisplayName": self.display_name,
            "Description": self.description,
            "DefaultSubscriptionStatus": self.default_status.value,
        }


@dataclass(frozen=True)
class ListDetails:
    name: str
    description: str
    topics: list[ListTopic]
    created: datetime | None
    updated: datetime | None

    def topic_names(self) -> list[str]:
        return [topic.name for topic in self.topics]


@dataclass(frozen=True)
class Contact:
    email: str
    preferences: Mapping[str, SubscriptionStatus] = field(default_factory=dict)
    """Explicit per-topic choices only; a topic without one follows the topic's default."""
    unsubscribe_all: bool = False
    updated: datetime | None = None

    @property
    def key(self) -> str:
        return self.email.strip().lower()

    def status(self, topic: ListTopic) -> tuple[SubscriptionStatus, bool]:
        """The effective status of ``topic`` and whether it is an explicit choice."""
        explicit = self.preferences.get(topic.name)
        return (explicit, True) if explicit is not None else (topic.default_status, False)

    def receives(self, topic: ListTopic) -> bool:
        return not self.unsubscribe_all and self.status(topic)[0] is SubscriptionStatus.OPT_IN

    def with_preferences(self, preferences: Mapping[str, SubscriptionStatus]) -> Contact:
        return Contact(self.email, dict(preferences), self.unsubscribe_all, self.updated)

    def as_document(self) -> dict[str, Any]:
        """As a backup file stores it."""
        return {
            "email_address": self.email,
            "topic_preferences": [
                {"TopicName": name, "SubscriptionStatus": status.value} for name, status in self.preferences.items()
            ],
            "unsubscribe_all": self.unsubscribe_all,
        }


def contact_from_api(raw: Mapping[str, Any]) -> Contact:
    return Contact(
        email=str(raw["EmailAddress"]),
        preferences={
            str(p["TopicName"]): SubscriptionStatus(p["SubscriptionStatus"]) for p in raw.get("TopicPreferences") or []
        },
        unsubscribe_all=bool(raw.get("UnsubscribeAll", False)),
        updated=raw.get("LastUpdatedTimestamp"),
    )


def _preferences(preferences: Mapping[str, SubscriptionStatus]) -> list[TopicPreferenceTypeDef]:
    return [{"TopicName": name, "SubscriptionStatus": status.value} for name, status in sorted(preferences.items())]


class ContactList:
    """The account's one contact list. The client is expected to be rate limited by its creator."""

    def __init__(self, ses: SESV2Client, name: str) -> None:
        self.ses = ses
        self.name = name

    @classmethod
    def find(cls, ses: SESV2Client) -> ContactList:
        name = find_contact_list(ses)
        if name is None:
            raise NoContactList()
        return cls(ses, name)

    def create_list(self, description: str, topics: list[ListTopic]) -> None:
        """Create the list itself (SES allows one per account), e.g. to restore a backup into an empty account."""
        self.ses.create_contact_list(
            ContactListName=self.name,
            Description=description,
            Topics=[
                {
                    "TopicName": topic.name,
                    "DisplayName": topic.display_name,
                    "Description": topic.description,
                    "DefaultSubscriptionStatus": topic.default_status.value,
                }
                for topic in topics
            ],
        )

    def details(self) -> ListDetails:
        raw = self.ses.get_contact_list(ContactListName=self.name)
        return ListDetails(
            name=raw.get("ContactListName", self.name),
            description=raw.get("Description", "") or "",
            topics=[
                ListTopic(
                    t["TopicName"],
                    t.get("DisplayName", t["TopicName"]),
                    t.get("Description", "") or "",
                    SubscriptionStatus(t.get("DefaultSubscriptionStatus", "OPT_OUT")),
                )
                for t in raw.get("Topics", [])
            ],
            created=raw.get("CreatedTimestamp"),
            updated=raw.get("LastUpdatedTimestamp"),
        )

    def contacts(self) -> Iterator[Contact]:
        """Every contact, page after page until SES gives no more tokens."""
        token: str | None = None
        while True:
            arguments: dict[str, Any] = {"ContactListName": self.name, "PageSize": CONTACTS_PAGE_SIZE}
            if token:
                arguments["NextToken"] = token
            response = self.ses.list_contacts(**arguments)
            for raw in response.get("Contacts", []):
                yield contact_from_api(raw)
            token = response.get("NextToken")
            if not token:
                return

    def all_contacts(self) -> dict[str, Contact]:
        """Contacts keyed by lower-cased address (SES addresses are compared without regard to case)."""
        return {contact.key: contact for contact in self.contacts()}

    def get(self, email: str) -> Contact | None:
        try:
            return contact_from_api(self.ses.get_contact(ContactListName=self.name, EmailAddress=email))
        except ClientError as error:
            if error_code(error) == "NotFoundException":
                return None
            raise

    def require(self, email: str) -> Contact:
        contact = self.get(email)
        if contact is None:
            raise ContactNotFound(email)
        return contact

    def create(self, contact: Contact) -> bool:
        """Create; ``False`` when SES already has the address (someone added it since it was read)."""
        try:
            self.ses.create_contact(
                ContactListName=self.name,
                EmailAddress=contact.email,
                TopicPreferences=_preferences(contact.preferences),
                UnsubscribeAll=contact.unsubscribe_all,
            )
        except ClientError as error:
            if error_code(error) == "AlreadyExistsException":
                return False
            raise
        return True

    def update(self, contact: Contact) -> None:
        self.ses.update_contact(
            ContactListName=self.name,
            EmailAddress=contact.email,
            TopicPreferences=_preferences(contact.preferences),
            UnsubscribeAll=contact.unsubscribe_all,
        )

    def delete(self, email: str) -> bool:
        """Delete; ``False`` when the address was already gone."""
        try:
            self.ses.delete_contact(ContactListName=self.name, EmailAddress=email)
        except ClientError as error:
            if error_code(error) == "NotFoundException":
                return False
            raise
        return True


def check_topics(wanted: Iterable[str], details: ListDetails) -> list[str]:
    names = list(dict.fromkeys(topic.strip() for topic in wanted if topic.strip()))
    unknown = set(names) - set(details.topic_names())
    if unknown:
        raise UnknownTopics(unknown, details.topic_names())
    return names
