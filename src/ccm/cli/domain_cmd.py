"""``ccm domain``: the sending domain in every customer's SES account, and its records in Route 53."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.markup import escape

from ccm.aws.customer_clients import CustomerClients
from ccm.cli.common import cli_errors, console, emit_json, err_console, fail, settings, table
from ccm.cli.fleet import (
    Column,
    DryRunOption,
    exit_on_failure,
    print_summary,
    report_failures,
    run_for_customers,
)
from ccm.cli.options import FleetOptions, fleet_command
from ccm.config import AppConfig, CustomerMapping
from ccm.fleet import Outcome, describe_error
from ccm.sending_domains.records import WantedRecord, deliverability_records, dkim_records, mail_domain
from ccm.sending_domains.route53 import HostedZone
from ccm.sending_domains.ses_domain import SesDomain
from ccm.sending_domains.setup import CustomerDomain, DnsResult, DomainOptions, DomainSetup, sync_dns

app = typer.Typer(
    help="The sending domain: SES identity, DKIM, MAIL FROM, SPF, DMARC and Route 53.", no_args_is_help=True
)

DnsOption = typer.Option(True, "--dns/--no-dns", help="Also write the records to Route 53 (route53_config).")
ZoneOption = typer.Option(None, "--zone-id", help="Hosted zone (default: route53_config.zone_id).")
DnsRoleOption = typer.Option(None, "--dns-role-arn", help="Role in the DNS account (default: route53_config.role_arn).")

STEP_COLUMNS: list[Column[CustomerDomain]] = [
    Column("identity", lambda r: r.steps.get("identity", "-")),
    Column("DKIM", lambda r: f"{r.state.dkim_status} ({len(r.state.dkim_tokens)} tokens)"),
    Column("MAIL FROM", lambda r: r.steps.get("mail_from", "-")),
    Column("config set", lambda r: r.steps.get("configuration_set", "-")),
    Column("events", lambda r: r.steps.get("event_destination", "-")),
    Column("default set", lambda r: r.steps.get("default_configuration_set", "-")),
]


def _zone(config: AppConfig, clients: CustomerClients, zone_id: str | None, role_arn: str | None) -> HostedZone:
    route53 = config.route53_config
    zone = zone_id or (route53.zone_id if route53 else None)
    role = role_arn or (route53.role_arn if route53 else None)
    if not zone or not role:
        raise fail(
            "route53_config (zone_id, role_arn) is not in config.json; pass --zone-id/--dns-role-arn or --no-dns"
        )
    return HostedZone(clients.client(role, config.aws_region, "route53", "ses-domain-dns"), zone)


def _print_dns(result: DnsResult, dry_run: bool) -> None:
    if not result.changes:
        console.print(f"DNS: zone {result.zone} already has every record; nothing to change")
    else:
        rows = [
            [c.name, c.type, "\n".join(c.before) or "-", "\n".join(c.after), ", ".join(c.purposes)]
            for c in result.changes
        ]
        verb = "would UPSERT" if dry_run else "UPSERTed"
        console.print(
            table(
                f"DNS: {verb} {len(rows)} record set(s) in {result.zone}",
                ["name", "type", "before", "after", "for"],
                rows,
            )
        )
    if dry_run and result.batches:
        console.print("change batch(es), exactly as they would be sent:")
        for batch in result.batches:
            console.print(escape(json.dumps(batch, indent=2)), highlight=False, soft_wrap=True)
    if result.without_dkim:
        console.print(f"[yellow]no DKIM tokens from SES yet for:[/] {', '.join(result.without_dkim)}")


def _run(
    title: str,
    options: DomainOptions,
    fleet: FleetOptions,
    *,
    dns: bool,
    zone_id: str | None,
    dns_role_arn: str | None,
) -> None:
    config = settings().config
    selected = fleet.customers(config)
    clients = fleet.clients()
    setup = DomainSetup(config, clients, options)
    zone = _zone(config, clients, zone_id, dns_role_arn) if dns else None
    outcomes = run_for_customers(
        title,
        selected,
        setup.configure,
        max_concurrency=fleet.max_concurrency,
        as_json=fleet.as_json,
        columns=STEP_COLUMNS,
        document=lambda r: r.as_document(),
        report=False,
    )
    dns_result, dns_error = None, None
    done = [o.value for o in outcomes if o.value is not None]
    if zone is not None and done:
        try:
            dns_result = sync_dns(zone, setup.wanted_records(done), dry_run=options.dry_run, comment=f"ccm {title}")
            if options.identity:
                dns_result.without_dkim = [r.code for r in done if not r.dkim_ready]
        except Exception as error:  # the SES side is reported either way; DNS failing makes the exit code 1
            dns_error = describe_error(error)
    extra: dict[str, Any] = {"domain": setup.domain, "dry_run": options.dry_run}
    if dns:
        extra["dns"] = dns_result.as_document() if dns_result else None
        extra["dns_error"] = dns_error
    print_summary(
        title, outcomes, as_json=fleet.as_json, columns=STEP_COLUMNS, document=lambda r: r.as_document(), extra=extra
    )
    if not fleet.as_json and dns_result is not None:
        _print_dns(dns_result, options.dry_run)
    if dns_error:
        err_console.print(f"[bold red]DNS failed:[/] {escape(dns_error)}")
        raise typer.Exit(1)
    exit_on_failure(outcomes)


@app.command("setup")
@cli_errors
@fleet_command(rates=("ses",))
def setup(
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
    dns: bool = DnsOption,
    zone_id: str | None = ZoneOption,
    dns_role_arn: str | None = DnsRoleOption,
) -> None:
    """Everything: domain identity with Easy DKIM, MAIL FROM, configuration set, and all DNS records."""
    _run(
        "domain setup",
        DomainOptions(dry_run=dry_run),
        fleet,
        dns=dns,
        zone_id=zone_id,
        dns_role_arn=dns_role_arn,
    )


@app.command("configure")
@cli_errors
@fleet_command(rates=("ses",))
def configure(
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
    dns: bool = DnsOption,
    zone_id: str | None = ZoneOption,
    dns_role_arn: str | None = DnsRoleOption,
) -> None:
    """Only the domain identity with Easy DKIM and its three DKIM CNAMEs."""
    _run(
        "domain configure",
        DomainOptions(dry_run=dry_run, deliverability=False),
        fleet,
        dns=dns,
        zone_id=zone_id,
        dns_role_arn=dns_role_arn,
    )


@app.command("deliverability")
@cli_errors
@fleet_command(rates=("ses",))
def deliverability(
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
    dns: bool = DnsOption,
    zone_id: str | None = ZoneOption,
    dns_role_arn: str | None = DnsRoleOption,
) -> None:
    """MAIL FROM, configuration set (with SNS events when configured), SPF, DMARC and MX; the identity must exist."""
    _run(
        "domain deliverability",
        DomainOptions(dry_run=dry_run, identity=False),
        fleet,
        dns=dns,
        zone_id=zone_id,
        dns_role_arn=dns_role_arn,
    )


@app.command("status")
@cli_errors
@fleet_command(rates=("ses",))
def status(
    *,
    fleet: FleetOptions,
) -> None:
    """Verification, DKIM, MAIL FROM and configuration set of the domain, and the account's sending state."""
    config = settings().config
    clients = fleet.clients()
    domain = mail_domain(config)

    def work(customer: CustomerMapping) -> dict[str, Any]:
        ses = clients.ses(customer)
        state = SesDomain(ses, domain).state()
        account = ses.get_account()
        quota = account.get("SendQuota", {})
        return {
            "domain": domain,
            "identity": state.as_document(),
            "sending_enabled": account.get("SendingEnabled"),
            "production_access": account.get("ProductionAccessEnabled"),
            "max_send_rate": quota.get("MaxSendRate"),
            "max_24_hour_send": quota.get("Max24HourSend"),
            "sent_last_24_hours": quota.get("SentLast24Hours"),
        }

    fleet.run(
        f"domain status ({domain})",
        config,
        work,
        columns=[
            Column(
                "identity", lambda r: r["identity"]["verification_status"] if r["identity"]["exists"] else "missing"
            ),
            Column("verified", lambda r: "yes" if r["identity"]["verified_for_sending"] else "no"),
            Column("DKIM", lambda r: r["identity"]["dkim_status"]),
            Column("MAIL FROM", lambda r: r["identity"]["mail_from_status"] or "-"),
            Column("config set", lambda r: r["identity"]["configuration_set"] or "-"),
            Column("sending", lambda r: "on" if r["sending_enabled"] else "off"),
            Column("production", lambda r: "yes" if r["production_access"] else "sandbox"),
            Column("rate/s", lambda r: r["max_send_rate"]),
        ],
        document=lambda r: r,
    )


@app.command("show-dns")
@cli_errors
@fleet_command(rates=("ses",))
def show_dns(
    *,
    fleet: FleetOptions,
    offline: bool = typer.Option(False, "--offline", help="Without AWS: only SPF, DMARC and MAIL FROM records."),
) -> None:
    """Print the records the domain needs (DKIM tokens read from each customer's SES unless --offline)."""
    config = settings().config
    domain = mail_domain(config)
    if offline:
        records = deliverability_records(config, [config.aws_region])
        _emit_records(records, [], fleet.as_json)
        return
    selected = fleet.customers(config)
    clients = fleet.clients()

    def tokens(customer: CustomerMapping) -> list[str]:
        return SesDomain(clients.ses(customer), domain).state().dkim_tokens

    outcomes = run_for_customers(
        "DKIM tokens",
        selected,
        tokens,
        max_concurrency=fleet.max_concurrency,
        as_json=fleet.as_json,
        columns=[],
        document=lambda found: {"dkim_tokens": found},
        report=False,
    )
    records = [r for o in outcomes if o.value for r in dkim_records(domain, o.value)]
    records += deliverability_records(config, sorted({c.region for c in selected}))
    _emit_records(records, outcomes, fleet.as_json)


def _emit_records(records: list[WantedRecord], outcomes: list[Outcome[list[str]]], as_json: bool) -> None:
    missing = [o.key for o in outcomes if o.ok and not o.value]
    if as_json:
        failures = [{"customer": o.key, "error": o.error} for o in outcomes if not o.ok]
        emit_json({"records": [r.as_document() for r in records], "without_dkim_tokens": missing, "failed": failures})
        exit_on_failure(outcomes)
        return
    rows = [[r.name, r.type, escape(r.value), r.ttl, r.purpose] for r in records]
    console.print(table(f"{len(rows)} records", ["name", "type", "value", "TTL", "for"], rows))
    if missing:
        console.print(f"[yellow]no DKIM tokens (identity missing or pending) for:[/] {', '.join(missing)}")
    report_failures(outcomes)
