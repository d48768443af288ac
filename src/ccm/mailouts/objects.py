"""Which change or announcement an operator mails about, which email it gets, and for which customers.

The object comes from the archive (by id) or from a JSON file, which is validated with the domain model exactly
like an upload. The email and its topic follow the backend's decisions unless the operator names others.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ccm.config import AppConfig, CustomerMapping
from ccm.domain.objects import AnyObject, InvalidDocument, parse_document
from ccm.domain.status import Status
from ccm.errors import CcmError, UnknownCustomer
from ccm.jsonfile import read_json
from ccm.mail.decisions import EVENT_FOR_STATUS, EmailEvent, Notice, Topics, topic_for


class InvalidMetadataFile(CcmError):
    """The file is not a change or an announcement; the message names the file, each bad field and why."""


class NothingToSend(CcmError):
    """The object's state does not call for the email asked for (a draft, or a notification before approval)."""


def read_metadata_file(path: Path) -> AnyObject:
    data = read_json(path)
    if not isinstance(data, dict):
        raise InvalidMetadataFile(f"{path}: expected a JSON object (a change or an announcement), found {_kind(data)}")
    try:
        return parse_document(data)
    except InvalidDocument as error:
        problems = "; ".join(f"{field}: {reason}" for field, reason in error.problems)
        raise InvalidMetadataFile(f"{path}: {problems}") from None


def _kind(value: object) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true/false"}.get(
        type(value), "null"
    )


def approval_notice(obj: AnyObject, topics: Topics, topic: str | None = None) -> Notice:
    """The approval request, to the approvers' topic unless ``topic`` is given."""
    if obj.status is Status.DRAFT:
        raise NothingToSend(f"{obj.id} is a draft: it is submitted for approval first")
    return Notice(EmailEvent.APPROVAL_REQUEST, topic or topic_for(obj, EmailEvent.APPROVAL_REQUEST, topics))


def notification_notice(
    obj: AnyObject, topics: Topics, event: EmailEvent | None = None, topic: str | None = None
) -> Notice:
    """The notification the object's status calls for (or ``event``), to its topic unless ``topic`` is given."""
    if obj.status is Status.DRAFT:
        raise NothingToSend(f"{obj.id} is a draft: drafts are never mailed")
    if event is None:
        event = EVENT_FOR_STATUS.get(obj.status)
        if event is None or event is EmailEvent.APPROVAL_REQUEST:
            raise NothingToSend(
                f"{obj.id} is {obj.status.value}: its email is the approval request (send-approval-request); "
                "name a notification with --event approved|completed|cancelled to send one anyway"
            )
    if event is EmailEvent.APPROVAL_REQUEST:
        raise NothingToSend("the approval request is sent with send-approval-request")
    return Notice(event, topic or topic_for(obj, event, topics))


def target_customers(obj: AnyObject, config: AppConfig, codes: Sequence[str] | None) -> list[CustomerMapping]:
    """The object's customers, or those of ``codes`` (each must be one of the object's, if it names any)."""
    if codes:
        wanted = list(dict.fromkeys(codes))
        unknown = config.unknown_customers(wanted)
        if unknown:
            raise UnknownCustomer(unknown)
        foreign = [code for code in wanted if obj.customers and code not in obj.customers]
        if foreign:
            raise NothingToSend(
                f"{', '.join(foreign)} not among the customers of {obj.id} ({', '.join(obj.customers)})"
            )
        return [config.customer_mappings[code] for code in wanted]
    if not obj.customers:
        raise NothingToSend(f"{obj.id} names no customers: give them with --customer")
    unknown = config.unknown_customers(obj.customers)
    if unknown:
        raise UnknownCustomer(unknown)
    return [config.customer_mappings[code] for code in obj.customers]
