"""Whom an object reaches once approved: counts per customer, read through the ``audience`` port of the services.

The port's implementation reads each customer's SES (:mod:`ccm.meetings.audience`); the workflow only decides who
may ask (anyone who may read the object) and about what.
"""

from __future__ import annotations

from typing import Protocol

from ccm.domain.audience import ObjectAudience
from ccm.domain.objects import AnyObject
from ccm.workflow.actor import Actor
from ccm.workflow.commands import Kind
from ccm.workflow.errors import NotAvailable
from ccm.workflow.reading import get_object
from ccm.workflow.services import Services


class AudienceSource(Protocol):
    def reach(self, obj: AnyObject) -> ObjectAudience: ...


def audience(services: Services, actor: Actor, object_id: str, *, kind: Kind) -> ObjectAudience:
    """The object's audience, per customer: how many its notification and its meeting would reach."""
    stored = get_object(services, actor, object_id, kind=kind)
    assert stored is not None
    if services.audience is None:
        raise NotAvailable("counting audiences needs the customers' SES, which this service was built without")
    return services.audience.reach(stored.obj)
