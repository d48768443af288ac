"""What ccm writes into ServiceNow and Jira for a change: the created change request, and per transition the state,
the work note and the Jira comment (each linking back to the portal).

The state mapping is the instance's (config ``states``, the standard change model's values by default); a completed
change passes through Review and is then Closed with the close code of its outcome (``close_codes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ccm.domain.objects import Change
from ccm.domain.outcome import ChangeOutcome
from ccm.integrations.jira import Paragraph, adf_document
from ccm.integrations.servicenow import snow_time
from ccm.integrations_config import ServiceNowConfig

SHORT_DESCRIPTION_LENGTH = 160
"""``change_request.short_description`` is 160 characters on a default instance."""
CORRELATION_DISPLAY = "ccm"

EVENT_WORDS = {
    "submitted": "was submitted for approval",
    "approved": "was approved",
    "completed": "was completed",
    "cancelled": "was cancelled",
}


def _section(title: str, text: str) -> str:
    text = text.strip()
    return f"{title}:\n{text}" if text else ""


def change_request_fields(change: Change, config: ServiceNowConfig, portal_url: str) -> dict[str, str]:
    """The body of the normal change request created for ``change`` (POST to the Table API)."""
    description = "\n\n".join(
        part
        for part in (
            _section("Reason", change.change_reason),
            _section("Customer impact", change.customer_impact),
            f"Managed in ccm as {change.change_id}: {portal_url}",
        )
        if part
    )
    fields = {
        "type": "normal",
        "short_description": change.change_title[:SHORT_DESCRIPTION_LENGTH],
        "description": description,
        "implementation_plan": change.implementation_plan,
        "backout_plan": change.rollback_plan,
        "test_plan": change.test_plan,
        "justification": change.change_reason,
        "correlation_id": change.change_id,
        "correlation_display": CORRELATION_DISPLAY,
    }
    if change.implementation_start is not None:
        fields["start_date"] = snow_time(change.implementation_start)
    if change.implementation_end is not None:
        fields["end_date"] = snow_time(change.implementation_end)
    if config.assignment_group:
        fields["assignment_group"] = config.assignment_group
    return fields


def note_text(change: Change, event: str, portal_url: str) -> str:
    words = EVENT_WORDS.get(event, f"moved to {event}")
    lines = [f"ccm change {change.change_id} {words}: {change.change_title}"]
    if event == "completed" and change.outcome is not None:
        lines.append(f"Outcome: {change.outcome.words}" + (f" ({change.outcome_note})" if change.outcome_note else ""))
    lines.append(f"Details: {portal_url}")
    return "\n".join(lines)


@dataclass(frozen=True)
class SnowUpdate:
    """One PATCH of the change request, delivered (and claimed in the ledger) under its own ``target`` name."""

    target: str
    fields: dict[str, str]


def close_code(change: Change, config: ServiceNowConfig) -> str:
    outcome = change.outcome or ChangeOutcome.SUCCESSFUL
    return str(getattr(config.close_codes, outcome.value))


def snow_updates(change: Change, event: str, config: ServiceNowConfig, portal_url: str) -> list[SnowUpdate]:
    """The PATCHes that follow ``event`` on the change request: none for an event the config does not follow."""
    if event not in config.follow_events:
        return []
    note = note_text(change, event, portal_url)
    state = {"approved": config.states.approved, "cancelled": config.states.cancelled}.get(event)
    if event == "completed":
        closing = {
            "state": config.states.closed,
            "close_code": close_code(change, config),
            "close_notes": change.outcome_note or note,
        }
        return [
            SnowUpdate("servicenow", {"state": config.states.completed, "work_notes": note}),
            SnowUpdate("servicenow-close", closing),
        ]
    fields = {"work_notes": note}
    if state is not None:
        fields["state"] = state
    return [SnowUpdate("servicenow", fields)]


def jira_comment(change: Change, event: str, portal_url: str) -> dict[str, Any]:
    words = EVENT_WORDS.get(event, f"moved to {event}")
    paragraphs = [Paragraph(f"ccm change {change.change_id} {words}: {change.change_title}")]
    if event == "completed" and change.outcome is not None:
        paragraphs.append(Paragraph(f"Outcome: {change.outcome.words}"))
    paragraphs.append(Paragraph("Details: ", link_text=f"{change.change_id} in ccm", href=portal_url))
    return adf_document(paragraphs)
