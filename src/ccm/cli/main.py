"""The ``ccm`` command."""

from __future__ import annotations

import typer

from ccm import __version__
from ccm.cli import (
    alt_contact_cmd,
    audit_cmd,
    calendar_cmd,
    catalog_cmd,
    channels_cmd,
    config_cmd,
    customers_cmd,
    deliveries_cmd,
    domain_cmd,
    edge_config_cmd,
    feedback_cmd,
    feeds_cmd,
    identity_cmd,
    integrations_cmd,
    local_cmd,
    s3_events_cmd,
    ses_cmd,
)
from ccm.cli.common import console

app = typer.Typer(
    name="ccm",
    help="Customer Contact Manager: changes, announcements and customer contacts across many SES accounts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(catalog_cmd.app, name="catalog")
app.add_typer(local_cmd.app, name="local")
app.add_typer(edge_config_cmd.app, name="edge-config")
app.add_typer(identity_cmd.app, name="identity-center")
app.add_typer(ses_cmd.app, name="ses")
calendar_cmd.register(ses_cmd.app)
app.add_typer(calendar_cmd.app, name="calendar")
app.add_typer(feeds_cmd.app, name="feeds")
app.add_typer(feedback_cmd.app, name="feedback")
app.add_typer(domain_cmd.app, name="domain")
app.add_typer(s3_events_cmd.app, name="s3-events")
app.add_typer(customers_cmd.app, name="customers")
app.add_typer(alt_contact_cmd.app, name="alt-contact")
app.add_typer(channels_cmd.app, name="channels")
app.add_typer(integrations_cmd.app, name="integrations")
app.add_typer(deliveries_cmd.deliveries_app, name="deliveries")
app.add_typer(deliveries_cmd.deliverability_app, name="deliverability")
app.add_typer(deliveries_cmd.triggers_app, name="triggers")
app.add_typer(audit_cmd.app, name="audit")
app.command("report")(audit_cmd.report_command)


@app.command("version")
def version() -> None:
    """Print the version."""
    console.print(f"ccm {__version__}")
