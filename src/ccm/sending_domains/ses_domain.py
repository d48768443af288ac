"""One customer's SES side of a sending domain: identity with Easy DKIM, MAIL FROM, configuration set.

Every step reads first and writes only what differs, so running it again changes nothing. In a dry run only
the reads happen and each step reports what it would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sesv2.literals import EventTypeType
    from mypy_boto3_sesv2.type_defs import EventDestinationDefinitionTypeDef, GetEmailIdentityResponseTypeDef

EVENT_DESTINATION = "email-events"
EVENT_TYPES: tuple[EventTypeType, ...] = (
    "SEND",
    "DELIVERY",
    "BOUNCE",
    "COMPLAINT",
    "REJECT",
    "DELIVERY_DELAY",
    "RENDERING_FAILURE",
    "SUBSCRIPTION",
)
"""What the delivery ledger records (ccm.ses_events); opens and clicks are not tracked."""


@dataclass
class IdentityState:
    exists: bool
    verified: bool = False
    verification_status: str = "NOT_STARTED"
    dkim_status: str = "NOT_STARTED"
    dkim_signing: bool = False
    dkim_tokens: list[str] = field(default_factory=list)
    mail_from_domain: str | None = None
    mail_from_status: str | None = None
    configuration_set: str | None = None

    def as_document(self) -> dict[str, Any]:
        return {
            "exists": self.exists,
            "verified_for_sending": self.verified,
            "verification_status": self.verification_status,
            "dkim_status": self.dkim_status,
            "dkim_signing": self.dkim_signing,
            "dkim_tokens": self.dkim_tokens,
            "mail_from_domain": self.mail_from_domain,
            "mail_from_status": self.mail_from_status,
            "configuration_set": self.configuration_set,
        }


def _state(raw: GetEmailIdentityResponseTypeDef) -> IdentityState:
    dkim = raw.get("DkimAttributes", {})
    mail_from = raw.get("MailFromAttributes", {})
    return IdentityState(
        exists=True,
        verified=bool(raw.get("VerifiedForSendingStatus", False)),
        verification_status=str(raw.get("VerificationStatus", "NOT_STARTED")),
        dkim_status=str(dkim.get("Status", "NOT_STARTED")),
        dkim_signing=bool(dkim.get("SigningEnabled", False)),
        dkim_tokens=list(dkim.get("Tokens", [])),
        mail_from_domain=mail_from.get("MailFromDomain") or None,
        mail_from_status=mail_from.get("MailFromDomainStatus") or None,
        configuration_set=raw.get("ConfigurationSetName") or None,
    )


@dataclass
class Steps:
    """What each step did: ``created``, ``updated``, ``unchanged``, or ``would-…`` in a dry run."""

    dry_run: bool
    done: dict[str, str] = field(default_factory=dict)

    def record(self, step: str, outcome: str) -> None:
        self.done[step] = outcome if outcome == "unchanged" or not self.dry_run else f"would-{outcome}"


class SesDomain:
    def __init__(self, ses: SESV2Client, domain: str, *, dry_run: bool = False) -> None:
        self.ses = ses
        self.domain = domain
        self.steps = Steps(dry_run)

    @property
    def dry_run(self) -> bool:
        return self.steps.dry_run

    def state(self) -> IdentityState:
        try:
            return _state(self.ses.get_email_identity(EmailIdentity=self.domain))
        except ClientError as error:
            if error_code(error) == "NotFoundException":
                return IdentityState(exists=False)
            raise

    def ensure_identity(self) -> IdentityState:
        """The domain identity with Easy DKIM (SES makes the keys and gives three CNAME tokens)."""
        state = self.state()
        if state.exists:
            self.steps.record("identity", "unchanged")
            return state
        self.steps.record("identity", "created")
        if self.dry_run:
            return state
        try:
            self.ses.create_email_identity(EmailIdentity=self.domain)
        except ClientError as error:
            if error_code(error) != "AlreadyExistsException":
                raise
        return self.state()

    def ensure_mail_from(self, mail_from: str, state: IdentityState) -> None:
        if state.exists and (state.mail_from_domain or "").lower() == mail_from:
            self.steps.record("mail_from", "unchanged")
            return
        self.steps.record("mail_from", "updated")
        if not self.dry_run:
            self.ses.put_email_identity_mail_from_attributes(
                EmailIdentity=self.domain, MailFromDomain=mail_from, BehaviorOnMxFailure="USE_DEFAULT_VALUE"
            )

    def ensure_configuration_set(self, name: str) -> None:
        try:
            self.ses.get_configuration_set(ConfigurationSetName=name)
        except ClientError as error:
            if error_code(error) != "NotFoundException":
                raise
        else:
            self.steps.record("configuration_set", "unchanged")
            return
        self.steps.record("configuration_set", "created")
        if self.dry_run:
            return
        try:
            self.ses.create_configuration_set(
                ConfigurationSetName=name,
                DeliveryOptions={"TlsPolicy": "REQUIRE"},
                ReputationOptions={"ReputationMetricsEnabled": True},
                SendingOptions={"SendingEnabled": True},
                SuppressionOptions={"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
            )
        except ClientError as error:
            if error_code(error) != "AlreadyExistsException":
                raise

    def ensure_event_destination(self, configuration_set: str, topic_arn: str) -> None:
        wanted: EventDestinationDefinitionTypeDef = {
            "Enabled": True,
            "MatchingEventTypes": list(EVENT_TYPES),
            "SnsDestination": {"TopicArn": topic_arn},
        }
        current = None
        if not (self.dry_run and self.steps.done.get("configuration_set") == "would-created"):
            destinations = self.ses.get_configuration_set_event_destinations(ConfigurationSetName=configuration_set)
            current = next(
                (d for d in destinations.get("EventDestinations", []) if d["Name"] == EVENT_DESTINATION), None
            )
        if current is not None:
            same = (
                bool(current.get("Enabled"))
                and set(current.get("MatchingEventTypes", [])) == set(EVENT_TYPES)
                and current.get("SnsDestination", {}).get("TopicArn") == topic_arn
            )
            self.steps.record("event_destination", "unchanged" if same else "updated")
            if not same and not self.dry_run:
                self.ses.update_configuration_set_event_destination(
                    ConfigurationSetName=configuration_set,
                    EventDestinationName=EVENT_DESTINATION,
                    EventDestination=wanted,
                )
            return
        self.steps.record("event_destination", "created")
        if not self.dry_run:
            self.ses.create_configuration_set_event_destination(
                ConfigurationSetName=configuration_set, EventDestinationName=EVENT_DESTINATION, EventDestination=wanted
            )

    def ensure_default_configuration_set(self, name: str, state: IdentityState) -> None:
        """Sends from the domain use the configuration set even when the sender names none."""
        if state.exists and state.configuration_set == name:
            self.steps.record("default_configuration_set", "unchanged")
            return
        self.steps.record("default_configuration_set", "updated")
        if not self.dry_run:
            self.ses.put_email_identity_configuration_set_attributes(
                EmailIdentity=self.domain, ConfigurationSetName=name
            )
