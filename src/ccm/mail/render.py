"""Render the notification emails from the jinja2 templates under ``ccm/templates``.

HTML templates are autoescaped (every value from a user arrives as text, never as markup); the plain-text part
is not, because escaping would corrupt it. ``{{amazonSESUnsubscribeUrl}}`` is left for SES to fill in with the
recipient's own one-click unsubscribe link (it does so when the message is sent with list-management options).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from ccm.config import AppConfig, SesConfig
from ccm.domain.objects import AnyObject
from ccm.mail.decisions import Notice
from ccm.mail.mime import RenderedEmail
from ccm.mail.views import EmailView, ViewBuilder

SES_UNSUBSCRIBE_PLACEHOLDER = "{{amazonSESUnsubscribeUrl}}"


def nl2br(value: str) -> Markup:
    """Escape user text, then keep its line breaks."""
    lines = value.strip().replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markup("<br>\n").join(escape(line) for line in lines)


def _autoescape(name: str | None) -> bool:
    return not (name or "").endswith(".txt")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ccm", "templates"),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["nl2br"] = nl2br
    return env


def template_name(view: EmailView, extension: str) -> str:
    return f"email_{view.kind}_{view.event.value}.{extension}"


class EmailRenderer:
    def __init__(self, config: AppConfig, ses_config: SesConfig) -> None:
        self.views = ViewBuilder(config)
        self.ses_config = ses_config

    def view(self, obj: AnyObject, notice: Notice, customer_code: str, now: datetime) -> EmailView:
        return self.views.build(obj, notice, customer_code, now)

    def render(self, obj: AnyObject, notice: Notice, customer_code: str, now: datetime) -> RenderedEmail:
        view = self.view(obj, notice, customer_code, now)
        topic = self.ses_config.topic(notice.topic)
        context = {
            "view": view,
            "topic_label": topic.display_name if topic else notice.topic,
            "unsubscribe_url": SES_UNSUBSCRIBE_PLACEHOLDER,
        }
        env = environment()
        html = env.get_template(template_name(view, "html")).render(context)
        text = env.get_template(template_name(view, "txt")).render(context)
        return RenderedEmail(
            subject=view.subject,
            text=tidy_text(text),
            html=html,
            headers=(
                ("X-CCM-Object-Id", view.object_id),
                ("X-CCM-Event", view.event.value),
                ("X-CCM-Customer", customer_code),
            ),
        )


def tidy_text(text: str) -> str:
    """Collapse the blank lines left by optional template blocks: at most one empty line in a row."""
    lines = [line.rstrip() for line in text.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip() + "\n"
