"""The clients of the configured systems, built once from config.json with nothing called yet."""

from __future__ import annotations

from dataclasses import dataclass

from ccm.channels.secrets import ParameterSecrets, Secrets
from ccm.integrations.credentials import JiraAuth, ServiceNowAuth
from ccm.integrations.http import Http, RequestsHttp
from ccm.integrations.jira import JiraClient
from ccm.integrations.servicenow import ServiceNowClient
from ccm.integrations_config import IntegrationsConfig


@dataclass(frozen=True)
class Clients:
    servicenow: ServiceNowClient | None
    jira: JiraClient | None

    @property
    def any(self) -> bool:
        return self.servicenow is not None or self.jira is not None


def build_clients(config: IntegrationsConfig, *, secrets: Secrets | None = None, http: Http | None = None) -> Clients:
    secrets = secrets or ParameterSecrets()
    http = http or RequestsHttp()
    servicenow = jira = None
    if config.servicenow is not None:
        servicenow = ServiceNowClient(config.servicenow, ServiceNowAuth(config.servicenow, secrets, http), http)
    if config.jira is not None:
        jira = JiraClient(config.jira, JiraAuth(config.jira, secrets), http)
    return Clients(servicenow=servicenow, jira=jira)
