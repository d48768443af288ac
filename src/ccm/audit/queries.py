"""Questions auditors ask, in SQL that Amazon Athena (over the Glue table ``audit_events`` of the template) and
DuckDB (over the same files, in the tests and on a laptop) both run unchanged.

The partition columns ``year``, ``month`` and ``day`` are text (``'2030'``, ``'03'``); filtering on them lets
Athena read only those days' files.
"""

from __future__ import annotations

TABLE = "audit_events"

OUTCOMES_BY_CUSTOMER = """
SELECT t.affected AS customer, outcome, count(*) AS changes
FROM audit_events
CROSS JOIN UNNEST(customers) AS t (affected)
WHERE object_kind = 'change'
  AND event_type = 'completed'
  AND year = :year
  AND month BETWEEN :first_month AND :last_month
GROUP BY t.affected, outcome
ORDER BY t.affected, outcome
"""
"""How did each customer's changes end in a period (rolled back, failed...)?"""

DELIVERIES_BY_MONTH = """
SELECT month, count(*) AS deliveries
FROM audit_events
WHERE object_kind = 'change'
  AND event_type = 'processed'
  AND year = :year
  AND month BETWEEN :first_month AND :last_month
GROUP BY month
ORDER BY month
"""
"""How many customer deliveries (one per customer and notification) went out each month?"""

WHO_APPROVED = """
SELECT object_id, title, actor, on_behalf_of, time, comment
FROM audit_events
WHERE event_type = 'approved'
  AND contains(customers, :customer)
  AND year = :year
ORDER BY time
"""
"""Who approved the changes that touched one customer in a year, and when?"""


def with_values(sql: str, values: dict[str, str]) -> str:
    """The query with its ``:name`` placeholders as SQL string literals (Athena's console takes no parameters)."""
    text = sql
    for name in sorted(values, key=len, reverse=True):
        literal = "'" + values[name].replace("'", "''") + "'"
        text = text.replace(f":{name}", literal)
    return text.strip()
