"""The one SES v2 contact list of a customer's account, and its topics.

SES allows one contact list per account, so a customer's list is simply the list in that customer's account.
Topics are brought in line with SESConfig.json by ``UpdateContactList``: a list is never deleted and recreated,
which would lose every contact's preferences.
"""

from __future__ import annotations

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
    current = described.get("Topics", [])

    def shape(topics: list[TopicTypeDef]) -> list[tuple[str, str, str, str]]:
        return sorted(
            (t["TopicName"], t["DisplayName"], t.get("Description", ""), t["DefaultSubscriptionStatus"]) for t in topics
        )

    if shape(list(current)) == shape(wanted):
        return name, "unchanged"
    if not dry_run:
        # UpdateContactList replaces everything it is given: pass the description on, or SES clears it.
        ses.update_contact_list(
            ContactListName=name, Description=described.get("Description") or CONTACT_LIST_DESCRIPTION, Topics=wanted
        )
    return name, f"{prefix}updated"
