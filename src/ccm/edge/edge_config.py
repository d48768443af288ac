"""The edge configuration: one JSON file baked into both edge packages at build time.

Lambda@Edge has no environment variables, so everything the edge needs (identity provider, service provider,
allowed domains, cookie keys, replay table) is in this file. Standard library only: the gatekeeper reads it.
Write it with ``ccm edge-config build`` (``ccm.edge.config_builder``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ccm.edge.session import KeyRing, SessionPolicy, SigningKey
from ccm.errors import ConfigError
from ccm.jsonfile import read_json

FORMAT_VERSION = 1
SAML_PREFIX = "/saml/"
EMAIL_NAME_ID = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
_DOMAIN = re.compile(r"^[a-z0-9.-]+\.[a-z]{2,}$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class IdpSettings:
    entity_id: str
    sso_url: str
    certificates: tuple[str, ...]
    slo_url: str | None = None


@dataclass(frozen=True)
class EdgeConfig:
    public_base_url: str
    sp_entity_id: str
    idp: IdpSettings
    allowed_email_domains: tuple[str, ...]
    cookie_keys: KeyRing
    replay_table: str
    replay_region: str
    acs_path: str = "/saml/acs"
    groups_attribute: str | None = "groups"
    email_attribute: str | None = None
    session_groups: tuple[str, ...] = ()
    name_id_format: str = EMAIL_NAME_ID
    allow_idp_initiated: bool = True
    clock_skew_seconds: int = 120
    session: SessionPolicy = field(default_factory=SessionPolicy)

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def public_host(self) -> str:
        """Host and, when not the scheme's default, port: what a browser sends as ``Host``."""
        return urlsplit(self.public_base_url).netloc

    @property
    def uses_https(self) -> bool:
        return urlsplit(self.public_base_url).scheme == "https"

    @property
    def acs_url(self) -> str:
        return self.public_origin + self.acs_path

    @property
    def sls_url(self) -> str:
        return self.public_origin + SAML_PREFIX + "sls"

    def email_allowed(self, email: str) -> bool:
        local, at, domain = email.rpartition("@")
        return bool(at and local) and domain in self.allowed_email_domains

    def keep_groups(self, groups: Sequence[str]) -> tuple[str, ...]:
        """The groups the session carries: all, or only those named in ``session_groups``."""
        if not self.session_groups:
            return tuple(groups)
        return tuple(group for group in groups if group in self.session_groups)

    def to_document(self) -> dict[str, Any]:
        """The JSON form that :func:`parse_edge_config` reads back (it contains the cookie secrets)."""
        return {
            "format": FORMAT_VERSION,
            "public_base_url": self.public_base_url,
            "sp_entity_id": self.sp_entity_id,
            "acs_path": self.acs_path,
            "idp": {
                "entity_id": self.idp.entity_id,
                "sso_url": self.idp.sso_url,
                "slo_url": self.idp.slo_url,
                "certificates": list(self.idp.certificates),
            },
            "name_id_format": self.name_id_format,
            "email_attribute": self.email_attribute,
            "groups_attribute": self.groups_attribute,
            "allowed_email_domains": list(self.allowed_email_domains),
            "session_groups": list(self.session_groups),
            "allow_idp_initiated": self.allow_idp_initiated,
            "clock_skew_seconds": self.clock_skew_seconds,
            "session": {
                "idle_seconds": self.session.idle_seconds,
                "absolute_seconds": self.session.absolute_seconds,
                "refresh_after_fraction": self.session.refresh_after_fraction,
            },
            "cookie_keys": {
                "current": _key_document(self.cookie_keys.current),
                "previous": [_key_document(key) for key in self.cookie_keys.previous],
            },
            "replay_table": {"name": self.replay_table, "region": self.replay_region},
        }


def _key_document(key: SigningKey) -> dict[str, str]:
    return {"id": key.key_id, "secret": key.secret_text}


def load_edge_config(path: str | Path) -> EdgeConfig:
    path = Path(path)
    return parse_edge_config(read_json(path, " (build it with `ccm edge-config build`)"), path.name)


def parse_edge_config(document: Any, source: str = "edge_config.json") -> EdgeConfig:
    reader = _Reader(source)
    if not isinstance(document, dict):
        raise reader.error("(top level)", "must be a JSON object")
    if document.get("format") != FORMAT_VERSION:
        raise reader.error("format", f"must be {FORMAT_VERSION}")
    base_url = reader.url(document, "public_base_url")
    if urlsplit(base_url).path not in ("", "/"):
        raise reader.error("public_base_url", "must be an origin without a path, like https://ccm.example.com")
    idp = reader.section(document, "idp")
    session = reader.section(document, "session")
    keys = reader.section(document, "cookie_keys")
    replay = reader.section(document, "replay_table")
    acs_path = reader.text(document, "acs_path")
    if not acs_path.startswith(SAML_PREFIX) or "?" in acs_path:
        raise reader.error("acs_path", f"must be a path under {SAML_PREFIX}")
    return EdgeConfig(
        public_base_url=base_url.rstrip("/"),
        sp_entity_id=reader.text(document, "sp_entity_id"),
        acs_path=acs_path,
        idp=IdpSettings(
            entity_id=reader.text(idp, "entity_id", "idp."),
            sso_url=reader.url(idp, "sso_url", "idp."),
            slo_url=reader.url(idp, "slo_url", "idp.") if idp.get("slo_url") else None,
            certificates=reader.certificates(idp),
        ),
        name_id_format=reader.text(document, "name_id_format"),
        email_attribute=reader.optional_text(document, "email_attribute"),
        groups_attribute=reader.optional_text(document, "groups_attribute"),
        allowed_email_domains=reader.domains(document),
        session_groups=tuple(reader.strings(document, "session_groups")),
        allow_idp_initiated=reader.boolean(document, "allow_idp_initiated"),
        clock_skew_seconds=reader.integer(document, "clock_skew_seconds", 0, 600),
        session=reader.policy(session),
        cookie_keys=reader.key_ring(keys),
        replay_table=reader.text(replay, "name", "replay_table."),
        replay_region=reader.text(replay, "region", "replay_table."),
    )


class _Reader:
    """Reads typed values out of the parsed JSON, naming the key of the first problem."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, key: str, reason: str) -> ConfigError:
        return ConfigError(f"{self.source}: {key}: {reason}")

    def section(self, document: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = document.get(key)
        if not isinstance(value, dict):
            raise self.error(key, "must be a JSON object")
        return value

    def text(self, document: Mapping[str, Any], key: str, prefix: str = "") -> str:
        value = document.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(prefix + key, "must be a non-empty string")
        return value.strip()

    def optional_text(self, document: Mapping[str, Any], key: str) -> str | None:
        value = document.get(key)
        if value is None or value == "":
            return None
        return self.text(document, key)

    def url(self, document: Mapping[str, Any], key: str, prefix: str = "") -> str:
        value = self.text(document, key, prefix)
        parts = urlsplit(value)
        if not parts.hostname:
            raise self.error(prefix + key, f"{value!r} is not an absolute URL")
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS):
            raise self.error(prefix + key, f"{value!r} must be an https URL (http only for localhost)")
        return value

    def strings(self, document: Mapping[str, Any], key: str) -> list[str]:
        value = document.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise self.error(key, "must be a list of non-empty strings")
        return [item.strip() for item in value]

    def domains(self, document: Mapping[str, Any]) -> tuple[str, ...]:
        domains = [item.lower().lstrip("@") for item in self.strings(document, "allowed_email_domains")]
        if not domains:
            raise self.error("allowed_email_domains", "must name at least one domain")
        for domain in domains:
            if not _DOMAIN.match(domain):
                raise self.error("allowed_email_domains", f"{domain!r} is not a domain name")
        return tuple(domains)

    def boolean(self, document: Mapping[str, Any], key: str) -> bool:
        value = document.get(key)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value

    def integer(self, document: Mapping[str, Any], key: str, low: int, high: int, prefix: str = "") -> int:
        value = document.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.error(prefix + key, f"must be a whole number from {low} to {high}")
        return value

    def certificates(self, idp: Mapping[str, Any]) -> tuple[str, ...]:
        values = self.strings(idp, "certificates")
        if not values:
            raise self.error("idp.certificates", "must hold at least one PEM certificate of the identity provider")
        for value in values:
            body = value.replace("-----BEGIN CERTIFICATE-----", "").replace("-----END CERTIFICATE-----", "")
            if not re.fullmatch(r"[A-Za-z0-9+/=\s]{100,}", body):
                raise self.error("idp.certificates", "each entry must be a PEM or base64 X.509 certificate")
        return tuple(values)

    def policy(self, session: Mapping[str, Any]) -> SessionPolicy:
        fraction = session.get("refresh_after_fraction")
        if not isinstance(fraction, int | float) or isinstance(fraction, bool):
            raise self.error("session.refresh_after_fraction", "must be a number between 0 and 1")
        try:
            return SessionPolicy(
                idle_seconds=self.integer(session, "idle_seconds", 60, 86400, "session."),
                absolute_seconds=self.integer(session, "absolute_seconds", 60, 7 * 86400, "session."),
                refresh_after_fraction=float(fraction),
            )
        except ValueError as error:
            raise self.error("session", str(error)) from None

    def key_ring(self, keys: Mapping[str, Any]) -> KeyRing:
        previous = keys.get("previous", [])
        if not isinstance(previous, list):
            raise self.error("cookie_keys.previous", "must be a list of keys")
        try:
            return KeyRing(
                current=self._key(keys.get("current"), "cookie_keys.current"),
                previous=tuple(self._key(item, f"cookie_keys.previous[{n}]") for n, item in enumerate(previous)),
            )
        except ValueError as error:
            raise self.error("cookie_keys", str(error)) from None

    def _key(self, value: Any, key: str) -> SigningKey:
        if not isinstance(value, dict):
            raise self.error(key, "must be an object with id and secret")
        try:
            return SigningKey.from_text(self.text(value, "id", key + "."), self.text(value, "secret", key + "."))
        except ValueError as error:
            raise self.error(key, str(error)) from None


def parse_key_ring(document: Any, source: str) -> KeyRing:
    """A ``{"current": {"id", "secret"}, "previous": [...]}`` document, as in ``cookie_keys``."""
    reader = _Reader(source)
    if not isinstance(document, dict):
        raise reader.error("(top level)", "must be a JSON object with current and previous keys")
    return reader.key_ring(document)
