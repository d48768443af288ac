"""Shared by the edge sign-in tests: a development IdP, the edge configuration that trusts it, CloudFront events."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest

from ccm.config import load_config
from ccm.devidp.keys import SigningMaterial
from ccm.devidp.provider import DemoUser, DevIdentityProvider, ServiceProvider, demo_users
from ccm.edge.config_builder import build_edge_config
from ccm.edge.edge_config import EdgeConfig
from ccm.edge.session import KeyRing, Session, SessionCookie, SigningKey, TokenSigner
from ccm.storage.table import create_table_arguments
from tests.conftest import CONFIG_PATH, EVENTS, TABLE

PUBLIC = "https://ccm.example.com"
IDP_BASE = "https://idp.example.com"
CURRENT_KEY = SigningKey("current", b"c" * 32)
PREVIOUS_KEY = SigningKey("previous", b"p" * 32)
RETIRED_KEY = SigningKey("retired", b"r" * 32)


@pytest.fixture(scope="session")
def idp_material(tmp_path_factory: pytest.TempPathFactory) -> SigningMaterial:
    return SigningMaterial.load_or_create(tmp_path_factory.mktemp("devidp"))


@pytest.fixture(scope="session")
def stranger_material() -> SigningMaterial:
    """A key pair of somebody who is not the configured identity provider."""
    return SigningMaterial.generate("attacker")


@pytest.fixture(scope="session")
def dev_idp(idp_material: SigningMaterial) -> DevIdentityProvider:
    service_provider = ServiceProvider(PUBLIC, PUBLIC + "/saml/acs", PUBLIC + "/saml/sls")
    users = demo_users(load_config(CONFIG_PATH).authorization)
    return DevIdentityProvider(idp_material, IDP_BASE, service_provider, users)


@pytest.fixture(scope="session")
def edge_config(dev_idp: DevIdentityProvider) -> EdgeConfig:
    return make_edge_config(dev_idp)


def make_edge_config(dev_idp: DevIdentityProvider, **options: Any) -> EdgeConfig:
    keys = options.pop("keys", KeyRing(CURRENT_KEY, (PREVIOUS_KEY,)))
    return build_edge_config(
        load_config(CONFIG_PATH), dev_idp.settings, keys, replay_table=TABLE, replay_region="us-east-1", **options
    )


def user(idp: DevIdentityProvider, role: str) -> DemoUser:
    return next(candidate for candidate in idp.users if candidate.email.startswith(role + "@"))


# CloudFront events ----------------------------------------------------------------------------------------


def _event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def viewer_event(
    uri: str = "/my-changes.html",
    querystring: str = "",
    *,
    method: str = "GET",
    cookies: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
    api: bool = False,
) -> dict[str, Any]:
    """A viewer-request event as CloudFront sends it: a page navigation, or with ``api`` a JSON fetch."""
    event = _event("cloudfront_viewer_request_api.json" if api else "cloudfront_viewer_request.json")
    request = event["Records"][0]["cf"]["request"]
    request.update(uri=uri, querystring=querystring, method=method)
    for cookie in cookies:
        request["headers"].setdefault("cookie", []).append({"key": "Cookie", "value": cookie})
    for name, value in (headers or {}).items():
        request["headers"].setdefault(name.lower(), []).append({"key": name, "value": value})
    return event


def origin_event(
    uri: str,
    *,
    method: str = "GET",
    querystring: str = "",
    form: dict[str, str] | None = None,
    cookies: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An origin-request event for ``/saml/*`` (with the posted form base64-encoded, as CloudFront does)."""
    event = _event("cloudfront_origin_request_saml.json")
    request = event["Records"][0]["cf"]["request"]
    request.update(uri=uri, querystring=querystring, method=method)
    request["body"]["data"] = base64.b64encode(urlencode(form or {}).encode("ascii")).decode("ascii")
    if cookies:
        request["headers"]["cookie"] = [{"key": "Cookie", "value": "; ".join(cookies)}]
    return event


def header(message: dict[str, Any], name: str) -> list[str]:
    return [entry["value"] for entry in message.get("headers", {}).get(name.lower(), [])]


def cookie_pair(set_cookie: str) -> str:
    """``NAME=value`` of a ``Set-Cookie`` header, as a browser would send it back."""
    return set_cookie.split(";", 1)[0]


def set_cookie_named(response: dict[str, Any], name: str) -> str:
    matches = [value for value in header(response, "set-cookie") if value.startswith(name + "=")]
    assert len(matches) == 1, header(response, "set-cookie")
    return matches[0]


def location_query(response: dict[str, Any]) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(header(response, "location")[0]).query).items()}


def session_cookie(
    email: str = "approver@example.com",
    groups: tuple[str, ...] = ("ccm-approvers",),
    *,
    issued_ago: int = 60,
    started_ago: int | None = None,
    lifetime: int = 3600,
    key: SigningKey = CURRENT_KEY,
) -> str:
    """``__Host-SAML_SESSION=...`` signed with ``key`` and timed relative to now."""
    session = _session(email, groups, issued_ago, started_ago, lifetime)
    return f"__Host-SAML_SESSION={SessionCookie(KeyRing(key)).encode(session)}"


def legacy_session_cookie(
    email: str = "approver@example.com", groups: tuple[str, ...] = ("ccm-approvers",), *, issued_ago: int = 60
) -> str:
    """``SAML_SESSION=...`` as the release before the ``__Host-`` names issued it (another signing purpose)."""
    session = _session(email, groups, issued_ago, None, 3600)
    return f"SAML_SESSION={TokenSigner(KeyRing(CURRENT_KEY), 'session').sign(session.to_payload())}"


def _session(email: str, groups: tuple[str, ...], issued_ago: int, started_ago: int | None, lifetime: int) -> Session:
    now = int(time.time())
    issued = now - issued_ago
    started = now - (started_ago if started_ago is not None else issued_ago)
    return Session(email, groups, issued, started, issued + lifetime)


# Handlers -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of the Lambda context object that Powertools reads."""

    function_name: str = "us-east-1.ccm-edge-saml"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:ccm-edge-saml:3"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"


CONTEXT = LambdaContext()


@pytest.fixture
def edge_app(edge_config: EdgeConfig) -> Iterator[ModuleType]:
    """``functions/edge_auth/app.py`` reading the test configuration instead of a baked file."""
    from functions.edge_auth import app

    app.use_config(edge_config)
    yield app
    app.use_config(app.CONFIG_PATH)


@pytest.fixture
def replay_table(aws: None) -> str:
    boto3.client("dynamodb", region_name="us-east-1").create_table(**create_table_arguments(TABLE))
    return TABLE


@pytest.fixture
def saml_app(replay_table: str, edge_app: ModuleType) -> ModuleType:
    """The SAML handler wired to the emulated DynamoDB table (its client is made under the emulator)."""
    return edge_app


@dataclass
class LogLines:
    records: list[logging.LogRecord] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        return [record.getMessage() for record in self.records]

    def containing(self, text: str) -> list[str]:
        return [message for message in self.messages if text in message]


class _Collector(logging.Handler):
    def __init__(self, lines: LogLines) -> None:
        super().__init__(logging.DEBUG)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.records.append(record)


@pytest.fixture
def edge_log() -> Iterator[LogLines]:
    """Log lines of the gatekeeper (``ccm.edge``) and of the SAML handler's Powertools logger."""
    from functions.edge_auth.app import SERVICE

    lines = LogLines()
    collector = _Collector(lines)
    loggers = [logging.getLogger("ccm.edge"), logging.getLogger(SERVICE)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(collector)
        logger.setLevel(logging.INFO)
    yield lines
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(collector)
        logger.setLevel(level)


# SAML flows -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartedLogin:
    request_id: str
    relay_state: str
    cookie: str
    response: dict[str, Any]


def start_login(app: ModuleType, idp: DevIdentityProvider, next_path: str = "/") -> StartedLogin:
    """``GET /saml/login?next=...`` through the handler, as the gatekeeper's redirect makes the browser do."""
    response = app.saml_handler(origin_event("/saml/login", querystring=urlencode({"next": next_path})), CONTEXT)
    assert response["status"] == "302", response
    query = location_query(response)
    request = idp.read_authn_request(query["SAMLRequest"])
    return StartedLogin(
        request.request_id,
        query["RelayState"],
        cookie_pair(set_cookie_named(response, "__Host-SAML_REQUEST")),
        response,
    )


def post_acs(
    app: ModuleType, saml_response: str, relay_state: str | None = "/", cookies: tuple[str, ...] = ()
) -> dict[str, Any]:
    form = {"SAMLResponse": saml_response}
    if relay_state is not None:
        form["RelayState"] = relay_state
    result: dict[str, Any] = app.saml_handler(
        origin_event("/saml/acs", method="POST", form=form, cookies=cookies), CONTEXT
    )
    return result
