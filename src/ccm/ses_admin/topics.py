"""Topics: who receives each topic of a list, and why (an explicit choice or the topic's default)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ccm.config import SubscriptionStatus
from ccm.ses_admin.contacts import Contact, ListDetails, ListTopic


@dataclass
class TopicCounts:
    topic: ListTopic
    explicit_in: int = 0
    explicit_out: int = 0
    default_in: int = 0
    default_out: int = 0
    unsubscribed_all: int = 0
    receivers: list[str] = field(default_factory=list)

    def as_document(self, with_receivers: bool = False) -> dict[str, Any]:
        document: dict[str, Any] = {
            "topic": self.topic.name,
            "display_name": self.topic.display_name,
            "default": self.topic.default_status.value,
            "opted_in": self.explicit_in + self.default_in,
            "opted_out": self.explicit_out + self.default_out,
            "explicit_opt_in": self.explicit_in,
            "explicit_opt_out": self.explicit_out,
            "by_default_in": self.default_in,
            "by_default_out": self.default_out,
            "unsubscribed_all": self.unsubscribed_all,
            "receivers": len(self.receivers),
        }
        if with_receivers:
            document["receiver_addresses"] = self.receivers
        return document


def topic_counts(details: ListDetails, contacts: Iterable[Contact]) -> list[TopicCounts]:
    """Per topic, how many contacts are in or out and why (explicit choice or the topic's default)."""
    counts = [TopicCounts(topic) for topic in details.topics]
    for contact in contacts:
        for count in counts:
            status, explicit = contact.status(count.topic)
            opted_in = status is SubscriptionStatus.OPT_IN
            if explicit:
                count.explicit_in += opted_in
                count.explicit_out += not opted_in
            else:
                count.default_in += opted_in
                count.default_out += not opted_in
            if contact.unsubscribe_all:
                count.unsubscribed_all += 1
            elif opted_in:
                count.receivers.append(contact.email)
    return counts
