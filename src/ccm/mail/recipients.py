"""Who receives mail of a topic for a customer: its SES subscribers, minus whoever must not be mailed.

In order: the topic's subscribers on the customer's contact list; nobody outside the customer's
``restricted_recipients`` allow-list (the non-production failsafe); nobody on the account's suppression list;
no malformed address; each address once, whatever its capitalisation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ccm.config import AppConfig, CustomerMapping
from ccm.mail.mime import valid_address
from ccm.mail.port import Mailboxes

logger = logging.getLogger(__name__)

LOOKUP_WORKERS = 8


@dataclass(frozen=True)
class TopicAudience:
    customer_code: str
    topic: str
    recipients: list[str]
    subscribed: int
    outside_allow_list: int
    suppressed: int
    malformed: int


def screen(
    customer: CustomerMapping, topic: str, subscribed: Sequence[str], suppressed: Callable[[], frozenset[str]]
) -> TopicAudience:
    """The recipients among ``subscribed``: well-formed, inside the allow-list, not suppressed, each once.
    ``suppressed`` is only asked when someone is left to mail."""
    unique: dict[str, str] = {}
    for address in subscribed:
        unique.setdefault(address.strip().lower(), address.strip())
    malformed = [key for key, address in unique.items() if not valid_address(address)]
    for key in malformed:
        logger.warning(
            "skipping malformed address %r on the contact list of %s", unique.pop(key), customer.customer_code
        )
    allowed = {key: address for key, address in unique.items() if customer.allows_recipient(address)}
    blocked = suppressed() if allowed else frozenset()
    recipients = sorted(address for key, address in allowed.items() if key not in blocked)
    return TopicAudience(
        customer_code=customer.customer_code,
        topic=topic,
        recipients=recipients,
        subscribed=len(subscribed),
        outside_allow_list=len(unique) - len(allowed),
        suppressed=len(allowed) - len(recipients),
        malformed=len(malformed),
    )


class RecipientDirectory:
    def __init__(self, config: AppConfig, mailboxes: Mailboxes) -> None:
        self.config = config
        self.mailboxes = mailboxes

    def audience(self, customer_code: str, topic: str) -> TopicAudience:
        customer = self.config.customer(customer_code)
        mailbox = self.mailboxes.for_customer(customer)
        audience = screen(customer, topic, mailbox.subscribers(topic), mailbox.suppressed)
        logger.info(
            "audience of %s for %s: %d subscribed, %d outside the allow-list, %d suppressed, %d to mail",
            topic,
            customer_code,
            audience.subscribed,
            audience.outside_allow_list,
            audience.suppressed,
            len(audience.recipients),
        )
        return audience

    def recipients(self, customer_code: str, topic: str) -> list[str]:
        return self.audience(customer_code, topic).recipients

    def across(self, customer_codes: Sequence[str], topic: str) -> dict[str, list[str]]:
        """Recipients of ``topic`` for several customers at once (each in its own account), by customer code."""
        codes = sorted(set(customer_codes))
        if not codes:
            return {}
        with ThreadPoolExecutor(max_workers=min(LOOKUP_WORKERS, len(codes))) as pool:
            found = pool.map(lambda code: self.recipients(code, topic), codes)
            return dict(zip(codes, found, strict=True))
