"""The delivery records in memory, for the workflow's tests: the same rules as the DynamoDB rows, in a dict.

:meth:`InMemoryDeliveryRecords.sent` stands for what the ledger writes when SES accepts an email; :meth:`record`
for an SES event, ranked exactly as :class:`ccm.storage.delivery_records.DynamoDeliveryRecords` ranks it.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

from ccm.domain.deliveries import DeliveryStatus, replaces
from ccm.storage.delivery_records import DailyCounts, DeliveryRow, Recorded, SesEvent, counter_name, day_of
from ccm.storage.ledger import DeliveryKey


class InMemoryDeliveryRecords:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str, int, str], DeliveryRow] = {}
        self._messages: dict[str, tuple[str, str, str, int, str]] = {}
        self._sends_seen: set[str] = set()
        self._days: dict[tuple[str, str], dict[str, int]] = {}
        self._lock = threading.Lock()

    def sent(self, key: DeliveryKey, recipient: str, message_id: str, at: float) -> None:
        row_key = (key.object_id, key.customer_code, key.event, key.version, recipient.strip().lower())
        with self._lock:
            self._rows[row_key] = DeliveryRow(
                key.customer_code,
                key.event,
                key.version,
                recipient,
                DeliveryStatus.SENT,
                status_at=at,
                sent_at=at,
                message_id=message_id,
            )
            self._messages[message_id] = row_key

    def record(self, event: SesEvent) -> Recorded:
        with self._lock:
            row_key = self._messages.get(event.message_id)
            if row_key is None:
                return Recorded.UNKNOWN
            row = self._rows[row_key]
            if event.status is None:
                if event.message_id in self._sends_seen:
                    return Recorded.UNCHANGED
                self._sends_seen.add(event.message_id)
            else:
                current = row.status if row.status not in (DeliveryStatus.SENT, DeliveryStatus.SENDING) else None
                if not replaces(event.status, current):
                    return Recorded.UNCHANGED
                self._rows[row_key] = replace(
                    row,
                    status=event.status,
                    status_at=event.at,
                    bounce_type=event.bounce_type,
                    bounce_subtype=event.bounce_subtype,
                    diagnostic=event.diagnostic,
                )
            day = self._days.setdefault((row.customer_code, day_of(event.at)), {})
            name = counter_name(event.status, event.bounce_type)
            day[name] = day.get(name, 0) + 1
            return Recorded.RECORDED

    def rows(self, object_id: str, customer: str | None = None) -> list[DeliveryRow]:
        with self._lock:
            found = [
                (key, row)
                for key, row in self._rows.items()
                if key[0] == object_id and (customer is None or key[1] == customer)
            ]
        return [row for _, row in sorted(found, key=lambda item: item[0][1:])]

    def daily(self, customer: str, first_day: date, last_day: date) -> list[DailyCounts]:
        first, last = first_day.isoformat(), last_day.isoformat()
        with self._lock:
            return [
                DailyCounts(code, day, dict(counts))
                for (code, day), counts in sorted(self._days.items())
                if code == customer and first <= day <= last
            ]

    def daily_all(self, first_day: date, last_day: date) -> list[DailyCounts]:
        first, last = first_day.isoformat(), last_day.isoformat()
        with self._lock:
            return [
                DailyCounts(code, day, dict(counts))
                for (code, day), counts in sorted(self._days.items(), key=lambda item: (item[0][1], item[0][0]))
                if first <= day <= last
            ]
