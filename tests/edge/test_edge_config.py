"""The edge configuration file: building it (library and ``ccm edge-config``), reading it, rotating keys."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccm.cli.main import app as cli
from ccm.config import load_config
from ccm.devidp.provider import DevIdentityProvider
from ccm.edge.config_builder import idp_from_metadata, rotate_keys, write_edge_config
from ccm.edge.edge_config import EdgeConfig, load_edge_config, parse_edge_config
from ccm.errors import ConfigError
from tests.conftest import CONFIG_PATH
from tests.edge.conftest import CURRENT_KEY, PREVIOUS_KEY

runner = CliRunner()


def document(edge_config: EdgeConfig, **changes: Any) -> dict[str, Any]:
    result = edge_config.to_document()
    for dotted, value in changes.items():
        target = result
        *parents, leaf = dotted.split("__")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return result


def test_the_built_configuration_takes_domains_groups_and_portal_from_config_json(edge_config: EdgeConfig) -> None:
    app_config = load_config(CONFIG_PATH)

    assert edge_config.allowed_email_domains == tuple(app_config.authorization.allowed_email_domains)
    assert edge_config.session_groups == ("ccm-approvers", "ccm-admins")
    assert edge_config.public_base_url == app_config.email_config.portal_base_url
    assert edge_config.sp_entity_id == edge_config.public_base_url
    assert edge_config.acs_url == "https://ccm.example.com/saml/acs"
    assert edge_config.session.idle_seconds == 3600
    assert edge_config.session.absolute_seconds == 12 * 3600


def test_the_file_reads_back_exactly_as_written(edge_config: EdgeConfig, tmp_path: Path) -> None:
    path = write_edge_config(edge_config, tmp_path / "edge_config.json")

    assert load_edge_config(path) == edge_config
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"format": 2}, "format: must be 1"),
        ({"public_base_url": "http://ccm.example.com"}, "public_base_url: 'http://ccm.example.com' must be an https"),
        ({"public_base_url": "https://ccm.example.com/portal"}, "public_base_url: must be an origin without a path"),
        ({"acs_path": "/acs"}, "acs_path: must be a path under /saml/"),
        ({"idp__certificates": []}, "idp.certificates: must hold at least one PEM certificate"),
        ({"idp__certificates": ["not a certificate"]}, "idp.certificates: each entry must be a PEM"),
        ({"idp__sso_url": ""}, "idp.sso_url: must be a non-empty string"),
        ({"allowed_email_domains": ["not a domain"]}, "allowed_email_domains: 'not a domain' is not a domain name"),
        ({"allowed_email_domains": []}, "allowed_email_domains: must name at least one domain"),
        ({"cookie_keys__current": {"id": "k1", "secret": "c2hvcnQ"}}, "cookie_keys.current: cookie key 'k1' must have"),
        (
            {"cookie_keys__current": {"id": "k1", "secret": "***"}},
            "cookie_keys.current: cookie key secret is not base64",
        ),
        ({"session__idle_seconds": 10}, "session.idle_seconds: must be a whole number from 60"),
        ({"session__absolute_seconds": 600}, "session: the idle timeout must be at least 60 seconds and at most"),
        ({"clock_skew_seconds": "2m"}, "clock_skew_seconds: must be a whole number"),
        ({"allow_idp_initiated": "yes"}, "allow_idp_initiated: must be true or false"),
        ({"replay_table": None}, "replay_table: must be a JSON object"),
    ],
)
def test_a_broken_file_names_the_key_and_the_reason(
    edge_config: EdgeConfig, changes: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_edge_config(document(edge_config, **changes), "edge_config.json")

    assert str(caught.value).startswith("edge_config.json: ")
    assert problem in str(caught.value)


def test_local_http_urls_are_allowed_for_localhost_only(edge_config: EdgeConfig) -> None:
    local = parse_edge_config(document(edge_config, public_base_url="http://localhost:8080"))

    assert local.acs_url == "http://localhost:8080/saml/acs"
    assert local.public_host == "localhost:8080"
    assert not local.uses_https


def test_a_missing_or_unparsable_file_is_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_edge_config(tmp_path / "absent.json")
    broken = tmp_path / "edge_config.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1 column 2: not valid JSON"):
        load_edge_config(broken)


def test_identity_provider_values_come_from_its_metadata(dev_idp: DevIdentityProvider) -> None:
    values = idp_from_metadata(dev_idp.metadata())

    assert values.entity_id == dev_idp.entity_id
    assert values.sso_url == dev_idp.sso_url
    assert values.slo_url == dev_idp.slo_url
    assert values.certificates == (dev_idp.material.certificate_base64,)


def test_metadata_that_is_not_metadata_is_refused() -> None:
    with pytest.raises(ConfigError, match="identity provider metadata"):
        idp_from_metadata("<html>login page</html>")


def test_rotation_makes_a_new_signing_key_and_keeps_the_old_one_for_verifying(edge_config: EdgeConfig) -> None:
    rotated = rotate_keys(edge_config.cookie_keys)

    assert rotated.current.key_id not in {CURRENT_KEY.key_id, PREVIOUS_KEY.key_id}
    assert rotated.previous == (CURRENT_KEY,)
    assert rotate_keys(rotated).previous == (rotated.current,)


def cli_build(*options: str) -> Any:
    return runner.invoke(cli, ["edge-config", "build", "--config", str(CONFIG_PATH), *options])


def test_the_command_builds_the_file_from_identity_provider_metadata(
    dev_idp: DevIdentityProvider, tmp_path: Path
) -> None:
    metadata = tmp_path / "idp.xml"
    metadata.write_text(dev_idp.metadata(), encoding="utf-8")
    output = tmp_path / "edge_config.json"

    result = cli_build("--idp-metadata", str(metadata), "--new-cookie-key", "--output", str(output), "--json")

    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["idp_entity_id"] == dev_idp.entity_id
    assert "secret" not in result.output
    built = load_edge_config(output)
    assert built.idp.certificates == (dev_idp.material.certificate_base64,)
    assert built.replay_table == os.environ["CCM_TABLE"]
    assert built.replay_region == "us-east-1"


def test_the_command_takes_explicit_identity_provider_values_and_a_keys_file(
    dev_idp: DevIdentityProvider, tmp_path: Path
) -> None:
    certificate = tmp_path / "idp.pem"
    certificate.write_text(dev_idp.material.certificate_pem, encoding="utf-8")
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"current": {"id": "k2", "secret": "Y" * 43}, "previous": []}), encoding="utf-8")
    output = tmp_path / "edge_config.json"

    result = cli_build(
        *("--idp-entity-id", "https://idp.example.com/metadata", "--idp-sso-url", "https://idp.example.com/sso"),
        *("--idp-certificate", str(certificate), "--cookie-keys", str(keys), "--output", str(output)),
        *("--public-base-url", "https://portal.example.com", "--table", "ccm-prod", "--region", "eu-west-1"),
        *("--groups-attribute", "memberOf", "--email-attribute", "mail", "--all-groups", "--sp-initiated-only"),
    )

    assert result.exit_code == 0, result.output
    built = load_edge_config(output)
    assert built.cookie_keys.current.key_id == "k2"
    assert (built.public_base_url, built.replay_table, built.replay_region) == (
        "https://portal.example.com",
        "ccm-prod",
        "eu-west-1",
    )
    assert (built.groups_attribute, built.email_attribute, built.session_groups) == ("memberOf", "mail", ())
    assert built.allow_idp_initiated is False


def test_the_command_rotates_the_keys_of_an_existing_file(edge_config: EdgeConfig, tmp_path: Path) -> None:
    existing = write_edge_config(edge_config, tmp_path / "old.json")
    metadata = tmp_path / "idp.xml"
    output = tmp_path / "new.json"
    certificate = edge_config.idp.certificates[0]
    metadata.write_text(
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{edge_config.idp.entity_id}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{edge_config.idp.sso_url}"/></md:IDPSSODescriptor></md:EntityDescriptor>',
        encoding="utf-8",
    )

    result = cli_build("--idp-metadata", str(metadata), "--rotate-from", str(existing), "-o", str(output))

    assert result.exit_code == 0, result.output
    rotated = load_edge_config(output).cookie_keys
    assert rotated.previous == (CURRENT_KEY,)
    assert rotated.current != CURRENT_KEY


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--new-cookie-key"], "the identity provider is needed"),
        (["--idp-entity-id", "x", "--idp-sso-url", "https://idp.example.com", "--idp-certificate", "{c}"], "choose"),
    ],
)
def test_the_command_explains_what_is_missing(tmp_path: Path, options: list[str], message: str) -> None:
    certificate = tmp_path / "c.pem"
    certificate.write_text("x", encoding="utf-8")

    result = cli_build(*(option.format(c=certificate) for option in options))

    assert result.exit_code == 1
    assert message in result.output


def test_the_command_refuses_an_unreadable_keys_file(dev_idp: DevIdentityProvider, tmp_path: Path) -> None:
    metadata = tmp_path / "idp.xml"
    metadata.write_text(dev_idp.metadata(), encoding="utf-8")
    keys = tmp_path / "keys.json"
    keys.write_text('{"current": {"id": "k1", "secret": "c2hvcnQ"}}', encoding="utf-8")

    result = cli_build("--idp-metadata", str(metadata), "--cookie-keys", str(keys), "-o", str(tmp_path / "x"))

    assert result.exit_code == 1
    assert "cookie_keys.current" in result.output and "at least 32 bytes" in result.output


def test_show_checks_a_file_and_never_prints_secrets(edge_config: EdgeConfig, tmp_path: Path) -> None:
    path = write_edge_config(edge_config, tmp_path / "edge_config.json")

    result = runner.invoke(cli, ["edge-config", "show", str(path)])

    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "current" in result.output
    assert CURRENT_KEY.secret_text not in result.output


def test_the_ccm_command_does_not_need_python3_saml_to_start() -> None:
    probe = "import sys, ccm.cli.main; sys.exit(1 if 'onelogin' in sys.modules or 'xmlsec' in sys.modules else 0)"

    assert subprocess.run([sys.executable, "-c", probe], check=False, timeout=60).returncode == 0
