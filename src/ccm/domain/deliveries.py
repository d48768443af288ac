"""What became of each email after SES accepted it, as pure rules: statuses, their order, what may be resent,
and how a customer's sending reputation compares with SES's review thresholds.

SES reports an email's fate as events that arrive out of order and more than once. Each status has a rank; a row
takes an event's status only when it ranks higher than what the row holds, so a late ``delivered`` never hides
a ``bounced`` and a repeated event changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ccm.domain.objects import USER_TRANSITIONS, Modification, ModificationType


class DeliveryStatus(StrEnum):
    SENDING = "sending"
    """Claimed in the ledger; SES has not accepted it (yet)."""
    SENT = "sent"
    """SES accepted it; no later event so far."""
    DELAYED = "delayed"
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    SUPPRESSED = "suppressed"
    """SES did not attempt it: the address is on a suppression list (a bounce of subtype OnSuppressionList)."""
    COMPLAINED = "complained"
    REJECTED = "rejected"
    UNSUBSCRIBED = "unsubscribed"


EVENT_STATUS_RANK: dict[DeliveryStatus, int] = {
    DeliveryStatus.DELAYED: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.BOUNCED: 3,
    DeliveryStatus.SUPPRESSED: 3,
    DeliveryStatus.REJECTED: 3,
    DeliveryStatus.COMPLAINED: 4,
    DeliveryStatus.UNSUBSCRIBED: 4,
}
"""A status recorded from an SES event replaces only a lower one. Delays come before the outcome, complaints and
unsubscriptions after a delivery; a bounce and a rejection are outcomes of equal weight, so the first one stays."""

SUPPRESSION_SUBTYPES = frozenset({"OnSuppressionList", "OnAccountSuppressionList"})
PERMANENT_BOUNCE = "Permanent"
TRANSIENT_BOUNCE = "Transient"

BAR_GROUPS: dict[DeliveryStatus, str] = {
    DeliveryStatus.SENDING: "pending",
    DeliveryStatus.SENT: "pending",
    DeliveryStatus.DELAYED: "pending",
    DeliveryStatus.DELIVERED: "delivered",
    DeliveryStatus.UNSUBSCRIBED: "delivered",
    DeliveryStatus.BOUNCED: "bounced",
    DeliveryStatus.REJECTED: "bounced",
    DeliveryStatus.COMPLAINED: "complained",
    DeliveryStatus.SUPPRESSED: "suppressed",
}
"""The portal's compact bar: delivered / pending / bounced / complained / suppressed."""

PROBLEMS = frozenset(
    {
        DeliveryStatus.DELAYED,
        DeliveryStatus.BOUNCED,
        DeliveryStatus.SUPPRESSED,
        DeliveryStatus.COMPLAINED,
        DeliveryStatus.REJECTED,
        DeliveryStatus.UNSUBSCRIBED,
    }
)

RESEND_DELAY_SECONDS = 3600.0
"""A delivery delayed longer than this may be resent by an administrator (SES itself retries for hours)."""

RESEND_SUFFIX = "-resend"
"""Ledger event of the one extra copy: ``approval_request-resend`` beside ``approval_request``."""


def event_status(event_type: str, bounce_type: str = "", bounce_subtype: str = "") -> DeliveryStatus | None:
    """The status an SES event type means; ``None`` for events that change no status (Send, Open, Click)."""
    kind = event_type.strip().lower()
    if kind == "bounce":
        if bounce_subtype in SUPPRESSION_SUBTYPES:
            return DeliveryStatus.SUPPRESSED
        return DeliveryStatus.BOUNCED
    return {
        "delivery": DeliveryStatus.DELIVERED,
        "deliverydelay": DeliveryStatus.DELAYED,
        "complaint": DeliveryStatus.COMPLAINED,
        "reject": DeliveryStatus.REJECTED,
        "renderingfailure": DeliveryStatus.REJECTED,
        "subscription": DeliveryStatus.UNSUBSCRIBED,
    }.get(kind)


def replaces(new: DeliveryStatus, current: DeliveryStatus | None) -> bool:
    """Whether an event's status ``new`` is recorded over the row's ``current`` event status."""
    if current is None:
        return True
    return EVENT_STATUS_RANK[new] > EVENT_STATUS_RANK.get(current, 0)


def resendable(
    status: DeliveryStatus, *, bounce_type: str, status_at: float | None, now: float, delay_limit: float
) -> bool:
    """A transient failure only: a soft bounce, or a delay older than ``delay_limit`` seconds. Never a hard bounce,
    a suppressed address, a complaint, an unsubscription or an address SES refused for good."""
    if status is DeliveryStatus.BOUNCED:
        return bounce_type == TRANSIENT_BOUNCE
    if status is DeliveryStatus.DELAYED:
        return status_at is not None and now - status_at >= delay_limit
    return False


class Reputation(StrEnum):
    OK = "ok"
    WARNING = "warning"
    """Amber: well before SES's review threshold."""
    AT_RISK = "at_risk"
    """At or above SES's review threshold: SES may put the account under review."""


@dataclass(frozen=True)
class Threshold:
    review: float
    """SES's review threshold, as a fraction of sends."""
    warning: float


BOUNCE_THRESHOLD = Threshold(review=0.05, warning=0.02)
COMPLAINT_THRESHOLD = Threshold(review=0.001, warning=0.0005)


def rate(part: int, sends: int) -> float:
    return part / sends if sends > 0 else 0.0


def reputation(value: float, threshold: Threshold) -> Reputation:
    if value >= threshold.review:
        return Reputation.AT_RISK
    if value >= threshold.warning:
        return Reputation.WARNING
    return Reputation.OK


def resend_requests(modifications: Sequence[Modification], customer: str, event: str) -> list[str]:
    """Whom administrators asked to get ``event`` again from ``customer`` since the last thing a person did to the
    object (a new status or edit starts a new notice; its own failures are resent from then on)."""
    wanted: dict[str, None] = {}
    for entry in reversed(modifications):
        if entry.modification_type in USER_TRANSITIONS:
            break
        if (
            entry.modification_type is ModificationType.DELIVERY_RESENT
            and entry.customer_code == customer
            and entry.delivery_event == event
        ):
            wanted.update(dict.fromkeys(entry.resent_to or []))
    return list(wanted)
