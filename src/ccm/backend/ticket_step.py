"""The tickets step: after a change's customer notice, its ServiceNow change request and Jira issue follow.

Every customer's trigger runs it; the ledger lets one of them act (:mod:`ccm.integrations.follow`). A change request
created on submit is stored on the change, and later steps see it.
"""

from __future__ import annotations

from ccm.backend.steps import TriggerContext
from ccm.domain.objects import Change
from ccm.integrations.follow import TicketFollower
from ccm.mail.views import ViewBuilder

TICKETS_STEP = "tickets"


class TicketStep:
    name = TICKETS_STEP

    def __init__(self, follower: TicketFollower, views: ViewBuilder) -> None:
        self.follower = follower
        self.views = views

    def run(self, context: TriggerContext) -> None:
        change = context.obj
        if not isinstance(change, Change):
            return
        report = self.follower.follow(
            change,
            context.notice.event.value,
            self.views.view_url(change),
            deadline=context.deadline,
            counts=context.counts,
        )
        if report.linked is not None and report.linked.obj.version == change.version:
            context.replace_stored(report.linked)
