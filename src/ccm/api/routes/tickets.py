"""``/changes/{id}/tickets``: the change's ServiceNow and Jira tickets with their current state, and "Create in
ServiceNow" for a change that names none."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import MutationBody, documented
from ccm.api.models import ObjectId
from ccm.api.responses import mutation_response
from ccm.workflow.tickets import create_in_servicenow, ticket_links


class TicketLinkBody(BaseModel):
    model_config = ConfigDict(defer_build=True)

    system: str = Field(description="servicenow or jira")
    ticket: str = Field(description="The ServiceNow number or the Jira key the change names")
    url: str | None = Field(default=None, description="The ticket in the other system; none when it was not found")
    state: str | None = Field(default=None, description="Its current state there (asked at most once a minute)")
    problem: str | None = Field(default=None, description="Why there is no state: unreachable, unknown ticket")


class TicketLinksBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, defer_build=True)

    tickets: list[TicketLinkBody]
    can_create: bool = Field(
        alias="canCreate", description="Whether you may create a ServiceNow change request for it (it names none)"
    )


def add_ticket_routes(router: Router) -> None:
    @router.get(
        "/changes/<object_id>/tickets",
        tags=["changes"],
        summary="The change's ServiceNow and Jira tickets, each with a link and its current state",
        operation_id="list_change_tickets",
        responses=documented(200, TicketLinksBody, 404),
    )
    def list_tickets(services: CurrentServices, actor: CurrentActor, object_id: ObjectId) -> dict[str, Any]:
        links = ticket_links(services, actor, object_id)
        return {"tickets": links.tickets, "canCreate": links.can_create}

    @router.post(
        "/changes/<object_id>/servicenow",
        tags=["changes"],
        summary="Create a ServiceNow change request for a change that names none, and store its number",
        operation_id="create_change_in_servicenow",
        responses=documented(200, MutationBody, 403, 404, 422, 503),
    )
    def create_in_snow(services: CurrentServices, actor: CurrentActor, object_id: ObjectId) -> Response[Any]:
        # The address the change's emails link to (ccm.mail.views), which the new change request links back to.
        portal = services.config.email_config.portal_base_url
        portal_url = f"{portal}/edit-change.html?{urlencode({'changeId': object_id})}"
        return mutation_response(create_in_servicenow(services, actor, object_id, portal_url))
