"""The ``Authorization`` header of each system, from the SSM SecureString parameters config.json names.

ServiceNow: basic authentication with an integration user, or an OAuth access token from the instance's
``/oauth_token.do`` (client credentials grant), kept until a minute before it expires. Jira Cloud: basic
authentication with the account's e-mail address and an API token. No value read here is ever logged or put in an
error's text.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable

from ccm.channels.secrets import Secrets
from ccm.integrations.http import Http, require
from ccm.integrations_config import JiraConfig, ServiceNowConfig

TOKEN_MARGIN_SECONDS = 60.0


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class ServiceNowAuth:
    def __init__(
        self,
        config: ServiceNowConfig,
        secrets: Secrets,
        http: Http,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.secrets = secrets
        self.http = http
        self.clock = clock
        self._token: tuple[float, str] | None = None
        self._lock = threading.Lock()

    def header(self) -> str:
        config = self.config
        if config.username_parameter and config.password_parameter:
            return basic(self.secrets.value(config.username_parameter), self.secrets.value(config.password_parameter))
        with self._lock:
            if self._token is not None and self.clock() < self._token[0]:
                return self._token[1]
        assert config.client_id_parameter and config.client_secret_parameter  # the configuration requires a pair
        answer = require(
            "ServiceNow",
            self.http.request(
                "POST",
                f"{config.instance_url}/oauth_token.do",
                headers={},
                form={
                    "grant_type": "client_credentials",
                    "client_id": self.secrets.value(config.client_id_parameter),
                    "client_secret": self.secrets.value(config.client_secret_parameter),
                },
            ),
        )
        document = answer.json() or {}
        token = str(document.get("access_token") or "")
        if not token:
            raise ValueError("ServiceNow's token endpoint answered without an access_token")
        lifetime = float(document.get("expires_in") or 0)
        header = f"Bearer {token}"
        with self._lock:
            self._token = (self.clock() + max(0.0, lifetime - TOKEN_MARGIN_SECONDS), header)
        return header


class JiraAuth:
    def __init__(self, config: JiraConfig, secrets: Secrets) -> None:
        self.config = config
        self.secrets = secrets

    def header(self) -> str:
        return basic(self.config.email, self.secrets.value(self.config.api_token_parameter))
