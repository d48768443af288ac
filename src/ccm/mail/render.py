"""Render the notification emails from the jinja2 templates under ``ccm/templates``.

HTML templates are autoescaped (every value from a user arrives as text, never as markup); the plain-text part
is not, because escaping would corrupt it. ``{{amazonSESUnsubscribeUrl}}`` is left for SES to fill in with the
recipient's own one-click unsubscribe link (it does so when the message is sent with list-management options).
Every other ``{{`` of a rendered template is broken up (:mod:`ccm.mail.placeholders`), so that no text from a
user can become an SES placeholder: the templates' own placeholder goes through rendering as a random marker that
nobody can type, and is put back last.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup, escape

from ccm.config import AppConfig, SesConfig
from ccm.domain.feedback import FeedbackKeys
from ccm.domain.objects import AnyObject
from ccm.mail.decisions import EmailEvent, Notice
from ccm.mail.feedback_links import FeedbackSigner, asks_for_feedback, rating_links
from ccm.mail.mime import RenderedEmail
from ccm.mail.placeholders import SES_UNSUBSCRIBE_PLACEHOLDER, SesPlaceholder, inert_html, inert_text
from ccm.mail.views import NO_EXTRAS, EmailView, Extras, ViewBuilder

__all__ = ["SES_UNSUBSCRIBE_PLACEHOLDER", "EmailRenderer", "environment", "nl2br", "tidy_text"]

_PLACEHOLDER_MARK = f"ccm-ses-placeholder-{secrets.token_hex(16)}"


def nl2br(value: str) -> Markup:
    """Escape user text, then keep its line breaks."""
    lines = value.strip().replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markup("<br>\n").join(escape(line) for line in lines)


def _autoescape(name: str | None) -> bool:
    return not (name or "").endswith(".txt")


def _mark_placeholders(value: Any) -> Any:
    """Every value a template outputs passes here: only our own placeholder becomes the marker."""
    return _PLACEHOLDER_MARK if isinstance(value, SesPlaceholder) else value


class _SesSafeTemplate(Template):
    """Renders with every ``{{`` broken up but the templates' own SES placeholder."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        rendered = super().render(*args, **kwargs)
        inert = inert_html(rendered) if _autoescape(self.name) else inert_text(rendered)
        return inert.replace(_PLACEHOLDER_MARK, SES_UNSUBSCRIBE_PLACEHOLDER)


EMAIL_TEMPLATE_PREFIXES = ("email_", "meeting_")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ccm", "templates"),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_mark_placeholders,
    )
    env.template_class = _SesSafeTemplate
    env.filters["nl2br"] = nl2br
    return env


@lru_cache(maxsize=1)
def compile_email_templates() -> Environment:
    """The environment with every email and meeting template compiled (and cached) now, in the calling thread.

    jinja2 would compile each on first use, in whichever thread uses it first: several senders at once (the CLI's
    fleet threads) would each import and compile the same templates in parallel.
    """
    env = environment()
    for name in env.list_templates(filter_func=lambda name: name.startswith(EMAIL_TEMPLATE_PREFIXES)):
        env.get_template(name)
    return env


SHARED_TEMPLATES: dict[EmailEvent, str] = {EmailEvent.RESCHEDULED: "updated"}
"""Events laid out by another event's templates (a rescheduling is an update whose table shows the window)."""
KIND_NEUTRAL = frozenset({EmailEvent.OVERDUE})
"""Events with one template for every kind."""


def template_name(view: EmailView, extension: str) -> str:
    name = SHARED_TEMPLATES.get(view.event, view.event.value)
    if view.event in KIND_NEUTRAL:
        return f"email_{name}.{extension}"
    return f"email_{view.kind}_{name}.{extension}"


RENDER_CACHE_SIZE = 64


def render_key(obj: AnyObject, notice: Notice, customer_code: str, extras: Extras = NO_EXTRAS) -> Hashable:
    """What an email's content depends on: the object version, the notice (its event, topic and whatever else a
    notice carries), the customer and the extras (what changed since the version it was told of, which reminder).
    Never the recipient: each recipient's own link is SES's substitution."""
    return (obj.kind, obj.id, obj.version, notice, customer_code, extras)


class EmailRenderer:
    """Renders each (object version, notice, customer) once: every recipient, and every redelivery of the same
    trigger to this execution environment, gets the same email (the first rendering's, its time included)."""

    def __init__(
        self,
        config: AppConfig,
        ses_config: SesConfig,
        cache_size: int = RENDER_CACHE_SIZE,
        feedback_keys: Callable[[], FeedbackKeys] | None = None,
    ) -> None:
        """``feedback_keys``: what signs the rating links of completion emails; without it they carry none."""
        self.config = config
        self.views = ViewBuilder(config)
        self.ses_config = ses_config
        self.feedback_keys = feedback_keys
        self.cache_size = cache_size
        self._cache: OrderedDict[Hashable, RenderedEmail] = OrderedDict()
        self._lock = threading.Lock()
        compile_email_templates()

    def view(
        self, obj: AnyObject, notice: Notice, customer_code: str, now: datetime, extras: Extras = NO_EXTRAS
    ) -> EmailView:
        return self.views.build(obj, notice, customer_code, now, extras)

    def render(
        self, obj: AnyObject, notice: Notice, customer_code: str, now: datetime, extras: Extras = NO_EXTRAS
    ) -> RenderedEmail:
        """The email for one customer: the same for each of its recipients (rendered once, sent to many)."""
        key = render_key(obj, notice, customer_code, extras)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        email = self._render(obj, notice, customer_code, now, extras)
        with self._lock:
            email = self._cache.setdefault(key, email)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return email

    def _render(
        self, obj: AnyObject, notice: Notice, customer_code: str, now: datetime, extras: Extras
    ) -> RenderedEmail:
        view = self.view(obj, notice, customer_code, now, extras)
        topic = self.ses_config.topic(notice.topic)
        signer = None
        if self.feedback_keys is not None and asks_for_feedback(self.config, obj, view.event):
            signer = FeedbackSigner(
                obj.id,
                obj.version,
                customer_code,
                self.feedback_keys(),
                with_address=self.config.feedback.store_recipient,
            )
        context = {
            "view": view,
            "topic_label": topic.display_name if topic else notice.topic,
            "unsubscribe_url": SES_UNSUBSCRIBE_PLACEHOLDER,
            "rating_links": rating_links(self.config.email_config.portal_base_url) if signer else [],
        }
        env = environment()
        html = env.get_template(template_name(view, "html")).render(context)
        text = env.get_template(template_name(view, "txt")).render(context)
        email = RenderedEmail(
            subject=view.subject,
            text=tidy_text(text),
            html=html,
            headers=(
                ("X-CCM-Object-Id", view.object_id),
                ("X-CCM-Event", view.event.value),
                ("X-CCM-Customer", customer_code),
            ),
        )
        return replace(email, feedback=signer) if signer else email


def tidy_text(text: str) -> str:
    """Collapse the blank lines left by optional template blocks: at most one empty line in a row."""
    lines = [line.rstrip() for line in text.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip() + "\n"
