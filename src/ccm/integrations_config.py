"""config.json's ``integrations``: the ServiceNow instance and the Jira site a change's tickets live in.

Kept apart from :mod:`ccm.config` (which only hooks it in) because it is one feature's settings. Credentials are
never here: only the names of the SSM SecureString parameters that hold them, which exactly the functions that
talk to the other system may read.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_SSM_NAME = re.compile(r"^/?[a-zA-Z0-9_.\-/]{1,1011}$")

TICKET_EVENTS = ("submitted", "approved", "completed", "cancelled")
"""The transitions a ticket follows (a work note on ServiceNow, a comment on Jira)."""
TicketEvent = Literal["submitted", "approved", "completed", "cancelled"]


def _followed() -> list[TicketEvent]:
    return ["approved", "completed", "cancelled"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


def _https_base(value: str, key: str) -> str:
    parts = urlsplit(value)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError(f"{key} must be an https:// address (plain http only for a local stand-in on the loopback)")
    if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(f"{key} must be a plain address such as https://example.service-now.com, without credentials")
    return value.rstrip("/")


def _parameter(value: str | None) -> str | None:
    if value is not None and not _SSM_NAME.match(value):
        raise ValueError(f"{value!r} is not an SSM parameter name")
    return value


class ServiceNowStates(_Model):
    """The instance's ``change_request.state`` value for each ccm status (the standard change model's numbers)."""

    approved: str = Field(default="-2", description="State of an approved change (default -2, Scheduled).")
    completed: str = Field(
        default="0", description="State a completed change passes through (default 0, Review) before closed."
    )
    closed: str = Field(
        default="3", description="State of a completed change once its close code is set (default 3, Closed)."
    )
    cancelled: str = Field(default="4", description="State of a cancelled change (default 4, Canceled).")


class ServiceNowCloseCodes(_Model):
    """The instance's ``close_code`` for each outcome recorded when a change is completed."""

    successful: str = Field(default="successful", description="Close code of a successful change.")
    successful_with_issues: str = Field(
        default="successful_issues", description="Close code of a change completed with issues."
    )
    rolled_back: str = Field(default="unsuccessful", description="Close code of a change that was rolled back.")
    failed: str = Field(default="unsuccessful", description="Close code of a change that failed.")


class ServiceNowConfig(_Model):
    """A ServiceNow instance reached through its Table API (docs, "ServiceNow and Jira")."""

    instance_url: str = Field(description="Address of the instance, e.g. https://example.service-now.com.")
    username_parameter: str | None = Field(
        default=None,
        description="SSM SecureString parameter holding the integration user's name (basic authentication).",
        json_schema_extra={"pattern": _SSM_NAME.pattern},
    )
    password_parameter: str | None = Field(
        default=None,
        description="SSM SecureString parameter holding that user's password.",
        json_schema_extra={"pattern": _SSM_NAME.pattern},
    )
    client_id_parameter: str | None = Field(
        default=None,
        description="SSM SecureString parameter holding an OAuth client id (client credentials grant), instead of a "
        "user name and password.",
        json_schema_extra={"pattern": _SSM_NAME.pattern},
    )
    client_secret_parameter: str | None = Field(
        default=None,
        description="SSM SecureString parameter holding that OAuth client's secret.",
        json_schema_extra={"pattern": _SSM_NAME.pattern},
    )
    create_change_requests: bool = Field(
        default=False,
        description="Create a normal change request for a change submitted without a ServiceNow number.",
    )
    assignment_group: str | None = Field(
        default=None, max_length=100, description="sys_id or name of the group the created change requests go to."
    )
    validate_ticket_numbers: bool = Field(
        default=False,
        description="Check on submit that the ServiceNow number a change names exists (an unknown one is refused; "
        "an unreachable instance only records a warning).",
    )
    follow_events: list[TicketEvent] = Field(
        default_factory=_followed,
        description="Transitions that update the change request's state and add a work note: "
        + ", ".join(TICKET_EVENTS)
        + ".",
    )
    states: ServiceNowStates = Field(
        default_factory=ServiceNowStates, description="ccm status to change_request state value."
    )
    close_codes: ServiceNowCloseCodes = Field(
        default_factory=ServiceNowCloseCodes, description="Change outcome to close_code."
    )

    @field_validator("instance_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _https_base(value, "instance_url")

    @field_validator("username_parameter", "password_parameter", "client_id_parameter", "client_secret_parameter")
    @classmethod
    def _parameter_name(cls, value: str | None) -> str | None:
        return _parameter(value)

    @model_validator(mode="after")
    def _one_credential(self) -> ServiceNowConfig:
        basic = (self.username_parameter, self.password_parameter)
        oauth = (self.client_id_parameter, self.client_secret_parameter)
        complete = [pair for pair in (basic, oauth) if all(pair)]
        partial = [pair for pair in (basic, oauth) if any(pair) and not all(pair)]
        if partial or len(complete) != 1:
            raise ValueError(
                "give either username_parameter and password_parameter, or client_id_parameter and "
                "client_secret_parameter"
            )
        return self

    @property
    def parameters(self) -> list[str]:
        names = (
            self.username_parameter,
            self.password_parameter,
            self.client_id_parameter,
            self.client_secret_parameter,
        )
        return [name for name in names if name]


class JiraConfig(_Model):
    """A Jira Cloud site reached through its REST API v3 (docs, "ServiceNow and Jira")."""

    base_url: str = Field(description="Address of the site, e.g. https://example.atlassian.net.")
    email: str = Field(
        min_length=3, max_length=254, description="Atlassian account the API token belongs to (basic authentication)."
    )
    api_token_parameter: str = Field(
        description="SSM SecureString parameter holding that account's API token.",
        json_schema_extra={"pattern": _SSM_NAME.pattern},
    )
    validate_issue_keys: bool = Field(
        default=False,
        description="Check on submit that the Jira key a change names exists (an unknown one is refused; an "
        "unreachable site only records a warning).",
    )
    comment_on: list[TicketEvent] = Field(
        default_factory=_followed,
        description="Transitions that add a comment to the linked issue: " + ", ".join(TICKET_EVENTS) + ".",
    )

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _https_base(value, "base_url")

    @field_validator("api_token_parameter")
    @classmethod
    def _parameter_name(cls, value: str) -> str:
        checked = _parameter(value)
        assert checked is not None
        return checked

    @property
    def parameters(self) -> list[str]:
        return [self.api_token_parameter]


class IntegrationsConfig(_Model):
    """The other systems a change's tickets live in; each is optional and never in a change's critical path."""

    servicenow: ServiceNowConfig | None = Field(default=None, description="The ServiceNow instance, if any.")
    jira: JiraConfig | None = Field(default=None, description="The Jira Cloud site, if any.")

    @property
    def parameters(self) -> list[str]:
        """Every SSM parameter the integrations read (the functions that talk to them may read exactly these)."""
        names: list[str] = []
        for system in (self.servicenow, self.jira):
            if system is not None:
                names.extend(system.parameters)
        return names
