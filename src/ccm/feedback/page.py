"""The public rating page: the object's title and window, five ratings, an optional comment and Send.

Rendered with the autoescaped templates, so a title or a comment is always text; styled by its own stylesheet
(``/feedback/feedback.css``), as the page carries the portal's Content-Security-Policy and sits outside sign-in.
The same page without an object says the link is no longer valid, whatever was wrong with it.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from ccm.domain.feedback import MAX_COMMENT_CHARS, RATINGS
from ccm.domain.windows import Window
from ccm.web_assets import PAGE_CSP
from ccm.workflow.feedback import FeedbackPage

STYLESHEET_PATH = "/feedback/feedback.css"
SCRIPT_PATH = "/feedback/feedback.js"


@cache
def _template() -> Template:
    environment = Environment(
        loader=PackageLoader("ccm", "templates"), autoescape=select_autoescape(["html"]), keep_trailing_newline=True
    )
    return environment.get_template("feedback_page.html")


@cache
def stylesheet() -> str:
    return files("ccm").joinpath("templates", "feedback_page.css").read_text(encoding="utf-8")


@cache
def script() -> str:
    return files("ccm").joinpath("templates", "feedback_page.js").read_text(encoding="utf-8")


def _window(window: Window | None) -> dict[str, str] | None:
    if window is None:
        return None
    zone = ZoneInfo(window.timezone)
    return {
        "start": window.start.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z"),
        "end": window.end.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z"),
        "start_iso": window.start.isoformat(),
        "timezone": window.timezone,
    }


def render_page(
    page: FeedbackPage,
    action: str,
    rating: int | None,
    comment: str = "",
    *,
    saved: bool = False,
    problem: str | None = None,
) -> str:
    return _template().render(
        page=page,
        heading=f"How did this {page.kind} go for you?",
        window=_window(page.window),
        action=action,
        ratings=RATINGS,
        rating=rating,
        comment=comment,
        saved=saved,
        problem=problem,
        max_comment=MAX_COMMENT_CHARS,
        stylesheet_url=STYLESHEET_PATH,
        script_url=SCRIPT_PATH,
        csp=PAGE_CSP,
    )


def render_invalid() -> str:
    return _template().render(
        page=None, heading="This link is no longer valid", stylesheet_url=STYLESHEET_PATH, csp=PAGE_CSP
    )
