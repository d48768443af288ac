"""The one SES v2 contact list of a customer's account, and its topics.

SES allows one contact list per account, so a customer's list is simply the list in that customer's account.
Topics are brought in line with SESConfig.json by ``UpdateContactList``: a list is never deleted and recreated,
which would lose every contact's preferences.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.config import SesConfig, Topic

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sesv2.type_defs import TopicTypeDef

CONTACT_LIST_NAME = "ccm-customer-contacts"
CONTACT_LIST_DESCRIPTION = "Customer contacts and their topic subscriptions"


def find_contact_list(ses: SESV2Client) -> str | None:
    """The name of the account's contact list, or ``None``. Pages to the end, though SES allows one."""
    token: str | None = None
    while True:
        response = ses.list_contact_lists(NextToken=token) if token else ses.list_contact_lists()
        lists = response.get("ContactLists", [])
        if lists:
            return lists[0]["ContactListName"]
        token = response.get("NextToken")
        if not token:
            return None


TopicShape = tuple[str, str, str, str]
"""What makes two topics the same: name, display name, description and default subscription status."""


@dataclass
class TopicPlan:
    add: list[str] = field(default_factory=list)
    change: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not (self.add or self.change or self.remove)

    def as_document(self) -> dict[str, list[str]]:
        return {"add": self.add, "change": self.change, "remove": self.remove, "unchanged": self.unchanged}


def shape(topic: Topic) -> TopicShape:
    return (topic.name, topic.display_name, topic.description, topic.default_status.value)


def plan_topics(current: Iterable[TopicShape], ses_config: SesConfig) -> TopicPlan:
    """What ``UpdateContactList`` would change to make a list's topics those of SESConfig.json: the one
    definition of "the topics are in sync"."""
    have = {topic[0]: topic for topic in current}
    plan = TopicPlan()
    for wanted in ses_config.expanded_topics:
        found = have.get(wanted.name)
        if found is None:
            plan.add.append(wanted.name)
        elif found != shape(wanted):
            plan.change.append(wanted.name)
        else:
            plan.unchanged.append(wanted.name)
    plan.remove = sorted(set(have) - set(ses_config.topic_names()))
    return plan


def _sdk_shape(topic: TopicTypeDef) -> TopicShape:
    return (topic["TopicName"], topic["DisplayName"], topic.get("Description", ""), topic["DefaultSubscriptionStatus"])


def _topic(topic: Topic) -> TopicTypeDef:
    return {
        "TopicName": topic.name,
        "DisplayName": topic.display_name,
        "Description": topic.description,
        "DefaultSubscriptionStatus": topic.default_status.value,
    }


def ensure_contact_list(ses: SESV2Client, ses_config: SesConfig, *, dry_run: bool = False) -> tuple[str, str]:
    """Make sure the account has a contact list carrying exactly the configured topics.

    Returns the list name and what happened: ``created``, ``updated`` or ``unchanged`` (``would-…`` in a dry run).
    """
    wanted = [_topic(topic) for topic in ses_config.expanded_topics]
    name = find_contact_list(ses)
    prefix = "would-" if dry_run else ""
    if name is None:
        if not dry_run:
            try:
                ses.create_contact_list(
                    ContactListName=CONTACT_LIST_NAME, Description=CONTACT_LIST_DESCRIPTION, Topics=wanted
                )
            except ClientError as error:
                if error_code(error) != "AlreadyExistsException":
                    raise
        return CONTACT_LIST_NAME, f"{prefix}created"
    described = ses.get_contact_list(ContactListName=name)
    if plan_topics(map(_sdk_shape, described.get("Topics", [])), ses_config).in_sync:
        return name, "unchanged"
    if not dry_run:
        # UpdateContactList replaces everything it is given: pass the description on, or SES clears it.
        ses.update_contact_list(
            ContactListName=name, Description=described.get("Description") or CONTACT_LIST_DESCRIPTION, Topics=wanted
        )
    return name, f"{prefix}updated"
