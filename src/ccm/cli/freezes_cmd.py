"""``ccm calendar freezes``: the freeze windows of config.json expanded into their occurrences."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import typer

from ccm.cli.common import JsonOption, cli_errors, console, emit_json, fail, settings, table
from ccm.domain.freezes import occurrences

DEFAULT_DAYS = 90
FromOption = typer.Option(None, "--from", help="First day, YYYY-MM-DD (default today, UTC).")
ToOption = typer.Option(None, "--to", help=f"Last day included, YYYY-MM-DD (default {DEFAULT_DAYS} days on).")
CustomerOption = typer.Option(None, "--customer", "-c", help="Only the freezes that hold this customer.")


def _day(text: str | None, default: date, name: str) -> date:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{name} {text!r} is not a date (YYYY-MM-DD)") from None


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M %Z")


@cli_errors
def freezes(
    first: str | None = FromOption,
    last: str | None = ToOption,
    customer: str | None = CustomerOption,
    as_json: bool = JsonOption,
) -> None:
    """Print every occurrence of the freeze windows in a range of days, each in its own zone."""
    config = settings().config
    today = datetime.now(UTC).date()
    start_day = _day(first, today, "--from")
    end_day = _day(last, start_day + timedelta(days=DEFAULT_DAYS), "--to")
    if end_day < start_day:
        raise fail("--to must not be before --from")
    if customer is not None:
        config.customer(customer)
    start = datetime.combine(start_day, time(), tzinfo=UTC)
    end = datetime.combine(end_day + timedelta(days=1), time(), tzinfo=UTC)
    found = occurrences(config.change_calendar.freeze_windows, start, end, [customer] if customer is not None else None)
    if as_json:
        emit_json([occurrence.public() for occurrence in found])
        return
    rows = [
        (
            occurrence.name,
            ", ".join(occurrence.customers),
            _local(occurrence.start, occurrence.timezone),
            _local(occurrence.end, occurrence.timezone),
            occurrence.timezone,
            "recurring" if occurrence.recurring else "one-off",
        )
        for occurrence in found
    ]
    title = f"Freeze windows {start_day} to {end_day}" + (f" for {customer}" if customer else "")
    console.print(table(title, ["name", "customers", "start", "end", "zone", "kind"], rows))
    if not found:
        console.print("no freeze window in this range")
