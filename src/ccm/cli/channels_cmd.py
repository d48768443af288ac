"""``ccm channels``: what was posted to a customer's Teams, Slack and webhook channels, and a test post."""

from __future__ import annotations

import typer

from ccm.channels.delivery import ChannelPoster, ChannelPostsPending
from ccm.channels.message import MessageBuilder
from ccm.channels.poster import RequestsTransport
from ccm.channels.secrets import ParameterSecrets
from ccm.cli.common import JsonOption, cli_errors, console, emit_json, fail, settings, table
from ccm.domain.times import utc_now
from ccm.storage.channel_log import DynamoChannelLog
from ccm.storage.ledger import DeliveryKey, DynamoLedger

app = typer.Typer(help="Customers' Microsoft Teams, Slack and webhook channels.", no_args_is_help=True)
CustomerOption = typer.Option(..., "--customer", "-c", help="The customer code.")


@app.command("log")
@cli_errors
def log(
    customer: str = CustomerOption,
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="At most this many attempts, newest first."),
    as_json: bool = JsonOption,
) -> None:
    """Every attempt to post to the customer's channels: when, which channel, the answer, how long it took."""
    current = settings()
    current.config.customer(customer)
    attempts = DynamoChannelLog(current.table).for_customer(customer, limit)
    if as_json:
        emit_json([attempt.as_document() for attempt in attempts])
        return
    if not attempts:
        console.print(f"no channel posts recorded for {customer}")
        return
    rows = [
        (
            f"{a.at:%Y-%m-%d %H:%M:%S}",
            a.channel,
            f"{a.object_id} v{a.version}",
            a.event,
            a.number,
            a.outcome,
            a.status if a.status is not None else "-",
            f"{a.latency_ms} ms" if a.latency_ms is not None else "",
            a.error or "",
        )
        for a in attempts
    ]
    columns = ("At (UTC)", "Channel", "Object", "Event", "Try", "Outcome", "Status", "Latency", "Error")
    console.print(table(f"Channel posts of {customer}", columns, rows))


@app.command("test")
@cli_errors
def test(
    customer: str = CustomerOption,
    channel: str = typer.Option(..., "--channel", help="The channel's name in config.json."),
    as_json: bool = JsonOption,
) -> None:
    """Post a test event to one channel (no change behind it) and say how it went."""
    current = settings()
    mapping = current.config.customer(customer)
    if mapping.channel(channel) is None:
        names = ", ".join(c.name for c in mapping.channels) or "none"
        raise fail(f"{customer} has no channel named {channel!r} (its channels: {names})")
    now = utc_now()
    message = MessageBuilder(current.config).test(customer, channel, now)
    log = DynamoChannelLog(current.table)
    poster = ChannelPoster(
        DynamoLedger(current.table),
        log,
        ParameterSecrets(),
        RequestsTransport(),
        allow_loopback_http=current.channels_loopback_http,
    )
    key = DeliveryKey(message.object_id, message.version, message.event, customer)
    try:
        report = poster.post_event(key, mapping, message, only=[channel])
        outcome = "sent" if report.sent else "failed"
    except ChannelPostsPending:
        outcome = "not delivered (the endpoint asked to retry later)"
    attempts = [a for a in log.for_customer(customer, 20) if a.object_id == message.object_id]
    if as_json:
        emit_json({"outcome": outcome, "attempts": [a.as_document() for a in reversed(attempts)]})
    else:
        for attempt in reversed(attempts):
            answer = f"HTTP {attempt.status}" if attempt.status is not None else "no answer"
            console.print(f"try {attempt.number}: {answer} in {attempt.latency_ms} ms {attempt.error or ''}".rstrip())
        console.print(f"test post to {channel} of {customer}: {outcome}")
    if outcome != "sent":
        raise typer.Exit(1)
