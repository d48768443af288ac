"""Builds the edge configuration file from config.json, the identity provider and the cookie keys.

Cookie key rotation: build with ``rotate_keys`` (``--rotate-from`` on the command line). The new key signs,
the old current key still verifies, so nobody is signed out; after one absolute session lifetime (12 hours)
no cookie signed with the old key is valid any more and the next rotation drops it.
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
from pathlib import Path
from typing import Any

from ccm.config import AppConfig
from ccm.edge.edge_config import EMAIL_NAME_ID, EdgeConfig, IdpSettings, parse_edge_config
from ccm.edge.session import KeyRing, SessionPolicy, SigningKey
from ccm.errors import ConfigError


def idp_from_metadata(xml: str, entity_id: str | None = None) -> IdpSettings:
    """Entity id, HTTP-Redirect SSO (and SLO) endpoint and signing certificates from IdP metadata XML."""
    # Imported here so that the ``ccm`` command works without the optional python3-saml installed.
    from onelogin.saml2.constants import OneLogin_Saml2_Constants
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    try:
        parsed: dict[str, Any] = OneLogin_Saml2_IdPMetadataParser.parse(
            xml,
            required_sso_binding=OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
            required_slo_binding=OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
            entity_id=entity_id,
        )
    except Exception as error:  # the parser raises lxml and its own errors alike
        raise ConfigError(f"identity provider metadata: cannot be read: {error}") from None
    idp = parsed.get("idp", {})
    certificates = list(idp.get("x509certMulti", {}).get("signing", [])) or [idp.get("x509cert", "")]
    values = IdpSettings(
        entity_id=idp.get("entityId", ""),
        sso_url=idp.get("singleSignOnService", {}).get("url", ""),
        certificates=tuple(certificate for certificate in certificates if certificate),
        slo_url=idp.get("singleLogoutService", {}).get("url") or None,
    )
    for name in ("entity_id", "sso_url", "certificates"):
        if not getattr(values, name):
            raise ConfigError(f"identity provider metadata: has no {name.replace('_', ' ')} (HTTP-Redirect SSO)")
    return values


def generate_cookie_key(now: datetime.datetime | None = None) -> SigningKey:
    """A fresh 256-bit key whose id tells when it was made."""
    moment = now or datetime.datetime.now(datetime.UTC)
    return SigningKey(f"k{moment:%Y%m%d%H%M}-{secrets.token_hex(3)}", secrets.token_bytes(32))


def rotate_keys(existing: KeyRing, new_key: SigningKey | None = None) -> KeyRing:
    """A new current key; the old current key keeps verifying; older keys are dropped."""
    return KeyRing(current=new_key or generate_cookie_key(), previous=(existing.current,))


def _portal_groups(app_config: AppConfig) -> tuple[str, ...]:
    """The groups the portal acts on, kept in the session: roles, and every group an approval policy names."""
    authorization = app_config.authorization
    wanted = [authorization.approver_group, authorization.admin_group, *app_config.approval_policies.group_names()]
    return tuple(dict.fromkeys(wanted))


def build_edge_config(
    app_config: AppConfig,
    idp: IdpSettings,
    cookie_keys: KeyRing,
    *,
    replay_table: str,
    replay_region: str | None = None,
    public_base_url: str | None = None,
    sp_entity_id: str | None = None,
    groups_attribute: str | None = "groups",
    email_attribute: str | None = None,
    all_groups: bool = False,
    allow_idp_initiated: bool = True,
    session: SessionPolicy | None = None,
) -> EdgeConfig:
    """The edge configuration, checked by reading it back exactly as the edge will."""
    base_url = (public_base_url or app_config.email_config.portal_base_url).rstrip("/")
    authorization = app_config.authorization
    config = EdgeConfig(
        public_base_url=base_url,
        sp_entity_id=sp_entity_id or base_url,
        idp=idp,
        allowed_email_domains=tuple(authorization.allowed_email_domains),
        cookie_keys=cookie_keys,
        replay_table=replay_table,
        replay_region=replay_region or app_config.aws_region,
        groups_attribute=groups_attribute,
        email_attribute=email_attribute,
        session_groups=() if all_groups else _portal_groups(app_config),
        name_id_format=EMAIL_NAME_ID,
        allow_idp_initiated=allow_idp_initiated,
        session=session or SessionPolicy(),
    )
    return parse_edge_config(config.to_document(), "edge configuration")


def write_edge_config(config: EdgeConfig, path: str | Path) -> Path:
    """Write the file readable by its owner only: it holds the cookie keys."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(config.to_document(), handle, indent=2)
        handle.write("\n")
    return path


def summary(config: EdgeConfig) -> dict[str, Any]:
    """What the file configures, without the secrets."""
    return {
        "public_base_url": config.public_base_url,
        "sp_entity_id": config.sp_entity_id,
        "acs_url": config.acs_url,
        "idp_entity_id": config.idp.entity_id,
        "idp_sso_url": config.idp.sso_url,
        "idp_slo_url": config.idp.slo_url,
        "idp_certificates": len(config.idp.certificates),
        "allowed_email_domains": list(config.allowed_email_domains),
        "groups_attribute": config.groups_attribute,
        "email_attribute": config.email_attribute,
        "session_groups": list(config.session_groups) or "all",
        "allow_idp_initiated": config.allow_idp_initiated,
        "cookie_key_ids": {
            "current": config.cookie_keys.current.key_id,
            "previous": [key.key_id for key in config.cookie_keys.previous],
        },
        "replay_table": f"{config.replay_table} ({config.replay_region})",
    }
