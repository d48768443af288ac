"""``ccm config``: check the configuration files and show the customers they define."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccm.cli.common import JsonOption, cli_errors, console, emit_json, settings, table
from ccm.config import load_config, load_ses_config
from ccm.config_schemas import reference_markdown, write_schemas
from ccm.subscription_config import load_subscription_config

app = typer.Typer(
    help="Check config.json, SESConfig.json and SubscriptionConfig.json, and write their JSON Schemas.",
    no_args_is_help=True,
)

ConfigOption = typer.Option(None, "--config", help="config.json to read (default: $CCM_CONFIG or ./config.json).")
SesOption = typer.Option(None, "--ses-config", help="SESConfig.json to read (default: $CCM_SES_CONFIG).")
SubscriptionOption = typer.Option(
    None,
    "--subscription-config",
    help="SubscriptionConfig.json to read (default: $CCM_SUBSCRIPTION_CONFIG, else ./SubscriptionConfig.json "
    "when it exists; the file is optional).",
)


@app.command("validate")
@cli_errors
def validate(
    config: Path | None = ConfigOption,
    ses_config: Path | None = SesOption,
    subscription_config: Path | None = SubscriptionOption,
    as_json: bool = JsonOption,
) -> None:
    """Validate the files; name the file, key and reason of every problem found in the first bad one."""
    current = settings()
    app_config = load_config(config or current.config_path)
    topics = load_ses_config(ses_config or current.ses_config_path)
    config_name = str(config or current.config_path)
    ses_name = str(ses_config or current.ses_config_path)
    subscriptions_path = subscription_config or Path(current.subscription_config_path)
    checked = subscription_config is not None or subscriptions_path.exists()
    subscriptions = load_subscription_config(subscriptions_path, app_config, topics) if checked else None
    names = topics.topic_names()
    if as_json:
        emit_json(
            {
                "valid": True,
                "config": config_name,
                "ses_config": ses_name,
                "subscription_config": str(subscriptions_path) if subscriptions else None,
                "customers": len(app_config.customer_mappings),
                "topics": names,
                "subscribed_addresses": subscriptions.address_count() if subscriptions else 0,
            }
        )
        return
    console.print(f"[green]valid[/]: {config_name} ({len(app_config.customer_mappings)} customers)")
    console.print(f"[green]valid[/]: {ses_name} ({len(names)} topics after expansion)")
    if subscriptions is None:
        console.print(f"no {subscriptions_path} (optional: bulk subscriptions)", highlight=False)
    else:
        console.print(f"[green]valid[/]: {subscriptions_path} ({subscriptions.address_count()} addresses)")


@app.command("schema")
@cli_errors
def schema(
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write the schemas into.")] = Path(
        "schemas"
    ),
    reference: Annotated[
        Path | None,
        typer.Option(help="Also write the docs site's configuration reference (Markdown) to this file."),
    ] = None,
    as_json: bool = JsonOption,
) -> None:
    """Write the JSON Schemas of the configuration files, generated from the models that validate them."""
    written = [str(path) for path in write_schemas(output)]
    if reference is not None:
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_text(reference_markdown(), encoding="utf-8")
        written.append(str(reference))
    if as_json:
        emit_json({"written": written})
        return
    for path in written:
        console.print(f"wrote {path}", highlight=False)


@app.command("customers")
@cli_errors
def customers(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """List the configured customers with their SES account and safety settings."""
    app_config = load_config(config or settings().config_path)
    rows = [
        {
            "code": code,
            "name": mapping.customer_name,
            "environment": mapping.environment,
            "region": mapping.region,
            "ses_account": mapping.account_id,
            "restricted_recipients": mapping.restricted_recipients,
            "meetings": "teams" if mapping.uses_teams else "ics",
        }
        for code, mapping in sorted(app_config.customer_mappings.items())
    ]
    if as_json:
        emit_json(rows)
        return
    console.print(
        table(
            f"{len(rows)} customers",
            ["code", "name", "env", "region", "SES account", "restricted to", "meetings"],
            [
                [
                    r["code"],
                    r["name"],
                    r["environment"],
                    r["region"],
                    r["ses_account"],
                    ", ".join(r["restricted_recipients"]) or "-",
                    r["meetings"],
                ]
                for r in rows
            ],
        )
    )
