"""Teams meetings through Microsoft Graph: events with an online meeting in the organizer's calendar.

Idempotency does not rest on ``iCalUId``: Graph generates that id itself and documents it read-only, so it cannot
carry ccm's key into a new event. Instead every event ccm creates carries

* a single-value extended property holding the meeting key (``<object id>#<generation>``), which Graph can filter
  on: :meth:`GraphMeetings.find` finds a meeting that was created but, because of a crash, never recorded;
* a ``transactionId`` derived from the same key, which lets Exchange drop the duplicate of a create that is sent
  again after a network timeout.

Every call honours 429 and 503 (and 502/504) with ``Retry-After`` (seconds or an HTTP date) or exponential
backoff, retries connection failures, and every list follows ``@odata.nextLink`` to the end.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests

from ccm.meetings.port import MeetingError, MeetingGone, MeetingRequest, OnlineMeeting

logger = logging.getLogger(__name__)

KEY_PROPERTY_ID = "String {5f3b7c0e-2a4d-4e61-9c8a-6d2b1e0f4a93} Name ccmMeetingKey"
"""The extended property (a GUID-named MAPI string property of ccm's own) that holds the meeting key."""
TRANSACTION_NAMESPACE = uuid.UUID("0c5e2f7a-93d1-4b8e-a6f4-1d7c9b2e5a30")
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_ATTEMPTS = 6
MAX_RETRY_AFTER_SECONDS = 120.0
"""A longer wait is left to the queue: the message is retried later instead of sleeping through the Lambda."""
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0
TIMEOUT_SECONDS = 30.0
MAX_PAGES = 200
FIND_SELECT = "id,iCalUId,subject,start,end,onlineMeeting,isCancelled,organizer,createdDateTime,body"
_JOIN_LINK = re.compile(r"https://teams\.(?:microsoft|live)\.com/(?:l/meetup-join|meet)/[^\s\"'<>]+")


def wall_clock(value: datetime, zone_name: str) -> dict[str, str]:
    """Graph's ``dateTimeTimeZone``: the wall-clock time in the named zone."""
    local = value.astimezone(ZoneInfo(zone_name))
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": zone_name}


def event_payload(request: MeetingRequest) -> dict[str, Any]:
    """The event's content: what both a create and an update send."""
    payload: dict[str, Any] = {
        "subject": request.subject,
        "body": {"contentType": "HTML", "content": request.body_html},
        "start": wall_clock(request.start, request.timezone),
        "end": wall_clock(request.end, request.timezone),
        "attendees": [
            {"emailAddress": {"address": address, "name": address}, "type": "required"} for address in request.attendees
        ],
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        "hideAttendees": request.hide_attendees,
        "allowNewTimeProposals": False,
        "isReminderOn": True,
        "reminderMinutesBeforeStart": 15,
    }
    if request.location:
        payload["location"] = {"displayName": request.location}
    return payload


def transaction_id(key: str) -> str:
    return str(uuid.uuid5(TRANSACTION_NAMESPACE, key))


def odata_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def backoff(attempt: int) -> float:
    return float(min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)))


def retry_delay(response: requests.Response, attempt: int, now: Callable[[], datetime] | None = None) -> float:
    """How long Graph asked us to wait (``Retry-After`` in seconds or as an HTTP date), else exponential backoff."""
    header = (response.headers.get("Retry-After") or "").strip()
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            current = now() if now else datetime.now(UTC)
            return max(0.0, (when - current).total_seconds())
    return backoff(attempt)


def join_url(event: Mapping[str, Any]) -> str:
    online = event.get("onlineMeeting") or {}
    if isinstance(online, dict) and online.get("joinUrl"):
        return str(online["joinUrl"])
    body = event.get("body") or {}
    found = _JOIN_LINK.search(str(body.get("content", ""))) if isinstance(body, dict) else None
    return found.group(0) if found else ""


def _describe(response: requests.Response) -> str:
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    if isinstance(error, dict) and error:
        return f"{error.get('code', 'error')}: {error.get('message', '')}".strip()
    return response.text[:200] or response.reason


class GraphMeetings:
    """:class:`ccm.meetings.port.MeetingService` on Graph ``/users/{organizer}/events``."""

    def __init__(
        self,
        organizer: str,
        token: Callable[[], str],
        session: requests.Session,
        base_url: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.organizer = organizer
        self.token = token
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.timeout = timeout

    def _url(self, meeting_id: str | None = None, action: str | None = None) -> str:
        url = f"{self.base_url}/users/{quote(self.organizer, safe='@')}/events"
        if meeting_id is not None:
            url += "/" + quote(meeting_id, safe="")
        if action is not None:
            url += "/" + action
        return url

    def find(self, key: str) -> OnlineMeeting | None:
        wanted = (
            f"singleValueExtendedProperties/Any(ep: ep/id eq {odata_string(KEY_PROPERTY_ID)} "
            f"and ep/value eq {odata_string(key)})"
        )
        events = [
            event
            for event in self._pages(self._url(), {"$filter": wanted, "$select": FIND_SELECT, "$top": "50"})
            if not event.get("isCancelled")
        ]
        if not events:
            return None
        if len(events) > 1:
            logger.warning("%d live meetings carry key %s; using the oldest", len(events), key)
        oldest = min(events, key=lambda event: str(event.get("createdDateTime", "")))
        return self._meeting(oldest)

    def create(self, request: MeetingRequest) -> OnlineMeeting:
        payload = event_payload(request)
        payload["transactionId"] = transaction_id(request.key)
        payload["singleValueExtendedProperties"] = [{"id": KEY_PROPERTY_ID, "value": request.key}]
        response = self._call("POST", self._url(), json=payload, expected=(200, 201))
        return self._meeting(response.json())

    def update(self, meeting_id: str, request: MeetingRequest) -> OnlineMeeting:
        response = self._call("PATCH", self._url(meeting_id), json=event_payload(request), expected=(200,))
        return self._meeting(response.json())

    def cancel(self, meeting_id: str, comment: str) -> bool:
        try:
            self._call("POST", self._url(meeting_id, "cancel"), json={"comment": comment}, expected=(200, 202, 204))
        except MeetingGone:
            return False
        return True

    def _meeting(self, event: Mapping[str, Any]) -> OnlineMeeting:
        organizer = ((event.get("organizer") or {}).get("emailAddress") or {}).get("address") or self.organizer
        return OnlineMeeting(
            meeting_id=str(event["id"]),
            ical_uid=str(event.get("iCalUId") or ""),
            join_url=join_url(event),
            organizer=str(organizer),
        )

    def _pages(self, url: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        next_url: str | None = url
        query: dict[str, str] | None = params
        for _ in range(MAX_PAGES):
            if next_url is None:
                return
            document = self._call("GET", next_url, params=query, expected=(200,)).json()
            yield from document.get("value", [])
            # The next link carries the whole query (filter and skip token) itself.
            next_url, query = document.get("@odata.nextLink"), None
        raise MeetingError(f"Graph listing {url} did not end after {MAX_PAGES} pages")

    def _call(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
        expected: tuple[int, ...],
    ) -> requests.Response:
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            headers = {
                "Authorization": f"Bearer {self.token()}",
                "Accept": "application/json",
                # Ids that survive the event moving between folders: they are stored in the archive.
                "Prefer": 'IdType="ImmutableId"',
            }
            try:
                response = self.session.request(
                    method, url, params=params, json=json, headers=headers, timeout=self.timeout
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                if last:
                    raise MeetingError(f"Graph {method} {url} failed: {error}") from None
                self.sleep(backoff(attempt))
                continue
            status = response.status_code
            if status in expected:
                return response
            if status in RETRY_STATUSES and not last:
                delay = retry_delay(response, attempt)
                if delay > MAX_RETRY_AFTER_SECONDS:
                    raise MeetingError(f"Graph asks to wait {delay:.0f} s before {method} {url}", status=status)
                logger.info("Graph answered %d to %s; retrying in %.1f s", status, method, delay)
                self.sleep(delay)
                continue
            message = f"Graph {method} {url} answered {status}: {_describe(response)}"
            if status == 404:
                raise MeetingGone(message, status=status, retryable=False)
            raise MeetingError(message, status=status, retryable=status in RETRY_STATUSES or status >= 500)
        raise AssertionError("unreachable: the last attempt returns or raises")
