"""The email port on Amazon SES v2, in each customer's own account (assumed role, cached credentials).

Opt-in is decided on each contact itself, not only by the ``ListContacts`` filter: an explicit topic preference
wins, then the contact's default for the topic, then the topic's default on the list; ``UnsubscribeAll`` always
means no. That keeps opted-out contacts out even where the filter is not applied (the local emulator ignores it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from botocore.exceptions import ClientError

from ccm.aws.assume import RoleSessions
from ccm.aws.clients import RETRY_CONFIG, error_code, http_status
from ccm.aws.ses_lists import find_contact_list
from ccm.config import AppConfig, CustomerMapping
from ccm.errors import CcmError
from ccm.mail.port import AccountRefused, AddressRejected, AudienceUnavailable, Throttled

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_sesv2 import SESV2Client

logger = logging.getLogger(__name__)

OPT_IN = "OPT_IN"
PAGE_SIZE = 1000
THROTTLE_CODES = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException", "LimitExceededException"})
DAILY_QUOTA_MESSAGE = "daily message quota exceeded"
"""What SES says, with a throttling code, once the account's 24-hour quota is used up: waiting seconds cannot help."""
ACCOUNT_CODES = frozenset(
    {
        "SendingPausedException",
        "AccountSuspendedException",
        "MailFromDomainNotVerifiedException",
        "NotFoundException",  # the configuration set or contact list the send names
    }
)
CREDENTIAL_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationTokenException",
    }
)
SUPPRESSION_TTL = 300.0
LIST_TTL = 600.0
QUOTA_TTL = 900.0

_T = TypeVar("_T")


class SessionSource(Protocol):
    """Where sessions in a customer's account come from (:class:`ccm.aws.assume.RoleSessions`)."""

    def session(self, role_arn: str, region: str, session_name: str | None = None) -> boto3.Session: ...


class SendingPaused(AccountRefused):
    """SES sending is disabled for the customer's account; retried later rather than dropped."""


def is_throttle(error: ClientError) -> bool:
    return error_code(error) in THROTTLE_CODES or http_status(error) == 429


def is_unavailable(error: Exception) -> bool:
    """The operation does not exist where we call it (an emulator without it) or we may not call it."""
    if isinstance(error, NotImplementedError):
        return True
    if isinstance(error, ClientError):
        return http_status(error) in {403, 404, 501} or error_code(error) in {"AccessDenied", "AccessDeniedException"}
    return False


def opted_in(contact: Mapping[str, Any], topic: str, list_default: str) -> bool:
    """Whether one contact receives mail of ``topic``: explicit preference, then its default, then the list's."""
    if contact.get("UnsubscribeAll"):
        return False
    for key in ("TopicPreferences", "TopicDefaultPreferences"):
        for preference in contact.get(key) or []:
            if preference.get("TopicName") == topic:
                return bool(preference.get("SubscriptionStatus") == OPT_IN)
    return list_default == OPT_IN


@dataclass
class _Expiring(Generic[_T]):
    value: _T
    until: float


class _TtlCache(Generic[_T]):
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, _Expiring[_T]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], _T]) -> _T:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.until > self.clock():
                return entry.value
        value = load()
        with self._lock:
            self._entries[key] = _Expiring(value, self.clock() + self.ttl)
        return value


class SesMailbox:
    def __init__(self, customer: CustomerMapping, config: AppConfig, sessions: SessionSource) -> None:
        self.customer = customer
        self.sender = config.email_config.sender_address
        self.configuration_set = customer.configuration_set or config.email_config.configuration_set
        self._sessions = sessions
        self._session: boto3.Session | None = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._lists: _TtlCache[tuple[str, dict[str, str]]] = _TtlCache(LIST_TTL)
        self._suppressed: _TtlCache[frozenset[str]] = _TtlCache(SUPPRESSION_TTL)
        self._rate: _TtlCache[float] = _TtlCache(QUOTA_TTL)

    # -- clients in the customer's account, renewed with the assumed-role credentials --------------------

    def _client(self, service: str) -> Any:
        session = self._sessions.session(
            self.customer.ses_role_arn, self.customer.region, f"{self.customer.customer_code}-ses-session"
        )
        with self._lock:
            if session is not self._session:
                self._session, self._clients = session, {}
            if service not in self._clients:
                self._clients[service] = session.client(service, config=RETRY_CONFIG)  # type: ignore[call-overload]
            return self._clients[service]

    @property
    def ses(self) -> SESV2Client:
        client: SESV2Client = self._client("sesv2")
        return client

    # -- audience ----------------------------------------------------------------------------------------

    def contact_list(self) -> tuple[str, dict[str, str]]:
        """The account's contact list and each topic's default subscription status."""

        def load() -> tuple[str, dict[str, str]]:
            name = find_contact_list(self.ses)
            if name is None:
                raise AudienceUnavailable(f"customer {self.customer.customer_code} has no SES contact list")
            topics = self.ses.get_contact_list(ContactListName=name).get("Topics", [])
            return name, {topic["TopicName"]: topic["DefaultSubscriptionStatus"] for topic in topics}

        return self._lists.get("list", load)

    def subscribers(self, topic: str) -> list[str]:
        name, defaults = self.contact_list()
        if topic not in defaults:
            raise AudienceUnavailable(
                f"the contact list {name} of customer {self.customer.customer_code} has no topic {topic}"
            )
        found: list[str] = []
        token: str | None = None
        while True:
            request: dict[str, Any] = {
                "ContactListName": name,
                "Filter": {
                    "FilteredStatus": OPT_IN,
                    "TopicFilter": {"TopicName": topic, "UseDefaultIfPreferenceUnavailable": True},
                },
                "PageSize": PAGE_SIZE,
            }
            if token:
                request["NextToken"] = token
            response = self.ses.list_contacts(**request)
            found.extend(
                contact["EmailAddress"]
                for contact in response.get("Contacts", [])
                if opted_in(contact, topic, defaults[topic])
            )
            token = response.get("NextToken")
            if not token:
                return found

    def topic_subscribers(self) -> dict[str, list[str]]:
        """Every topic of the account's list with its subscribers, from one reading of the whole list (paged to
        the end): what an audience of several topics costs, instead of one filtered listing per topic."""
        name, defaults = self.contact_list()
        found: dict[str, list[str]] = {topic: [] for topic in defaults}
        token: str | None = None
        while True:
            request: dict[str, Any] = {"ContactListName": name, "PageSize": PAGE_SIZE}
            if token:
                request["NextToken"] = token
            response = self.ses.list_contacts(**request)
            for contact in response.get("Contacts", []):
                for topic, default in defaults.items():
                    if opted_in(contact, topic, default):
                        found[topic].append(contact["EmailAddress"])
            token = response.get("NextToken")
            if not token:
                return found

    def suppressed(self) -> frozenset[str]:
        return self._suppressed.get("suppressed", self._load_suppressed)

    def _load_suppressed(self) -> frozenset[str]:
        addresses: set[str] = set()
        token: str | None = None
        try:
            while True:
                request: dict[str, Any] = {"PageSize": PAGE_SIZE}
                if token:
                    request["NextToken"] = token
                response = self.ses.list_suppressed_destinations(**request)
                addresses.update(
                    item["EmailAddress"].lower() for item in response.get("SuppressedDestinationSummaries", [])
                )
                token = response.get("NextToken")
                if not token:
                    return frozenset(addresses)
        except (ClientError, NotImplementedError) as error:
            if not is_unavailable(error):
                raise
            # SES still refuses suppressed addresses itself when the account-level list is on; skipping them
            # here only saves quota, so a missing permission (or an emulator without the call) is not fatal.
            logger.warning(
                "cannot read the SES suppression list of %s (%s); relying on SES to drop suppressed addresses",
                self.customer.customer_code,
                error,
            )
            return frozenset()

    # -- sending -----------------------------------------------------------------------------------------

    def max_send_rate(self) -> float:
        return self._rate.get("rate", self._load_rate)

    def _load_rate(self) -> float:
        try:
            account = self.ses.get_account()
        except (ClientError, NotImplementedError) as error:
            if not is_unavailable(error):
                raise
            # SES v1's GetSendQuota reports the same account quota (and is what emulators implement).
            return float(self._client("ses").get_send_quota()["MaxSendRate"])
        if account.get("SendingEnabled") is False:
            raise SendingPaused(f"SES sending is paused for customer {self.customer.customer_code}")
        quota = account.get("SendQuota") or {}
        if "MaxSendRate" in quota:
            return float(quota["MaxSendRate"])
        return float(self._client("ses").get_send_quota()["MaxSendRate"])

    def send(self, recipient: str, raw: bytes, topic: str) -> str:
        if not topic:
            return self._send(self.sender, recipient, raw, None)
        name, _ = self.contact_list()
        return self._send(self.sender, recipient, raw, {"ContactListName": name, "TopicName": topic})

    def send_outside_topics(self, recipient: str, raw: bytes, sender: str | None = None) -> str:
        """One message that belongs to no topic (an operator's test): no list management, any verified sender."""
        return self._send(sender or self.sender, recipient, raw, None)

    def _send(self, sender: str, recipient: str, raw: bytes, list_management: dict[str, str] | None) -> str:
        request: dict[str, Any] = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": raw}},
        }
        if list_management is not None:
            request["ListManagementOptions"] = list_management
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            response = self.ses.send_email(**request)
        except ClientError as error:
            refusal = self._refusal(error, sender)
            if refusal is None:
                raise
            raise refusal from error
        return response["MessageId"]

    def _refusal(self, error: ClientError, sender: str) -> CcmError | None:
        """What a refused send means for the rest of the delivery (see :class:`ccm.mail.port.Mailbox`)."""
        code, customer = error_code(error), self.customer.customer_code
        if is_throttle(error):
            if DAILY_QUOTA_MESSAGE in str(error).lower():
                return AccountRefused(f"the SES account of {customer} has used up its daily quota: {error}")
            return Throttled(f"SES throttled a send for {customer}: {error}")
        if code in {"SendingPausedException", "AccountSuspendedException"}:
            return SendingPaused(f"SES refuses to send for {customer}: {error}")
        if code in ACCOUNT_CODES or code in CREDENTIAL_CODES:
            return AccountRefused(f"SES refuses every send of {customer}: {error}")
        if code == "MessageRejected":
            # SES names the identities it refused (in the sandbox, every unverified one): when the sender is among
            # them, no send of the account can succeed.
            if sender.lower() in str(error).lower():
                return AccountRefused(f"SES refuses the sender of {customer}: {error}")
            return AddressRejected(str(error))
        return None


class SesMailboxes:
    """One :class:`SesMailbox` per customer, kept for the life of the process."""

    def __init__(self, config: AppConfig, sessions: SessionSource | None = None) -> None:
        self.config = config
        self.sessions: SessionSource = sessions or RoleSessions(session_prefix="ccm-backend")
        self._boxes: dict[str, SesMailbox] = {}
        self._lock = threading.Lock()

    def for_customer(self, customer: CustomerMapping) -> SesMailbox:
        with self._lock:
            box = self._boxes.get(customer.customer_code)
            if box is None:
                box = self._boxes[customer.customer_code] = SesMailbox(customer, self.config, self.sessions)
            return box
