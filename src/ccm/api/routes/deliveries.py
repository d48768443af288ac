"""Delivery proof: who received each notice of a change or announcement, the administrators' resend, each customer
account's reputation, and the triggers waiting in dead-letter queues."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import BODY_ERRORS, documented
from ccm.api.models import Cursor, CustomerFilter, ObjectId
from ccm.api.routes.common import new_router
from ccm.aws.clients import retry_config
from ccm.dead_letters import DeadLetters
from ccm.settings import Settings
from ccm.storage.trigger_failures import TriggerFailures
from ccm.workflow import Services
from ccm.workflow.commands import Code, Kind
from ccm.workflow.deliveries import (
    STATUSES,
    THRESHOLDS,
    deliverability,
    delivery_report,
    require_admin,
    resend_failed,
)

router = new_router()
TAGS = ["deliveries"]
DeliveryLimit = Annotated[int, Query(ge=1, le=500, description="recipients per page")]
Days = Annotated[int, Query(ge=1, le=90, description="days back, today included")]
CustomerCode = Annotated[str, Path(min_length=1, max_length=32, description="customer code")]


class ResendBody(BaseModel):
    """Which notice to send again, and to which customer's recipients whose delivery failed transiently."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    event: str = Field(min_length=1, max_length=64, description="approval_request, approved, completed, cancelled")
    customer: Code


def _delivery_routes(router: Router, kind: Kind, collection: str) -> None:
    base = f"/{collection}/<object_id>/deliveries"

    @router.get(
        base,
        tags=TAGS,
        summary=f"Who received each notice of the {kind}: counts per customer and event; recipients for approvers",
        operation_id=f"{kind}_deliveries",
        responses=documented(200, None, 404),
    )
    def deliveries(
        services: CurrentServices,
        actor: CurrentActor,
        object_id: ObjectId,
        customer: CustomerFilter = None,
        limit: DeliveryLimit = 100,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        report = delivery_report(services, actor, object_id, kind=kind, customer=customer, limit=limit, cursor=cursor)
        return {**report.public(), "statuses": STATUSES}

    @router.post(
        f"{base}/resend",
        tags=TAGS,
        summary="Administrators: one extra copy of the current notice to a customer's transient failures",
        operation_id=f"resend_{kind}_deliveries",
        responses=documented(200, None, 404, 409, *BODY_ERRORS),
    )
    def resend(services: CurrentServices, actor: CurrentActor, object_id: ObjectId, body: ResendBody) -> dict[str, Any]:
        outcome = resend_failed(services, actor, object_id, kind=kind, event=body.event, customer=body.customer)
        return outcome.public()


_delivery_routes(router, "change", "changes")
_delivery_routes(router, "announcement", "announcements")


@router.get(
    "/deliverability",
    tags=TAGS,
    summary="Each customer account's bounce and complaint rates against SES's review thresholds",
    operation_id="deliverability",
    responses=documented(),
)
def get_deliverability(services: CurrentServices, actor: CurrentActor, days: Days = 30) -> dict[str, Any]:
    accounts = deliverability(services, actor, days=days)
    return {"days": days, "thresholds": THRESHOLDS, "accounts": [account.public() for account in accounts]}


_built: dict[int, DeadLetters] = {}


def _dead_letters(services: Services) -> DeadLetters:
    """Built once per cold start (per services object), on the first administrator's request."""
    found = _built.get(id(services))
    if found is None or found.config is not services.config:
        import boto3  # only an administrator's dead-letter request needs SQS and S3 clients

        settings = Settings.from_env()
        found = _built[id(services)] = DeadLetters(
            services.config,
            boto3.client("sqs", config=retry_config()),
            boto3.client("s3", config=retry_config()),
            settings.bucket,
            TriggerFailures(settings.table),
            settings.trigger_queue_prefix,
        )
    return found


@router.get(
    "/admin/dead-letters",
    tags=TAGS,
    summary="Administrators: the triggers in each customer's dead-letter queue (read, never consumed)",
    operation_id="dead_letters",
    responses=documented(),
)
def get_dead_letters(services: CurrentServices, actor: CurrentActor, customer: CustomerFilter = None) -> dict[str, Any]:
    require_admin(actor, "see dead letters")
    codes = [services.config.customer(customer).customer_code] if customer else services.config.customer_codes
    queues = _dead_letters(services).of_customers(codes)
    return {"queues": [queue.public() for queue in queues if queue.waiting or queue.problem or customer]}


@router.post(
    "/admin/dead-letters/<customer>/redrive",
    tags=TAGS,
    summary="Administrators: move a customer's dead letters back to its queue (the ledger mails nobody twice)",
    operation_id="redrive_dead_letters",
    responses=documented(200, None, 409),
)
def redrive(services: CurrentServices, actor: CurrentActor, customer: CustomerCode) -> dict[str, Any]:
    require_admin(actor, "redrive dead letters")
    return _dead_letters(services).redrive(services.config.customer(customer).customer_code).public()
