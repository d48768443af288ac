"""What the audience counts of an approvals page cost in SES requests, with the per-customer minute cache and without.

An approvals page of 20 pending items over 5 customers (each item for 1 to 3 of them), each customer's contact list
holding 3,000 contacts over the topics of SESConfig.json. The real counting code runs (the audience counter, the
per-customer cache, ``SesMailbox.topic_subscribers`` paging the list 1,000 contacts at a time) over a stand-in SES
client that serves the pages and counts each request. SES allows ``ListContacts`` at one request per second per
account, so the table also shows the time the slowest account would take to answer at that rate (accounts are read
in parallel); the CPU time is this process's own work.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import CONFIG_PATH, SES_CONFIG_PATH
from tests.factories import make_change

from ccm.config import AppConfig, SesConfig, load_config, load_ses_config
from ccm.mail.audience import CustomerAudiences
from ccm.mail.ses import PAGE_SIZE, SesMailboxes
from ccm.meetings.audience import AudienceCounter

CUSTOMERS = ["alpha", "bravo", "charlie", "delta", "echo"]
CONTACTS = 3000
ITEMS = 20
LIST_CONTACTS_PER_SECOND = 1.0


class CountingSes:
    """One account's SES v2 as the counting code calls it, with its contact list, counting requests by operation."""

    def __init__(self, code: str, ses_config: SesConfig, requests: Counter[tuple[str, str]]) -> None:
        self.code = code
        self.requests = requests
        topics = ses_config.topic_names()
        self.topics = [{"TopicName": t, "DefaultSubscriptionStatus": "OPT_OUT"} for t in topics]
        self.contacts = [
            {
                "EmailAddress": f"person{n}@{code}.example.com",
                "TopicPreferences": [
                    {"TopicName": topic, "SubscriptionStatus": "OPT_IN" if (n + i) % 3 == 0 else "OPT_OUT"}
                    for i, topic in enumerate(topics)
                ],
            }
            for n in range(CONTACTS)
        ]

    def _count(self, operation: str) -> None:
        self.requests[(self.code, operation)] += 1

    def list_contact_lists(self, **_: Any) -> dict[str, Any]:
        self._count("ListContactLists")
        return {"ContactLists": [{"ContactListName": "ccm-customer-contacts"}]}

    def get_contact_list(self, **_: Any) -> dict[str, Any]:
        self._count("GetContactList")
        return {"ContactListName": "ccm-customer-contacts", "Topics": self.topics}

    def list_contacts(self, NextToken: str | None = None, **_: Any) -> dict[str, Any]:
        self._count("ListContacts")
        start = int(NextToken or 0)
        page: dict[str, Any] = {"Contacts": self.contacts[start : start + PAGE_SIZE]}
        if start + PAGE_SIZE < len(self.contacts):
            page["NextToken"] = str(start + PAGE_SIZE)
        return page

    def list_suppressed_destinations(self, **_: Any) -> dict[str, Any]:
        self._count("ListSuppressedDestinations")
        return {"SuppressedDestinationSummaries": []}


class Sessions:
    """Sessions in each customer's account, by role ARN, whose only client is that account's counting SES."""

    def __init__(self, config: AppConfig, ses_config: SesConfig, requests: Counter[tuple[str, str]]) -> None:
        self.by_role = {
            config.customer(code).ses_role_arn: CountingSes(code, ses_config, requests) for code in CUSTOMERS
        }

    def session(self, role_arn: str, region: str, session_name: str | None = None) -> Any:
        ses = self.by_role[role_arn]

        class Session:
            def client(self, service: str, **_: Any) -> CountingSes:
                return ses

        return Session()


def page_items() -> list[Any]:
    """The pending items of the page: item n is for 1 to 3 consecutive customers."""
    return [
        make_change(customers=[CUSTOMERS[(n + k) % len(CUSTOMERS)] for k in range(1 + n % 3)], include_meeting=True)
        for n in range(ITEMS)
    ]


def ses_seconds(requests: Counter[tuple[str, str]]) -> float:
    """The slowest account's ListContacts requests at SES's rate (accounts are read in parallel)."""
    per_account = Counter({code: count for (code, operation), count in requests.items() if operation == "ListContacts"})
    return max(per_account.values(), default=0) / LIST_CONTACTS_PER_SECOND


def page_load(
    counter: AudienceCounter, items: list[Any], requests: Counter[tuple[str, str]]
) -> tuple[int, float, float]:
    requests.clear()
    started = time.process_time()
    for item in items:
        counter.reach(item)
    return sum(requests.values()), ses_seconds(requests), (time.process_time() - started) * 1000


def main() -> int:
    config, ses_config = load_config(CONFIG_PATH), load_ses_config(SES_CONFIG_PATH)
    items = page_items()
    print(
        f"{ITEMS} pending items over {len(CUSTOMERS)} customers, {CONTACTS} contacts and "
        f"{len(ses_config.topic_names())} topics per customer's list"
    )
    print(f"{'':44} {'SES requests':>12} {'ListContacts s':>15} {'CPU ms':>8}")
    for label, ttl in (
        ("per-customer minute cache", timedelta(minutes=1)),
        ("no cache (every item reads)", timedelta(0)),
    ):
        requests: Counter[tuple[str, str]] = Counter()
        mailboxes = SesMailboxes(config, Sessions(config, ses_config, requests))
        counter = AudienceCounter(
            config, ses_config, CustomerAudiences(config, mailboxes, ttl=ttl), teams_available=True
        )
        first = page_load(counter, items, requests)
        again = page_load(counter, items, requests)
        print(f"{label + ', first load':44} {first[0]:>12} {first[1]:>15.0f} {first[2]:>8.0f}")
        print(f"{label + ', again within 1 min':44} {again[0]:>12} {again[1]:>15.0f} {again[2]:>8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
