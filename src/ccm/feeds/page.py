"""A customer's feed as a small public page: what is planned, what happened in the last 30 days, and the link that
adds the calendar to the customer's own. Rendered with the autoescaped templates; styled by its own stylesheet
(``/feeds/feed.css``), as the page carries the portal's Content-Security-Policy and sits outside sign-in."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from ccm.workflow.feeds import CustomerFeed, FeedEntry

STYLESHEET_PATH = "/feeds/feed.css"


@cache
def _template() -> Template:
    environment = Environment(
        loader=PackageLoader("ccm", "templates"), autoescape=select_autoescape(["html"]), keep_trailing_newline=True
    )
    return environment.get_template("feed_page.html")


@cache
def stylesheet() -> str:
    return files("ccm").joinpath("templates", "feed_page.css").read_text(encoding="utf-8")


def _when(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%a %d %b %Y %H:%M %Z")


def _row(entry: FeedEntry) -> dict[str, object]:
    return {
        "id": entry.object_id,
        "title": entry.title,
        "status": entry.status_words,
        "cancelled": entry.cancelled,
        "start": _when(entry.start, entry.timezone),
        "end": _when(entry.end, entry.timezone),
        "start_iso": entry.start.isoformat(),
        "timezone": entry.timezone,
        "reason": entry.reason,
        "customer_impact": entry.customer_impact,
        "kind": entry.kind,
    }


def render_page(feed: CustomerFeed, ics_url: str, webcal_url: str) -> str:
    return _template().render(
        customer_name=feed.customer.customer_name,
        upcoming=[_row(entry) for entry in feed.upcoming()],
        recent=[_row(entry) for entry in reversed(feed.recent())],
        ics_url=ics_url,
        webcal_url=webcal_url,
        stylesheet_url=STYLESHEET_PATH,
        generated=feed.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
    )
