"""What a meeting says: the event body (HTML, escaped), the invitation's description, and the invitation email.

All of it comes from the jinja2 templates under ``ccm/templates`` (``meeting_body.*``, ``email_meeting_invite.*``)
over the same view of the object the notification emails use, so a meeting carries the change's essentials:
title, window in the object's own timezone and in UTC, reason, plan, impact, rollback, tickets, customers.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from ccm.config import AppConfig, SesConfig
from ccm.domain.objects import AnyObject, Change
from ccm.domain.status import Status
from ccm.mail.decisions import EmailEvent, Notice
from ccm.mail.mime import RenderedEmail
from ccm.mail.render import SES_UNSUBSCRIBE_PLACEHOLDER, environment
from ccm.mail.views import EmailView, ViewBuilder, Window, event_subject, format_window
from ccm.meetings.ics import Invite, Method, render_ics

INVITE_EVENTS: dict[Method, str] = {"REQUEST": "meeting_request", "CANCEL": "meeting_cancel", "PUBLISH": "meeting_copy"}
"""The ledger's event name of each kind of invitation email: each is delivered once per object version."""


def _tidy(text: str) -> str:
    lines = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines).strip() + "\n"


class MeetingContent:
    def __init__(self, config: AppConfig, ses_config: SesConfig | None = None) -> None:
        self.views = ViewBuilder(config)
        self.ses_config = ses_config

    def _view(self, obj: AnyObject, topic: str, customer_code: str | None, now: datetime) -> EmailView:
        """The view for ``customer_code``'s recipients, or, without one, what every customer's calendar shares."""
        event = EmailEvent.CANCELLED if obj.status is Status.CANCELLED else EmailEvent.APPROVED
        code = customer_code or (obj.customers[0] if obj.customers else "")
        return self.views.build(obj, Notice(event, topic), code, now, shown_customer=customer_code is not None)

    @staticmethod
    def heading(view: EmailView) -> str:
        if view.kind == "change":
            return "🔄 Change Implementation Meeting"
        return f"📢 {view.category} Event"

    def _body(
        self,
        obj: AnyObject,
        start: datetime,
        end: datetime,
        zone: str,
        now: datetime,
        extension: str,
        customer_code: str | None = None,
    ) -> str:
        view = self._view(obj, "", customer_code, now)
        context = {"view": view, "heading": self.heading(view), "when": format_window(start, end, zone)}
        return environment().get_template(f"meeting_body.{extension}").render(context)

    def body_html(self, obj: AnyObject, start: datetime, end: datetime, zone: str, now: datetime) -> str:
        """The calendar event's body."""
        return self._body(obj, start, end, zone, now, "html")

    def description(
        self, obj: AnyObject, start: datetime, end: datetime, zone: str, now: datetime, customer_code: str | None = None
    ) -> str:
        """The invitation's plain-text DESCRIPTION: for one customer's invitees when ``customer_code`` is given
        (naming that customer among many), else the one every calendar shares."""
        return _tidy(self._body(obj, start, end, zone, now, "txt", customer_code))

    def invitation_email(
        self,
        obj: AnyObject,
        invite: Invite,
        method: Method,
        customer_code: str,
        topic: str,
        now: datetime,
        *,
        rescheduled: bool = False,
    ) -> RenderedEmail:
        """An email carrying the invitation (``text/calendar`` part and ``.ics`` attachment) for one customer.

        An update is "Rescheduled:" when it moved the meeting in time, "Updated:" otherwise (a new title, place or
        invitees)."""
        view = self._view(obj, topic, customer_code, now)
        cancelled = method == "CANCEL"
        what = "change" if isinstance(obj, Change) else "announcement"
        if cancelled:
            subject = event_subject("Cancelled", invite.subject)
            intro = (
                f"The meeting of this {what} is cancelled. Open the attached update to remove it from your calendar."
            )
            box_title, box_colour = "Meeting cancelled", "#f8d7da"
        else:
            words = "Invitation" if invite.sequence == 0 else "Rescheduled" if rescheduled else "Updated"
            subject = event_subject(words, invite.subject)
            intro = f"You are invited to the meeting of this {what} for {view.customer.name}."
            box_title, box_colour = "📅 Meeting", "#e7f1ff"
        view = replace(view, subject=subject, header=invite.subject, intro=intro)
        label = self.ses_config.topic(topic) if self.ses_config else None
        when: Window | None = format_window(invite.start, invite.end, invite.timezone)
        context = {
            "view": view,
            "topic_label": label.display_name if label else topic,
            "unsubscribe_url": SES_UNSUBSCRIBE_PLACEHOLDER,
            "box_title": box_title,
            "box_colour": box_colour,
            "meeting_subject": invite.subject,
            "when": when,
            "join_url": None if cancelled else invite.join_url,
            "instruction": (
                "Your calendar removes the meeting when you open the attached update."
                if cancelled
                else "Open the attached invitation (invite.ics) to add the meeting to your calendar."
            ),
        }
        env = environment()
        html = env.get_template("email_meeting_invite.html").render(context)
        text = _tidy(env.get_template("email_meeting_invite.txt").render(context))
        ics = render_ics(invite, method, now)
        return RenderedEmail(
            subject=view.subject,
            text=text,
            html=html,
            headers=(
                ("X-CCM-Object-Id", obj.id),
                ("X-CCM-Event", INVITE_EVENTS[method]),
                ("X-CCM-Customer", customer_code),
            ),
        ).with_calendar(ics, method=method, filename="invite.ics")
