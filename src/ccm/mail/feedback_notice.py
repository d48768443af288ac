"""The email that tells a requester a customer rated their change or announcement low: internal mail, no topic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ccm.config import AppConfig
from ccm.domain.feedback import Answer
from ccm.domain.objects import AnyObject
from ccm.mail.mime import RenderedEmail
from ccm.mail.render import environment, tidy_text
from ccm.mail.views import Moment, ViewBuilder, clean_subject

COLOUR = "#b45309"
EVENT = "feedback_low"


@dataclass(frozen=True)
class LowRatingView:
    subject: str
    header: str
    intro: str
    colour: str
    category: str | None
    object_id: str
    title: str
    customer: str
    rating: int
    comment: str
    view_url: str
    sent_at: Moment


def low_rating_view(
    config: AppConfig, obj: AnyObject, answer: Answer, customer_name: str, now: datetime
) -> LowRatingView:
    return LowRatingView(
        subject=clean_subject(f"Low rating: {answer.rating} of 5 from {customer_name} for {obj.title}"),
        header=f"Low rating: {obj.title}",
        intro=f"A recipient at {customer_name} rated your {obj.kind} {answer.rating} of 5.",
        colour=COLOUR,
        category=None,
        object_id=obj.id,
        title=obj.title,
        customer=customer_name,
        rating=answer.rating,
        comment=answer.comment,
        view_url=ViewBuilder(config).view_url(obj),
        sent_at=Moment.of(now, "UTC"),
    )


def render_low_rating(
    config: AppConfig, obj: AnyObject, answer: Answer, customer_name: str, now: datetime
) -> RenderedEmail:
    view = low_rating_view(config, obj, answer, customer_name, now)
    env = environment()
    context = {"view": view}
    return RenderedEmail(
        subject=view.subject,
        text=tidy_text(env.get_template("email_feedback_low.txt").render(context)),
        html=env.get_template("email_feedback_low.html").render(context),
        headers=(("X-CCM-Object-Id", obj.id), ("X-CCM-Event", EVENT)),
    )
