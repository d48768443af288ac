"""What changed between two versions of an object, as rows a reader can compare: old -> new.

The aspects and who relies on them are the domain's (:mod:`ccm.domain.what_changed`); this formats their values
the way the emails show them everywhere else: windows in the object's own zone and in UTC, customers by name,
long texts cut. The update emails, the approval request after an edit and the portal's approvals page show these
same rows. Nothing here depends on who reads it, so one rendering serves every recipient of a customer.
"""

from __future__ import annotations

from datetime import datetime

from ccm.config import AppConfig
from ccm.domain.meeting_length import meeting_length
from ccm.domain.objects import Announcement, AnyObject, Attachment, Change
from ccm.domain.times import DEFAULT_TIMEZONE, is_timezone
from ccm.domain.what_changed import Aspect, AspectKey, Audience, changed_aspects
from ccm.mail.views import ChangeRow, format_window

TEXT_LIMIT = 1000
"""Characters of a long text shown in a row; the whole text is in the email's details and in the portal."""
NOT_SET = "(none)"


def _cut(text: str) -> str:
    text = text.strip()
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1].rstrip() + "…"


def _zone(obj: AnyObject) -> str:
    if isinstance(obj, Change):
        return obj.timezone
    zone_name = obj.meeting_timezone
    return zone_name if zone_name and is_timezone(zone_name) else DEFAULT_TIMEZONE


def _span(start: datetime | None, end: datetime | None, zone_name: str) -> tuple[str, ...]:
    window = format_window(start, end, zone_name)
    if window is None:
        return (NOT_SET,)
    if zone_name == "UTC":
        return (f"{window.utc} (UTC)",)
    return (f"{window.local} ({zone_name})", window.utc)


class ChangeRows:
    """Rows for the aspects that changed, with customers shown by their names from config.json."""

    def __init__(self, config: AppConfig) -> None:
        self.config = config

    def rows(self, before: AnyObject, after: AnyObject, audience: Audience) -> list[ChangeRow]:
        return [self.row(aspect, before, after) for aspect in changed_aspects(before, after, audience)]

    def row(self, aspect: Aspect, before: AnyObject, after: AnyObject) -> ChangeRow:
        return ChangeRow(aspect.key.value, aspect.label, self.show(aspect.key, before), self.show(aspect.key, after))

    def _customer(self, code: str) -> str:
        mapping = self.config.customer_mappings.get(code)
        return f"{mapping.customer_name} ({code})" if mapping else code

    def show(self, key: AspectKey, obj: AnyObject) -> tuple[str, ...]:
        """How one version shows one aspect: a few lines of text."""
        if key is AspectKey.TITLE:
            return (obj.title,)
        if key is AspectKey.CUSTOMERS:
            return tuple(self._customer(code) for code in obj.customers) or (NOT_SET,)
        if key is AspectKey.MEETING:
            return self._meeting(obj)
        if key is AspectKey.ATTENDEES:
            return (_cut(obj.attendees or "") or NOT_SET,)
        if isinstance(obj, Change):
            return self._change(key, obj)
        assert isinstance(obj, Announcement)
        return self._announcement(key, obj)

    @staticmethod
    def _change(key: AspectKey, change: Change) -> tuple[str, ...]:
        if key is AspectKey.WINDOW:
            return _span(change.implementation_start, change.implementation_end, change.timezone)
        texts = {
            AspectKey.REASON: change.change_reason,
            AspectKey.CUSTOMER_IMPACT: change.customer_impact,
            AspectKey.IMPLEMENTATION_PLAN: change.implementation_plan,
            AspectKey.TEST_PLAN: change.test_plan,
            AspectKey.ROLLBACK_PLAN: change.rollback_plan,
            AspectKey.CHANGE_TYPE: change.change_type.value,
            AspectKey.RISK: change.risk.value,
            AspectKey.EMERGENCY_JUSTIFICATION: change.emergency_justification,
        }
        return (_cut(texts.get(key, "")) or NOT_SET,)

    @staticmethod
    def _announcement(key: AspectKey, announcement: Announcement) -> tuple[str, ...]:
        if key is AspectKey.ATTACHMENTS:
            names = [item.name if isinstance(item, Attachment) else item.strip() for item in announcement.attachments]
            return tuple(name for name in names if name) or (NOT_SET,)
        texts = {AspectKey.SUMMARY: announcement.summary, AspectKey.CONTENT: announcement.content}
        return (_cut(texts.get(key, "")) or NOT_SET,)

    @staticmethod
    def _meeting(obj: AnyObject) -> tuple[str, ...]:
        if not obj.include_meeting:
            return ("No meeting",)
        zone_name = _zone(obj)
        if isinstance(obj, Change):
            title = obj.meeting_title or f"Change Implementation: {obj.title}"
            start = obj.meeting_time
            lines = [title]
            if start is None:
                lines.append("During the window")
            else:
                lines.extend(_span(start, start + meeting_length(obj.meeting_duration), zone_name))
        else:
            assert isinstance(obj, Announcement)
            title = obj.meeting_title or f"{obj.announcement_type.value.upper()} Event: {obj.title}"
            start = obj.meeting_date
            lines = [title]
            if start is None:
                lines.append("No time set")
            else:
                lines.extend(_span(start, start + meeting_length(obj.meeting_duration), zone_name))
        if (obj.meeting_location or "").strip():
            lines.append(f"Location: {(obj.meeting_location or '').strip()}")
        return tuple(lines)
