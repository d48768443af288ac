"""The account-level suppression list: addresses SES will not send to after bounces or complaints."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

PAGE_SIZE = 1000


class SuppressionReason(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class Suppressed:
    email: str
    reason: str
    since: datetime | None

    def as_document(self) -> dict[str, Any]:
        return {"email": self.email, "reason": self.reason, "since": self.since.isoformat() if self.since else None}


class SuppressionList:
    def __init__(self, ses: SESV2Client) -> None:
        self.ses = ses

    def add(self, email: str, reason: SuppressionReason) -> None:
        self.ses.put_suppressed_destination(
            EmailAddress=email, Reason="BOUNCE" if reason is SuppressionReason.BOUNCE else "COMPLAINT"
        )

    def get(self, email: str) -> Suppressed | None:
        try:
            raw = self.ses.get_suppressed_destination(EmailAddress=email)["SuppressedDestination"]
        except ClientError as error:
            if error_code(error) == "NotFoundException":
                return None
            raise
        return Suppressed(raw["EmailAddress"], raw["Reason"], raw.get("LastUpdateTime"))

    def remove(self, email: str) -> bool:
        try:
            self.ses.delete_suppressed_destination(EmailAddress=email)
        except ClientError as error:
            if error_code(error) == "NotFoundException":
                return False
            raise
        return True

    def entries(self) -> Iterator[Suppressed]:
        token: str | None = None
        while True:
            arguments: dict[str, Any] = {"PageSize": PAGE_SIZE}
            if token:
                arguments["NextToken"] = token
            response = self.ses.list_suppressed_destinations(**arguments)
            for raw in response.get("SuppressedDestinationSummaries", []):
                yield Suppressed(raw["EmailAddress"], raw["Reason"], raw.get("LastUpdateTime"))
            token = response.get("NextToken")
            if not token:
                return
