"""What was posted to the customers' Teams, Slack and webhook channels about one object, for its details.

Anyone who may read the object may read its attempts: they show the channel's name, never its URL.
"""

from __future__ import annotations

from ccm.storage.channel_log import ChannelAttempt, ChannelLog, DynamoChannelLog, InMemoryChannelLog
from ccm.storage.repository import Repository
from ccm.workflow.actor import Actor
from ccm.workflow.commands import Kind
from ccm.workflow.reading import get_object
from ccm.workflow.services import Services


def channel_log(services: Services) -> ChannelLog:
    if isinstance(services.repository, Repository):
        catalog = services.repository.catalog
        return DynamoChannelLog(catalog.table_name, catalog.ddb)
    return InMemoryChannelLog()


def channel_posts(
    services: Services, actor: Actor, object_id: str, *, kind: Kind, log: ChannelLog | None = None
) -> list[ChannelAttempt]:
    """Every attempt about the object, newest first; the object must exist and be readable by ``actor``."""
    get_object(services, actor, object_id, kind=kind)
    return (log or channel_log(services)).for_object(object_id)
