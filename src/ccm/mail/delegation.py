"""The emails that tell an approver and their delegate that a delegation was set: internal mail, no topic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from ccm.config import AppConfig
from ccm.domain.delegation import Delegation, utc_day
from ccm.mail.mime import RenderedEmail
from ccm.mail.render import environment, tidy_text
from ccm.mail.views import Moment, clean_subject

Role = Literal["approver", "delegate"]
COLOUR = "#0b5cad"


@dataclass(frozen=True)
class DelegationView:
    subject: str
    header: str
    intro: str
    colour: str
    category: str | None
    role: Role
    approver: str
    delegate: str
    period: str
    started: bool
    groups: list[str]
    away_url: str
    approvals_url: str
    sent_at: Moment


def _day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def delegation_view(config: AppConfig, delegation: Delegation, role: Role, now: datetime) -> DelegationView:
    period = f"{_day(delegation.starts)} to {_day(delegation.ends)} (UTC days, inclusive)"
    started = delegation.starts <= utc_day(now)
    when = "from today" if started else f"from {_day(delegation.starts)}"
    if role == "approver":
        intro = f"{delegation.delegate} decides approvals in your place {when} until {_day(delegation.ends)}."
    else:
        intro = (
            f"{delegation.approver} named you to decide approvals in their place {when} until "
            f"{_day(delegation.ends)}. Your decisions are recorded as yours, on behalf of {delegation.approver}."
        )
    portal = config.email_config.portal_base_url
    return DelegationView(
        subject=clean_subject(
            f"Delegation: {delegation.delegate} decides for {delegation.approver}, "
            f"{_day(delegation.starts)} to {_day(delegation.ends)}"
        ),
        header="Delegation of approvals",
        intro=intro,
        colour=COLOUR,
        category=None,
        role=role,
        approver=delegation.approver,
        delegate=delegation.delegate,
        period=period,
        started=started,
        groups=list(delegation.approver_groups),
        away_url=f"{portal}/approvals.html#away",
        approvals_url=f"{portal}/approvals.html",
        sent_at=Moment.of(now, "UTC"),
    )


def render_delegation_notice(config: AppConfig, delegation: Delegation, role: Role, now: datetime) -> RenderedEmail:
    view = delegation_view(config, delegation, role, now)
    env = environment()
    context = {"view": view}
    return RenderedEmail(
        subject=view.subject,
        text=tidy_text(env.get_template("email_delegation_notice.txt").render(context)),
        html=env.get_template("email_delegation_notice.html").render(context),
        headers=(("X-CCM-Object-Id", delegation.notice_id), ("X-CCM-Event", f"delegation_{role}")),
    )
