"""How objects, mutations and pages look on the wire."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from ccm.storage.archive import Stored
from ccm.storage.catalog import Page
from ccm.workflow import Mutation
from ccm.workflow.commands import ID_KEYS

NO_CACHE = "no-cache"


def object_response(stored: Stored) -> Response[Any]:
    return Response(
        status_code=200,
        content_type="application/json",
        body=stored.document,
        headers={"ETag": stored.etag, "Cache-Control": NO_CACHE},
    )


def not_modified(etag: str | None) -> Response[Any]:
    headers = {"Cache-Control": NO_CACHE}
    if etag:
        headers["ETag"] = etag
    return Response(status_code=304, content_type=None, body=None, headers=headers)


def mutation_response(outcome: Mutation) -> Response[Any]:
    """The object as stored now (with its new ETag) and one row per place written, as the portal shows them."""
    stored = outcome.stored
    obj = stored.obj
    rows: list[dict[str, Any]] = [
        {
            "customer": "Archive (Permanent Storage)",
            "success": True,
            "s3Key": stored.key,
        }
    ]
    for result in outcome.triggers:
        row: dict[str, Any] = {"customer": result.customer_name, "customerCode": result.customer_code}
        row.update({"success": True, "s3Key": result.key} if result.ok else {"success": False, "error": result.error})
        rows.append(row)
    failed = len(outcome.failed_triggers)
    body = {
        "success": failed == 0,
        "id": obj.id,
        ID_KEYS[obj.kind]: obj.id,
        "kind": obj.kind,
        "status": obj.status.value,
        "version": obj.version,
        "etag": stored.etag,
        "object": stored.document,
        "uploadResults": rows,
        "summary": {"total": len(rows), "successful": len(rows) - failed, "failed": failed},
    }
    return Response(
        status_code=201 if outcome.created else 200,
        content_type="application/json",
        body=body,
        headers={"ETag": stored.etag, "Cache-Control": NO_CACHE},
    )


def page_body(page: Page) -> dict[str, Any]:
    return {"items": [summary.public() for summary in page.items], "count": len(page.items), "cursor": page.cursor}
