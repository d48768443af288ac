"""Everything the Graph client needs before its first call: where Graph is, its secrets, an access token.

* Where: ``config.json`` ``graph_config`` (``authority_host``, ``graph_base_url``); ``CCM_GRAPH_AUTHORITY_HOST`` and
  ``CCM_GRAPH_BASE_URL`` override them (the local stack points them at its own HTTPS server), and
  ``CCM_GRAPH_CA_BUNDLE`` names a CA file to trust instead of the system's.
* Secrets: tenant id, client id and client secret are SSM SecureString parameters named in ``graph_config``,
  read once per cold start (on first use, never at import).
* Token: msal's client-credentials flow, whose in-memory cache hands out the same token until shortly before it
  expires.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import requests
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ccm.aws.clients import RETRY_CONFIG
from ccm.config import AppConfig
from ccm.errors import CcmError
from ccm.meetings.port import MeetingError

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

    from ccm.meetings.graph import GraphMeetings

HTTP_TIMEOUT_SECONDS = 30.0


class GraphNotConfigured(CcmError):
    """Teams meetings need ``graph_config`` in config.json and its three SSM parameters."""


class GraphSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    authority_host: str
    graph_base_url: str
    ca_bundle: str | None = None
    tenant_id_parameter: str
    client_id_parameter: str
    client_secret_parameter: str
    organizer: str

    @field_validator("authority_host", "graph_base_url")
    @classmethod
    def _https(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError(f"{value!r} must be an https:// URL (msal and Graph refuse anything else)")
        return value.rstrip("/")

    @classmethod
    def resolve(cls, config: AppConfig, environ: Mapping[str, str] | None = None) -> GraphSettings | None:
        """The settings, or ``None`` when config.json has no ``graph_config`` (no Teams meetings)."""
        environ = os.environ if environ is None else environ
        graph = config.graph_config
        if graph is None:
            return None
        try:
            return cls(
                authority_host=environ.get("CCM_GRAPH_AUTHORITY_HOST") or graph.authority_host,
                graph_base_url=environ.get("CCM_GRAPH_BASE_URL") or graph.graph_base_url,
                ca_bundle=environ.get("CCM_GRAPH_CA_BUNDLE") or None,
                tenant_id_parameter=graph.tenant_id_parameter,
                client_id_parameter=graph.client_id_parameter,
                client_secret_parameter=graph.client_secret_parameter,
                organizer=config.email_config.meeting_organizer,
            )
        except ValidationError as error:
            reasons = "; ".join(item["msg"].removeprefix("Value error, ") for item in error.errors(include_url=False))
            raise GraphNotConfigured(f"Graph settings (graph_config, CCM_GRAPH_*): {reasons}") from None

    @property
    def scope(self) -> str:
        """Graph's application permissions are requested as ``<resource>/.default``."""
        parts = urlsplit(self.graph_base_url)
        return f"{parts.scheme}://{parts.netloc}/.default"


def graph_session(ca_bundle: str | None = None) -> requests.Session:
    """A session for Graph; with ``ca_bundle`` it trusts that CA file and nothing from the environment.

    requests lets ``REQUESTS_CA_BUNDLE`` override a session's ``verify`` unless ``trust_env`` is off, so a
    deliberate CA file needs both settings.
    """
    session = requests.Session()
    if ca_bundle:
        session.verify = ca_bundle
        session.trust_env = False
    return session


@dataclass(frozen=True)
class GraphCredentials:
    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)


class SsmGraphSecrets:
    """The three SecureString parameters, read in one call on first use and kept for the life of the process."""

    def __init__(self, settings: GraphSettings, ssm: SSMClient | None = None) -> None:
        self.settings = settings
        self._ssm = ssm
        self._credentials: GraphCredentials | None = None
        self._lock = threading.Lock()

    def credentials(self) -> GraphCredentials:
        with self._lock:
            if self._credentials is None:
                self._credentials = self._read()
            return self._credentials

    def _read(self) -> GraphCredentials:
        ssm = self._ssm or boto3.client("ssm", config=RETRY_CONFIG)
        names = {
            "tenant_id": self.settings.tenant_id_parameter,
            "client_id": self.settings.client_id_parameter,
            "client_secret": self.settings.client_secret_parameter,
        }
        response = ssm.get_parameters(Names=list(names.values()), WithDecryption=True)
        values = {item["Name"]: item.get("Value", "") for item in response.get("Parameters", [])}
        missing = sorted(name for name in names.values() if not values.get(name, "").strip())
        if missing:
            raise GraphNotConfigured(
                f"the Graph credentials are missing from SSM Parameter Store: {', '.join(missing)}"
            )
        return GraphCredentials(**{key: values[name].strip() for key, name in names.items()})


class MsalTokens:
    """Application access tokens for Graph (client-credentials flow), cached by msal until they expire."""

    def __init__(self, settings: GraphSettings, secrets: SsmGraphSecrets, session: requests.Session) -> None:
        self.settings = settings
        self.secrets = secrets
        self.session = session
        self._app: Any = None
        self._lock = threading.Lock()

    def _application(self) -> Any:
        import msal

        if self._app is None:
            credentials = self.secrets.credentials()
            try:
                # The authority comes from configuration, not from a user: there is nothing to validate against
                # Microsoft's list of clouds, and a local authority (127.0.0.1) must not be sent there.
                self._app = msal.ConfidentialClientApplication(
                    credentials.client_id,
                    client_credential=credentials.client_secret,
                    authority=f"{self.settings.authority_host}/{credentials.tenant_id}",
                    http_client=self.session,
                    instance_discovery=False,
                    timeout=HTTP_TIMEOUT_SECONDS,
                )
            except (ValueError, requests.RequestException) as error:
                raise MeetingError(f"cannot reach the Graph sign-in authority: {error}") from None
        return self._app

    def token(self) -> str:
        with self._lock:
            application = self._application()
            try:
                result = application.acquire_token_for_client(scopes=[self.settings.scope])
            except requests.RequestException as error:
                raise MeetingError(f"cannot reach the Graph token endpoint: {error}") from None
        answer: dict[str, Any] = result if isinstance(result, dict) else {}
        token = answer.get("access_token")
        if not token:
            code = str(answer.get("error") or "no_token")
            description = str(answer.get("error_description") or "")
            # A wrong secret or tenant will not fix itself on a retry; an outage will.
            retryable = code not in {"invalid_client", "unauthorized_client", "invalid_scope", "invalid_request"}
            raise MeetingError(f"Graph sign-in failed: {code}: {description}".rstrip(": "), retryable=retryable)
        return str(token)


def build_graph_meetings(
    config: AppConfig,
    *,
    environ: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    ssm: SSMClient | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> GraphMeetings | None:
    """The Graph meeting adapter from configuration, or ``None`` without ``graph_config``. Calls nothing yet."""
    from ccm.meetings.graph import GraphMeetings

    settings = GraphSettings.resolve(config, environ)
    if settings is None:
        return None
    session = session or graph_session(settings.ca_bundle)
    tokens = MsalTokens(settings, SsmGraphSecrets(settings, ssm), session)
    return GraphMeetings(settings.organizer, tokens.token, session, settings.graph_base_url, sleep=sleep)
