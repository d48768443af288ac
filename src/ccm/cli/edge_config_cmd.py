"""``ccm edge-config``: write and inspect the configuration file baked into the edge sign-in functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ccm.cli.common import JsonOption, cli_errors, console, emit_json, fail, settings
from ccm.config import load_config
from ccm.edge.config_builder import (
    build_edge_config,
    generate_cookie_key,
    idp_from_metadata,
    rotate_keys,
    summary,
    write_edge_config,
)
from ccm.edge.edge_config import IdpSettings, load_edge_config, parse_key_ring
from ccm.edge.session import KeyRing
from ccm.errors import ConfigError

app = typer.Typer(help="Build and check the edge sign-in configuration (edge_config.json).", no_args_is_help=True)

DEFAULT_OUTPUT = Path("functions/edge_auth/edge_config.json")


@app.command("build")
@cli_errors
def build(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the file.")] = DEFAULT_OUTPUT,
    config: Annotated[Path | None, typer.Option(help="config.json (default: $CCM_CONFIG).")] = None,
    idp_metadata: Annotated[Path | None, typer.Option(help="IdP metadata XML file.")] = None,
    idp_entity_id: Annotated[str | None, typer.Option(help="IdP entity id (without metadata).")] = None,
    idp_sso_url: Annotated[str | None, typer.Option(help="IdP SSO URL, HTTP-Redirect binding.")] = None,
    idp_slo_url: Annotated[str | None, typer.Option(help="IdP single logout URL (optional).")] = None,
    idp_certificate: Annotated[
        list[Path] | None,
        typer.Option(help="IdP signing certificate PEM file; repeat it during a certificate rollover."),
    ] = None,
    cookie_keys: Annotated[
        Path | None, typer.Option(help='JSON file {"current": {"id", "secret"}, "previous": [...]}.')
    ] = None,
    rotate_from: Annotated[
        Path | None, typer.Option(help="An existing edge_config.json: its current key becomes the previous one.")
    ] = None,
    new_cookie_key: Annotated[bool, typer.Option(help="Generate a fresh key ring (first build).")] = False,
    table: Annotated[str | None, typer.Option(help="Replay-cache DynamoDB table (default: $CCM_TABLE).")] = None,
    region: Annotated[str | None, typer.Option(help="Region of that table (default: config.json).")] = None,
    public_base_url: Annotated[str | None, typer.Option(help="Default: email_config.portal_base_url.")] = None,
    sp_entity_id: Annotated[str | None, typer.Option(help="Default: the public base URL.")] = None,
    groups_attribute: Annotated[str, typer.Option(help="SAML attribute that carries the groups.")] = "groups",
    email_attribute: Annotated[
        str | None, typer.Option(help="SAML attribute that carries the email (default: the NameID).")
    ] = None,
    all_groups: Annotated[
        bool, typer.Option(help="Keep every group in the session, not only the approver and admin groups.")
    ] = False,
    sp_initiated_only: Annotated[bool, typer.Option(help="Refuse sign-ins started at the identity provider.")] = False,
    as_json: bool = JsonOption,
) -> None:
    """Write edge_config.json from config.json, the identity provider and the cookie keys."""
    current = settings()
    app_config = load_config(config or current.config_path)
    built = build_edge_config(
        app_config,
        _idp_values(idp_metadata, idp_entity_id, idp_sso_url, idp_slo_url, idp_certificate or []),
        _key_ring(cookie_keys, rotate_from, new_cookie_key),
        replay_table=table or current.table,
        replay_region=region,
        public_base_url=public_base_url,
        sp_entity_id=sp_entity_id,
        groups_attribute=groups_attribute or None,
        email_attribute=email_attribute,
        all_groups=all_groups,
        allow_idp_initiated=not sp_initiated_only,
    )
    write_edge_config(built, output)
    if as_json:
        emit_json({"written": str(output), **summary(built)})
        return
    console.print(f"[green]written[/]: {output} (keep it secret: it holds the cookie keys)")
    _print_summary(summary(built))


@app.command("show")
@cli_errors
def show(
    path: Annotated[Path, typer.Argument(help="The edge_config.json to check.")] = DEFAULT_OUTPUT,
    as_json: bool = JsonOption,
) -> None:
    """Check an edge_config.json and print what it configures (never the secrets)."""
    details = summary(load_edge_config(path))
    if as_json:
        emit_json(details)
        return
    console.print(f"[green]valid[/]: {path}")
    _print_summary(details)


def _print_summary(details: dict[str, object]) -> None:
    for key, value in details.items():
        console.print(f"  {key}: {value}", highlight=False)


def _idp_values(
    metadata: Path | None, entity_id: str | None, sso_url: str | None, slo_url: str | None, certificates: list[Path]
) -> IdpSettings:
    if metadata is not None:
        if entity_id or sso_url or certificates:
            raise fail("give either --idp-metadata or --idp-entity-id/--idp-sso-url/--idp-certificate, not both")
        values = idp_from_metadata(_read(metadata), None)
        return IdpSettings(values.entity_id, values.sso_url, values.certificates, slo_url or values.slo_url)
    if not (entity_id and sso_url and certificates):
        raise fail(
            "the identity provider is needed: --idp-metadata, or --idp-entity-id, --idp-sso-url and --idp-certificate"
        )
    return IdpSettings(entity_id, sso_url, tuple(_read(path) for path in certificates), slo_url)


def _key_ring(cookie_keys: Path | None, rotate_from: Path | None, new_cookie_key: bool) -> KeyRing:
    chosen = [option for option in (cookie_keys, rotate_from, new_cookie_key or None) if option is not None]
    if len(chosen) != 1:
        raise fail("choose exactly one source of cookie keys: --cookie-keys, --rotate-from or --new-cookie-key")
    if cookie_keys is not None:
        try:
            document = json.loads(_read(cookie_keys))
        except json.JSONDecodeError as error:
            raise ConfigError(f"{cookie_keys}: not valid JSON: {error.msg}") from None
        return parse_key_ring(document, str(cookie_keys))
    if rotate_from is not None:
        return rotate_keys(load_edge_config(rotate_from).cookie_keys)
    return KeyRing(generate_cookie_key())


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
