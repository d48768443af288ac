"""ServiceNow's Table API for ``change_request``: find by number or by ccm's id, create, update.

Every answer of the Table API wraps its record(s) in ``result``; a list query is bounded with ``sysparm_limit`` (we
only ever want one record) and asks only for the fields used (``sysparm_fields``). Dates are sent as the API takes
them without display values: ``YYYY-MM-DD HH:MM:SS`` in UTC. ``correlation_id`` carries ccm's change id, so that a
create retried after a lost answer finds the record it made instead of making another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

from ccm.integrations.http import Answer, Http, Refused, require
from ccm.integrations_config import ServiceNowConfig

SYSTEM = "ServiceNow"
TABLE = "change_request"
FIELDS = "sys_id,number,state,short_description,correlation_id"
STATE_NAMES = {
    "-5": "New",
    "-4": "Assess",
    "-3": "Authorize",
    "-2": "Scheduled",
    "-1": "Implement",
    "0": "Review",
    "3": "Closed",
    "4": "Canceled",
}
"""The standard change model's states, to name a state the instance gave as its value."""


@dataclass(frozen=True)
class ChangeRequest:
    sys_id: str
    number: str
    state: str
    short_description: str = ""

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> ChangeRequest:
        return cls(
            sys_id=_text(result.get("sys_id")),
            number=_text(result.get("number")),
            state=_text(result.get("state")),
            short_description=_text(result.get("short_description")),
        )


def _text(value: Any) -> str:
    # With sysparm_display_value=all a field is {"value": ..., "display_value": ...}; we ask for plain values.
    if isinstance(value, dict):
        value = value.get("value")
    return "" if value is None else str(value)


def snow_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class Authorizer(Protocol):
    def header(self) -> str: ...


class ServiceNowClient:
    def __init__(self, config: ServiceNowConfig, auth: Authorizer, http: Http) -> None:
        self.config = config
        self.auth = auth
        self.http = http

    @property
    def table_url(self) -> str:
        return f"{self.config.instance_url}/api/now/table/{TABLE}"

    def record_url(self, sys_id: str) -> str:
        """The record in the instance's own UI (the portal's link)."""
        return f"{self.config.instance_url}/nav_to.do?uri={TABLE}.do?sys_id={quote(sys_id, safe='')}"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": self.auth.header(), "Accept": "application/json"}

    def _one(self, query: str) -> ChangeRequest | None:
        answer = require(
            SYSTEM,
            self.http.request(
                "GET",
                self.table_url,
                headers=self._headers(),
                params={"sysparm_query": query, "sysparm_fields": FIELDS, "sysparm_limit": "1"},
            ),
        )
        results = _results(answer)
        return ChangeRequest.from_result(results[0]) if results else None

    def find_number(self, number: str) -> ChangeRequest | None:
        # A ^ in a query value would start another condition: a number never contains one.
        return self._one(f"number={number.replace('^', '')}")

    def find_correlated(self, object_id: str) -> ChangeRequest | None:
        return self._one(f"correlation_id={object_id.replace('^', '')}")

    def get(self, sys_id: str) -> ChangeRequest | None:
        answer = self.http.request(
            "GET",
            f"{self.table_url}/{quote(sys_id, safe='')}",
            headers=self._headers(),
            params={"sysparm_fields": FIELDS},
        )
        if answer.status == 404:
            return None
        return ChangeRequest.from_result(_result(require(SYSTEM, answer)))

    def create(self, fields: Mapping[str, str]) -> ChangeRequest:
        answer = require(
            SYSTEM,
            self.http.request(
                "POST",
                self.table_url,
                headers={**self._headers(), "Content-Type": "application/json"},
                params={"sysparm_fields": FIELDS},
                body=dict(fields),
            ),
        )
        return ChangeRequest.from_result(_result(answer))

    def update(self, sys_id: str, fields: Mapping[str, str]) -> Answer:
        """The raw answer (the caller records it as a delivery attempt); not raised."""
        return self.http.request(
            "PATCH",
            f"{self.table_url}/{quote(sys_id, safe='')}",
            headers={**self._headers(), "Content-Type": "application/json"},
            params={"sysparm_fields": FIELDS},
            body=dict(fields),
        )


def _results(answer: Answer) -> list[Mapping[str, Any]]:
    document = answer.json()
    results = document.get("result") if isinstance(document, dict) else None
    if not isinstance(results, list):
        raise Refused(SYSTEM, answer, "the answer has no result list")
    return [item for item in results if isinstance(item, dict)]


def _result(answer: Answer) -> Mapping[str, Any]:
    document = answer.json()
    result = document.get("result") if isinstance(document, dict) else None
    if not isinstance(result, dict) or not result.get("sys_id"):
        raise Refused(SYSTEM, answer, "the answer has no record")
    return result
