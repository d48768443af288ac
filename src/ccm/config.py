"""The two configuration files, as validated models.

``config.json`` describes the customers (each with its own SES account reached by an assumed role), the
sender, the portal and who may do what. ``SESConfig.json`` describes the SES topics every customer's contact
list carries. A broken file raises :class:`ConfigError` naming the file, the key path and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from ccm.durations import format_duration, parse_duration
from ccm.errors import ConfigError, UnknownCustomer
from ccm.integrations_config import IntegrationsConfig
from ccm.jsonfile import read_json

SES_EVENTS_TOPIC = "ccm-ses-events"
"""The SNS topic each customer's configuration set publishes its SES events to (unless the customer names one)."""
MAX_TOPICS_PER_LIST = 20
"""SES v2 allows at most 20 topics in a contact list."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]+$")
_SQS_ARN = re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]+$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


def _email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def _role_arn(value: str) -> str:
    if not _ROLE_ARN.match(value):
        raise ValueError(f"{value!r} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)")
    return value


def _region(value: str) -> str:
    if not _REGION.match(value):
        raise ValueError(f"{value!r} is not an AWS region")
    return value


# The JSON Schemas (``ccm config schema``) carry the shapes too, so an editor flags a bad value as it is typed.
Email = Annotated[str, AfterValidator(_email), WithJsonSchema({"type": "string", "pattern": _EMAIL.pattern})]
RoleArn = Annotated[str, AfterValidator(_role_arn), WithJsonSchema({"type": "string", "pattern": _ROLE_ARN.pattern})]
Region = Annotated[str, AfterValidator(_region), WithJsonSchema({"type": "string", "pattern": _REGION.pattern})]


def _duration(value: str) -> str:
    return format_duration(parse_duration(value))


Duration = Annotated[str, AfterValidator(_duration)]
"""An ISO 8601 duration (``P1D``, ``PT1H``), kept in its canonical spelling."""
DEFAULT_REMINDERS = ("P1D",)


def _offsets(values: list[str]) -> list[str]:
    return sorted(set(values), key=parse_duration, reverse=True)


class _Model(BaseModel):
    # Unknown keys are tolerated, as the original did, so one file can serve older and newer releases.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


CHANNEL_EVENTS = ("approval_request", "approved", "updated", "rescheduled", "reminder", "completed", "cancelled")
"""The customer notices a channel may carry (the email events customers receive; never a requester's own mail)."""
ChannelEvent = Literal["approval_request", "approved", "updated", "rescheduled", "reminder", "completed", "cancelled"]
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
_SSM_NAME = re.compile(r"^/?[a-zA-Z0-9_.\-/]{1,1011}$")


class ChannelConfig(_Model):
    """One chat channel or webhook of a customer: where its events are posted (docs, "Channels")."""

    name: str = Field(
        description="Name of the channel within the customer, 1-48 lower-case letters, digits or '-'; it keys the "
        "delivery ledger, so renaming a channel posts its events again.",
        json_schema_extra={"pattern": _CHANNEL_NAME.pattern},
    )
    type: Literal["teams", "slack", "webhook"] = Field(
        description="teams: a Microsoft Teams Workflows webhook (an Adaptive Card); slack: a Slack incoming webhook "
        "(Block Kit); webhook: any HTTPS endpoint (a CloudEvents 1.0 JSON event signed per Standard Webhooks)."
    )
    url_parameter: str = Field(
        description="SSM SecureString parameter holding the URL to post to (a chat webhook's URL is a secret); the "
        "backend may read exactly the parameters config.json names.",
        json_schema_extra={"pattern": _SSM_NAME.pattern},
    )
    events: list[ChannelEvent] = Field(
        min_length=1, description="The events posted to this channel: " + ", ".join(CHANNEL_EVENTS) + "."
    )
    secret_parameter: str | None = Field(
        default=None,
        description="SSM SecureString parameter holding the Standard Webhooks signing secret (whsec_...); required "
        "for type webhook, not used by teams and slack.",
        json_schema_extra={"pattern": _SSM_NAME.pattern},
    )

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not _CHANNEL_NAME.match(value):
            raise ValueError(f"{value!r} must be 1-48 lower-case letters, digits or '-'")
        return value

    @field_validator("url_parameter", "secret_parameter")
    @classmethod
    def _parameter_name(cls, value: str | None) -> str | None:
        if value is not None and not _SSM_NAME.match(value):
            raise ValueError(f"{value!r} is not an SSM parameter name")
        return value

    @field_validator("events")
    @classmethod
    def _distinct_events(cls, values: list[ChannelEvent]) -> list[ChannelEvent]:
        return list(dict.fromkeys(values))

    @model_validator(mode="after")
    def _signing(self) -> ChannelConfig:
        if self.type == "webhook" and self.secret_parameter is None:
            raise ValueError(f"channel {self.name!r} is a webhook and needs a secret_parameter to sign its posts")
        if self.type != "webhook" and self.secret_parameter is not None:
            raise ValueError(
                f"channel {self.name!r} is a {self.type} channel, whose posts are not signed: remove secret_parameter"
            )
        return self


class CustomerMapping(_Model):
    """One customer: its own AWS account, reached through an assumed role, with its SES contact list."""

    customer_code: str = Field(
        description="Short code of the customer, 1-32 lower-case letters, digits or '-'; must equal its key in "
        "customer_mappings. It names the customer's S3 prefix, queue and contact list.",
        json_schema_extra={"pattern": _CODE.pattern},
    )
    customer_name: str = Field(description="Display name shown in the portal and in emails.")
    environment: str = Field(default="prod", description="Label of the customer's environment (prod, nonprod, ...).")
    tags: list[str] = Field(
        default_factory=list,
        max_length=20,
        description='Labels the portal\'s customer picker filters and selects by (e.g. "retail", "eu", '
        "\"tier-1\"): 1-32 lower-case letters, digits or '-' each.",
    )
    region: Region = Field(default="us-east-1", description="AWS region of the customer's SES.")
    ses_role_arn: RoleArn = Field(
        description="IAM role in the customer's own account that ccm assumes to send email and manage the "
        "contact list; its account is the customer's SES account."
    )
    identity_center_role_arn: RoleArn | None = Field(
        default=None,
        description="Role the contact import assumes to read the customer's IAM Identity Center users and groups; "
        "without it the customer's contacts are not imported.",
    )
    identity_center_region: Region | None = Field(
        default=None, description="Home region of the customer's Identity Center; defaults to region."
    )
    alt_contact_role_arn: RoleArn | None = Field(
        default=None,
        description="Role in the customer's organization management account for alternate contacts; defaults to "
        "alt_contact_role_name in the account of identity_center_role_arn.",
    )
    sqs_queue_arn: str | None = Field(
        default=None,
        description="The customer's trigger queue, where the stack does not name its queues after itself "
        "(CCM_TRIGGER_QUEUE_PREFIX, <stack>-trigger-<customer_code> in a deployment): the router forwards the "
        "customer's triggers to it and `ccm s3-events validate` checks it. Default: the queue named "
        "ccm-<customer_code>, as the local stack creates it.",
        json_schema_extra={"pattern": _SQS_ARN.pattern},
    )
    deliverability_sns_topic_arn: str | None = Field(
        default=None,
        description="SNS topic that `ccm domain` makes the event destination of the customer's configuration "
        "set (bounces, complaints).",
    )
    configuration_set: str | None = Field(
        default=None,
        description="SES configuration set for this customer's sends; overrides email_config.configuration_set.",
    )
    restricted_recipients: list[Email] = Field(
        default_factory=list,
        description="Non-production failsafe: when not empty, nobody outside this list is ever mailed for the "
        "customer.",
    )
    uses_teams: bool = Field(
        default=True,
        description="False: this customer's calendar subscribers get ICS invites by email instead of a Teams meeting.",
    )
    reminders: list[Duration] | None = Field(
        default=None,
        max_length=10,
        description="This customer's reminder offsets before an approved change's window (e.g. [\"P3D\", "
        '"PT1H"]), instead of the top-level reminders; [] sends this customer none.',
    )
    channels: list[ChannelConfig] = Field(
        default_factory=list,
        max_length=20,
        description="Microsoft Teams, Slack and webhook channels that get this customer's events besides the emails "
        '(docs, "Channels").',
    )

    @field_validator("channels")
    @classmethod
    def _distinct_channels(cls, values: list[ChannelConfig]) -> list[ChannelConfig]:
        seen: set[str] = set()
        for channel in values:
            if channel.name in seen:
                raise ValueError(f"two channels are named {channel.name!r}; names must differ within a customer")
            seen.add(channel.name)
        return values

    def channel(self, name: str) -> ChannelConfig | None:
        return next((channel for channel in self.channels if channel.name == name), None)

    @field_validator("reminders")
    @classmethod
    def _own_reminders(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _offsets(values)

    @field_validator("tags")
    @classmethod
    def _tag_shapes(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _TAG.match(value):
                raise ValueError(f"tag {value!r} must be 1-32 lower-case letters, digits or '-'")
        return list(dict.fromkeys(values))

    @field_validator("customer_code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError(f"{value!r} must be 1-32 lower-case letters, digits or '-'")
        return value

    @field_validator("sqs_queue_arn")
    @classmethod
    def _queue_arn(cls, value: str | None) -> str | None:
        if value is not None and not _SQS_ARN.match(value):
            raise ValueError(f"{value!r} is not an SQS queue ARN")
        return value

    @property
    def account_id(self) -> str:
        match = _ROLE_ARN.match(self.ses_role_arn)
        assert match is not None  # guaranteed by validation
        return match.group(1)

    @property
    def ses_events_topic_arn(self) -> str:
        """The SNS topic in the customer's account that its configuration set publishes SES events to."""
        if self.deliverability_sns_topic_arn:
            return self.deliverability_sns_topic_arn
        partition = self.ses_role_arn.split(":", 2)[1]
        return f"arn:{partition}:sns:{self.region}:{self.account_id}:{SES_EVENTS_TOPIC}"

    def allows_recipient(self, address: str) -> bool:
        """The non-production failsafe: with an allow-list, nobody outside it is ever mailed."""
        if not self.restricted_recipients:
            return True
        wanted = address.strip().lower()
        return any(wanted == allowed.strip().lower() for allowed in self.restricted_recipients)


class EmailConfig(_Model):
    """The sender of every email and the sending domain's DNS set-up."""

    sender_address: Email = Field(description="From address of every email; its domain is verified in each SES.")
    meeting_organizer: Email = Field(
        description="Mailbox that organizes the Teams meetings (Microsoft Graph creates them in its calendar)."
    )
    portal_base_url: str = Field(
        description="Public address of the portal (https://host); links in emails and the sign-in's default "
        "public URL start with it.",
        json_schema_extra={"pattern": r"^https?://[^\s/]+"},
    )
    domain: str | None = Field(
        default=None, description="Sending domain that `ccm domain` verifies in SES and publishes in Route 53."
    )
    mail_from_subdomain: str | None = Field(
        default=None, description="Custom MAIL FROM subdomain (e.g. bounce) under domain, for SPF alignment."
    )
    dmarc_policy: Literal["none", "quarantine", "reject"] | None = Field(
        default=None, description="DMARC policy that `ccm domain` publishes for domain."
    )
    dmarc_report_email: str | None = Field(
        default=None, description="Address that receives DMARC aggregate reports (rua)."
    )
    configuration_set: str | None = Field(
        default=None, description="SES configuration set used for every send unless a customer names its own."
    )
    ses_events_queue_arn: str | None = Field(
        default=None,
        description=(
            "The queue that collects every customer's SES events (the stack's output SesEventsQueueArn); "
            "`ccm domain setup` subscribes it to each customer's events topic. Unset: events are not subscribed."
        ),
    )

    @field_validator("portal_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"{value!r} must start with http:// or https:// and name a host")
        return value.rstrip("/")


class S3Config(_Model):
    """The data bucket of the original configuration."""

    bucket_name: str = Field(
        description="Data bucket named in the original configuration; kept for compatibility, the functions "
        "and the CLI take the bucket from CCM_BUCKET."
    )


class Route53Config(_Model):
    """Where `ccm domain` writes the sending domain's DNS records."""

    zone_id: str = Field(description="Route 53 hosted zone id of the sending domain.")
    role_arn: RoleArn = Field(description="Role assumed to change records in that zone.")


class IdentityCenterConfig(_Model):
    """How the contact import reads each customer's Identity Center."""

    group_prefix: str = Field(
        default="ccoe-cloud-",
        description="Groups named <prefix><org>-<env>-<account id>-idp-<app>-<role> carry a role; others are ignored.",
    )
    requests_per_second: float = Field(
        default=9.0, gt=0, description="Identity Center API calls per second per customer (its quota is 10)."
    )


class ReportsConfig(_Model):
    """What the reports page and `ccm report` measure against."""

    notice_minimum_hours: int = Field(
        default=72,
        ge=0,
        le=24 * 365,
        description="The least notice, in hours, customers should get between the first email about a change and "
        "its window; reports list the changes that gave less.",
    )


class AuthorizationConfig(_Model):
    """Who may sign in and who may approve or administer."""

    allowed_email_domains: list[str] = Field(
        min_length=1, description="Email domains allowed to sign in and to be named as creators."
    )
    approver_group: str = Field(description="Identity-provider group whose members may approve.")
    admin_group: str = Field(description="Identity-provider group whose members may do everything.")
    allow_self_approval: bool = Field(
        default=False, description="True lets a creator approve their own change (the four-eyes rule off)."
    )

    @field_validator("allowed_email_domains")
    @classmethod
    def _domains(cls, values: list[str]) -> list[str]:
        cleaned = [value.strip().lower().lstrip("@") for value in values]
        for value in cleaned:
            if not re.match(r"^[a-z0-9.-]+\.[a-z]{2,}$", value):
                raise ValueError(f"{value!r} is not a domain name")
        return cleaned

    def email_allowed(self, email: str) -> bool:
        domain = email.rsplit("@", 1)[-1].strip().lower()
        return "@" in email and domain in self.allowed_email_domains


class GraphConfig(_Model):
    """Where the Microsoft Graph application's secrets live (SSM SecureString parameter names)."""

    tenant_id_parameter: str = Field(description="SSM parameter holding the Entra ID tenant id.")
    client_id_parameter: str = Field(description="SSM parameter holding the application (client) id.")
    client_secret_parameter: str = Field(description="SSM SecureString parameter holding the client secret.")
    authority_host: str = Field(
        default="https://login.microsoftonline.com", description="Entra ID sign-in host that issues the tokens."
    )
    graph_base_url: str = Field(
        default="https://graph.microsoft.com/v1.0", description="Microsoft Graph endpoint for the meetings."
    )


ALL_CUSTOMERS = "*"
"""In a freeze window's ``customers``: every customer of config.json, today's and those added later."""

_FREEZE_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$"
)
_FREEZE_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
_LOCAL_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


@dataclass(frozen=True)
class FreezeDuration:
    """An RFC 5545 duration: weeks and days are calendar days in the freeze's zone (a day across a DST change
    lasts 23 or 25 hours), hours and minutes are exact."""

    days: int
    seconds: int


def parse_freeze_duration(text: str) -> FreezeDuration:
    match = _FREEZE_DURATION.match(text.strip().upper())
    if match is None or text.strip().upper() in ("P", "PT"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as PT8H, P2D or P2DT14H")
    parts = {name: int(value or 0) for name, value in match.groupdict().items()}
    duration = FreezeDuration(
        days=parts["weeks"] * 7 + parts["days"], seconds=parts["hours"] * 3600 + parts["minutes"] * 60
    )
    if duration.days == 0 and duration.seconds == 0:
        raise ValueError(f"{text!r} is an empty duration")
    return duration


def _local_minute(value: str) -> str:
    text = value.strip()
    if not _LOCAL_MINUTE.match(text):
        raise ValueError(f"{value!r} must be a wall-clock time without offset, YYYY-MM-DDTHH:MM, in the freeze's zone")
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date and time") from None
    return text


LocalMinute = Annotated[str, AfterValidator(_local_minute)]


class FreezeWindow(_Model):
    """A period in which changes may not be submitted or approved for the customers it names (emergencies aside)."""

    name: str = Field(min_length=1, max_length=120, description="Shown in the calendar, the 409 answer and the feed.")
    reason: str = Field(default="", max_length=2000, description="Why nothing may change then.")
    customers: list[str] = Field(
        min_length=1, description='Customer codes of config.json, or ["*"] for every customer.'
    )
    timezone: str = Field(description="IANA zone in which start, end and the recurrence are wall-clock times.")
    start: LocalMinute = Field(
        description="Wall-clock start in the zone, YYYY-MM-DDTHH:MM; with rrule, the first occurrence (DTSTART)."
    )
    end: LocalMinute | None = Field(default=None, description="Wall-clock end of a one-off freeze (not with rrule).")
    rrule: str | None = Field(
        default=None, max_length=500, description="An iCalendar RRULE such as FREQ=WEEKLY;BYDAY=FR (needs duration)."
    )
    duration: str | None = Field(
        default=None, description="ISO 8601 length of each occurrence, e.g. PT8H or P2DT14H (with rrule)."
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone") from None
        return value

    @field_validator("customers")
    @classmethod
    def _codes(cls, values: list[str]) -> list[str]:
        cleaned = sorted({value.strip() for value in values})
        if ALL_CUSTOMERS in cleaned and len(cleaned) > 1:
            raise ValueError('"*" already means every customer; list codes or "*", not both')
        return cleaned

    @field_validator("rrule")
    @classmethod
    def _rule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip().removeprefix("RRULE:")
        if "DTSTART" in text.upper():
            raise ValueError("give the first occurrence as start, not DTSTART inside the rule")
        try:
            rule = rrulestr(text, dtstart=datetime(2000, 1, 1))
        except (ValueError, TypeError) as error:
            raise ValueError(f"{value!r} is not an iCalendar RRULE: {error}") from None
        parts = dict(part.partition("=")[::2] for part in text.upper().split(";"))
        if not isinstance(rule, rrule) or parts.get("FREQ") not in _FREEZE_FREQUENCIES:
            raise ValueError(f"{value!r}: a freeze recurs at most daily (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)")
        return text

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_freeze_duration(value)
        return value

    @model_validator(mode="after")
    def _one_shape(self) -> FreezeWindow:
        if self.rrule is not None:
            if self.duration is None:
                raise ValueError("a recurring freeze (rrule) needs a duration such as PT8H")
            if self.end is not None:
                raise ValueError("a recurring freeze has a duration, not an end")
        else:
            if self.end is None:
                raise ValueError("a one-off freeze needs an end (or give rrule and duration for a recurring one)")
            if self.duration is not None:
                raise ValueError("duration applies only with rrule; a one-off freeze has an end")
            if datetime.fromisoformat(self.end) <= datetime.fromisoformat(self.start):
                raise ValueError("end must be after start")
        return self

    @property
    def recurring(self) -> bool:
        return self.rrule is not None

    def applies_to(self, code: str) -> bool:
        return ALL_CUSTOMERS in self.customers or code in self.customers


class ChangeCalendarConfig(_Model):
    freeze_windows: list[FreezeWindow] = Field(
        default_factory=list, description="Freeze (blackout) windows: one-off or recurring, per customer."
    )


class ApproverGroupConfig(_Model):
    """A directory group that approves: its name in the sign-in assertion is the key of ``approval_policies.groups``."""

    label: str | None = Field(default=None, max_length=100, description="How the portal and the emails name the group")
    members: list[Email] | None = Field(
        default=None,
        description='Everyone in the group, when known; needed for `required: "all"` and to check that a '
        "requirement can be met at all",
    )


class RequirementConfig(_Model):
    """One requirement: this many distinct people from any of these groups must approve."""

    label: str = Field(min_length=1, max_length=100, description='What the checklist calls it, e.g. "CAB"')
    groups: list[str] = Field(min_length=1, description="Directory groups (as the sign-in assertion names them)")
    required: int | Literal["all"] = Field(
        default=1, description='Distinct approvers needed (1 to 100), or "all" for every member of the groups'
    )

    @field_validator("required", mode="before")
    @classmethod
    def _count_or_all(cls, value: Any) -> Any:
        if value == "all" or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100):
            return value
        raise ValueError(f'{value!r} is not a number of approvers from 1 to 100, nor "all"')


class ApprovalPolicies(_Model):
    """Which requirements an object must meet before it is approved (README, "Approvals").

    The base requirement applies when neither the change type nor the risk names any; every affected customer's own
    requirements come on top. An emergency change needs only the emergency requirement, then the normal ones after
    the fact. Without this section the behaviour is the original one: one member of the approver group.
    """

    groups: dict[str, ApproverGroupConfig] = Field(
        default_factory=dict, description="Approver groups by directory name, with their labels and members"
    )
    base: RequirementConfig | None = Field(
        default=None,
        description="The requirement when nothing else applies; default: one member of "
        "`authorization.approver_group` or `admin_group`",
    )
    change_types: dict[Literal["normal", "emergency"], list[RequirementConfig]] = Field(
        default_factory=dict,
        description="Requirements by change type; `emergency` replaces the default (one approver of the base "
        "groups). Standard changes are approved by their template",
    )
    risk: dict[Literal["low", "medium", "high"], list[RequirementConfig]] = Field(
        default_factory=dict, description="Requirements by a change's risk, e.g. two approvers of the CAB for high"
    )
    customers: dict[str, list[RequirementConfig]] = Field(
        default_factory=dict, description="Each customer's own requirements (e.g. its account owners)"
    )
    emergency_review_days: int = Field(
        default=5,
        ge=1,
        le=365,
        description="Days after an emergency approval within which the normal requirements must also be met",
    )

    def every_requirement(self) -> list[tuple[str, RequirementConfig]]:
        """Each configured requirement with the key path that names it."""
        found: list[tuple[str, RequirementConfig]] = []
        if self.base is not None:
            found.append(("base", self.base))
        for section, entries in (
            ("change_types", self.change_types),
            ("risk", self.risk),
            ("customers", self.customers),
        ):
            for key, requirements in entries.items():
                found.extend((f"{section}.{key}[{i}]", requirement) for i, requirement in enumerate(requirements))
        return found

    def group_names(self) -> list[str]:
        """Every group that approves something: those declared and those a requirement names."""
        names = set(self.groups)
        for _, requirement in self.every_requirement():
            names.update(requirement.groups)
        return sorted(names)

    def members_of(self, groups: Sequence[str]) -> frozenset[str] | None:
        """Everyone in ``groups`` (lower-cased), or ``None`` when any of them does not list its members."""
        members: set[str] = set()
        for name in groups:
            group = self.groups.get(name)
            if group is None or group.members is None:
                return None
            members.update(address.lower() for address in group.members)
        return frozenset(members)

    @model_validator(mode="after")
    def _can_be_evaluated(self) -> ApprovalPolicies:
        problems = []
        for path, requirement in self.every_requirement():
            members = self.members_of(requirement.groups)
            if requirement.required == "all":
                if members is None:
                    unknown = [
                        g for g in requirement.groups if (self.groups.get(g) or ApproverGroupConfig()).members is None
                    ]
                    problems.append(
                        f'{path}: required "all" needs the members of {", ".join(unknown)} '
                        "(approval_policies.groups.<name>.members)"
                    )
                elif not members:
                    problems.append(f'{path}: required "all" of groups without members can never be met')
            elif members is not None and requirement.required > len(members):
                problems.append(
                    f"{path}: requires {requirement.required} approvers but {', '.join(requirement.groups)} "
                    f"have only {len(members)} members"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class NudgeConfig(_Model):
    """Reminders to the requester that an approved change's window has ended and it is still open."""

    first_after: Duration = Field(
        default="PT1H", description="How long after the window's end the first nudge goes out (ISO 8601)."
    )
    every: Duration = Field(default="P1D", description="How long after each nudge the next one goes out (ISO 8601).")
    limit: int = Field(default=3, ge=0, le=10, description="At most this many nudges per change; 0 sends none.")


class FeedbackConfig(_Model):
    """Customers' ratings of a change or an announcement, asked for in its completion email."""

    enabled: bool = Field(
        default=True, description='Whether completion emails carry the five rating links (docs, "Customer feedback").'
    )
    store_recipient: bool = Field(
        default=False,
        description="Keep each answer's email address next to its rating; by default only a hash of it is kept.",
    )
    low_rating: int = Field(
        default=2,
        ge=0,
        le=5,
        description="Ratings at or below this one are emailed to the requester with the comment; 0 emails none.",
    )


class AppConfig(_Model):
    """config.json: the customers, the sender, the portal and who may do what."""

    aws_region: Region = Field(default="us-east-1", description="Region of the stack (bucket, table, queues).")
    log_level: str = Field(
        default="info",
        description="Kept for compatibility with the original file; the functions take their log level from "
        "the deployment (POWERTOOLS_LOG_LEVEL).",
    )
    s3_config: S3Config | None = Field(
        default=None, description="The data bucket, as the original file named it (see CCM_BUCKET)."
    )
    customer_mappings: dict[str, CustomerMapping] = Field(min_length=1, description="Every customer, by customer code.")
    contact_config: dict[str, str] = Field(
        default_factory=dict,
        description="Alternate contacts (security, billing, operations) that `ccm alt-contact` sets, by kind.",
    )
    email_config: EmailConfig = Field(description="Sender, portal address and sending domain.")
    route53_config: Route53Config | None = Field(
        default=None, description="Hosted zone for the sending domain's records (`ccm domain`)."
    )
    authorization: AuthorizationConfig = Field(description="Who may sign in, approve and administer.")
    graph_config: GraphConfig | None = Field(
        default=None, description="Microsoft Graph application for Teams meetings; none: no Teams meetings."
    )
    identity_center: IdentityCenterConfig = Field(
        default_factory=IdentityCenterConfig, description="How the contact import reads Identity Center."
    )
    alt_contact_role_name: str = Field(
        default="ccm-alt-contact-manager",
        description="Role name assumed for alternate contacts when a customer has no alt_contact_role_arn.",
    )
    change_calendar: ChangeCalendarConfig = Field(
        default_factory=ChangeCalendarConfig, description="The change calendar: freeze windows."
    )
    reports: ReportsConfig = Field(
        default_factory=ReportsConfig, description="Thresholds of the reports page and of `ccm report`."
    )
    approval_policies: ApprovalPolicies = Field(
        default_factory=ApprovalPolicies,
        description='Approval requirements by change type, risk and customer (docs, "Approvals"); '
        "without it one approver suffices, as before",
    )
    reminders: list[Duration] = Field(
        default_factory=lambda: list(DEFAULT_REMINDERS),
        max_length=10,
        description="Reminder offsets before an approved change's window starts, sent to each affected customer's "
        "subscribers (ISO 8601 durations such as P1D, PT1H); a customer's own reminders replace them.",
    )
    reminder_tolerance: Duration | None = Field(
        default=None,
        description="How late a reminder may still go out (e.g. when the change was approved after its moment); "
        "later ones are skipped. Default: a quarter of the reminder's offset, at least 15 minutes.",
    )
    nudges: NudgeConfig = Field(
        default_factory=NudgeConfig,
        description="Emails to the requester after an approved change's window ended, until it is completed or "
        "cancelled.",
    )
    integrations: IntegrationsConfig = Field(
        default_factory=IntegrationsConfig,
        description="The ServiceNow instance and the Jira site a change's tickets live in "
        '(docs, "ServiceNow and Jira").',
    )
    feedback: FeedbackConfig = Field(
        default_factory=FeedbackConfig,
        description='Customers\' ratings after a change or announcement completes (docs, "Customer feedback").',
    )

    @field_validator("reminders")
    @classmethod
    def _reminders(cls, values: list[str]) -> list[str]:
        return _offsets(values)

    @model_validator(mode="after")
    def _codes_match_keys(self) -> AppConfig:
        for key, mapping in self.customer_mappings.items():
            if mapping.customer_code != key:
                raise ValueError(
                    f"customer_mappings.{key}.customer_code is {mapping.customer_code!r}; it must equal the key"
                )
        unknown = sorted(set(self.approval_policies.customers) - set(self.customer_mappings))
        if unknown:
            raise ValueError(f"approval_policies.customers names unknown customer(s): {', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _freezes_name_known_customers(self) -> AppConfig:
        for index, freeze in enumerate(self.change_calendar.freeze_windows):
            unknown = [
                code for code in freeze.customers if code != ALL_CUSTOMERS and code not in self.customer_mappings
            ]
            if unknown:
                raise ValueError(
                    f"change_calendar.freeze_windows[{index}].customers: unknown customer code(s) {', '.join(unknown)}"
                )
        return self

    def reminders_for(self, code: str) -> list[str]:
        """The reminder offsets of one customer: its own, else everyone's."""
        mapping = self.customer_mappings.get(code)
        if mapping is not None and mapping.reminders is not None:
            return list(mapping.reminders)
        return list(self.reminders)

    def customer(self, code: str) -> CustomerMapping:
        try:
            return self.customer_mappings[code]
        except KeyError:
            raise UnknownCustomer([code]) from None

    def unknown_customers(self, codes: Sequence[str]) -> list[str]:
        return sorted({code for code in codes if code not in self.customer_mappings})

    @property
    def customer_codes(self) -> list[str]:
        return sorted(self.customer_mappings)


class SubscriptionStatus(StrEnum):
    OPT_IN = "OPT_IN"
    OPT_OUT = "OPT_OUT"


class Topic(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)

    name: str = Field(
        alias="TopicName",
        min_length=1,
        max_length=64,
        json_schema_extra={"pattern": r"^[A-Za-z0-9_-]+$"},
        description="SES topic name: letters, digits, '-' and '_'. A group member's name is prefixed "
        "(aws + calendar -> aws-calendar).",
    )
    display_name: str = Field(
        alias="DisplayName", min_length=1, description="Name shown on the subscription preferences page."
    )
    description: str = Field(default="", alias="Description", description="What the topic's emails are about.")
    default_status: SubscriptionStatus = Field(
        default=SubscriptionStatus.OPT_OUT,
        alias="DefaultSubscriptionStatus",
        description="Whether a contact without an explicit choice receives the topic.",
    )
    opt_in_roles: list[str] = Field(
        default_factory=list,
        alias="OptInRoles",
        description="Roles (from Identity Center group names) whose members the import subscribes to the topic.",
    )

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9_-]+$", value):
            raise ValueError(f"{value!r} may contain only letters, digits, '-' and '_'")
        return value


class SesConfig(_Model):
    """SESConfig.json: the topics of every customer's contact list (at most 20 after expansion)."""

    topic_group_prefix: list[str] = Field(
        default_factory=list, description="Prefixes that every group member is expanded for (aws, ...)."
    )
    topic_group_members: list[Topic] = Field(
        default_factory=list, description="Topics repeated once per prefix, named <prefix>-<TopicName>."
    )
    topics: list[Topic] = Field(default_factory=list, description="Topics taken as they are.")

    @model_validator(mode="after")
    def _fits_one_contact_list(self) -> SesConfig:
        names = [topic.name for topic in self.expanded_topics]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"topic names repeat after prefix expansion: {', '.join(duplicates)}")
        if len(names) > MAX_TOPICS_PER_LIST:
            raise ValueError(
                f"{len(names)} topics after prefix expansion; an SES contact list holds at most {MAX_TOPICS_PER_LIST}"
            )
        return self

    @cached_property
    def expanded_topics(self) -> list[Topic]:
        """Group members expanded for every prefix (``aws`` x ``calendar`` -> ``aws-calendar``), then the rest."""
        expanded: list[Topic] = []
        for prefix in self.topic_group_prefix:
            upper = prefix.upper()
            for member in self.topic_group_members:
                words = member.description.split()
                description = " ".join([*words[:1], upper, *words[1:]]) if words else upper
                expanded.append(
                    Topic.model_validate(
                        {
                            "TopicName": f"{prefix.lower()}-{member.name}",
                            "DisplayName": f"{upper} {member.display_name}",
                            "Description": description,
                            "DefaultSubscriptionStatus": member.default_status,
                            "OptInRoles": list(member.opt_in_roles),
                        }
                    )
                )
        return [*expanded, *self.topics]

    def topic(self, name: str) -> Topic | None:
        return next((topic for topic in self.expanded_topics if topic.name == name), None)

    def topic_names(self) -> list[str]:
        return [topic.name for topic in self.expanded_topics]


_M = TypeVar("_M", bound=BaseModel)


def _location(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "(top level)"


def _describe(path: Path, error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{path.name}: {_location(item['loc'])}: {message}")
    return "\n".join(lines)


def parse_model(model: type[_M], data: Mapping[str, Any], path: Path, context: Mapping[str, Any] | None = None) -> _M:
    """Validate ``data`` read from ``path``; ``context`` carries what a file is checked against (e.g. other files)."""
    try:
        return model.model_validate(data, context=dict(context) if context is not None else None)
    except ValidationError as error:
        raise ConfigError(_describe(path, error)) from None


def _read_json(path: Path) -> Any:
    return read_json(path)


def _load(model: type[_M], path: Path) -> _M:
    data = _read_json(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: (top level): must be a JSON object")
    return parse_model(model, data, path)


def load_config(path: str | Path) -> AppConfig:
    return _load(AppConfig, Path(path))


def load_ses_config(path: str | Path) -> SesConfig:
    return _load(SesConfig, Path(path))
