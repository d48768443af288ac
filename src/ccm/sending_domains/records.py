"""The DNS records a sending domain needs, computed from config.json and each customer's DKIM tokens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ccm.config import AppConfig, CustomerMapping
from ccm.errors import CcmError

DKIM_TTL = 600
DELIVERABILITY_TTL = 300
SPF = "v=spf1 include:amazonses.com ~all"
SES_SPF_INCLUDE = "include:amazonses.com"


class MissingEmailSetting(CcmError):
    def __init__(self, key: str, purpose: str) -> None:
        super().__init__(f"email_config.{key} is not set in config.json; it is needed for {purpose}")


class Merge(StrEnum):
    """How a wanted value joins the values a record set already has (other values are never dropped)."""

    ONLY = "only"
    """The set holds just this value (CNAME)."""
    MEMBER = "member"
    """Added to the set if missing (MX, plain TXT)."""
    SPF = "spf"
    """One SPF policy per name: an existing one gains ``include:amazonses.com``, else this value is added."""
    DMARC = "dmarc"
    """One DMARC policy per name: an existing one is replaced by the configured policy."""


@dataclass(frozen=True)
class WantedRecord:
    name: str
    type: str
    value: str
    ttl: int
    merge: Merge
    purpose: str

    def as_document(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "value": self.value, "ttl": self.ttl, "purpose": self.purpose}


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mail_domain(config: AppConfig) -> str:
    """The domain SES verifies and signs for: ``email_config.domain``, else the sender address's domain."""
    domain = config.email_config.domain or config.email_config.sender_address.rsplit("@", 1)[1]
    return domain.strip().rstrip(".").lower()


def mail_from_domain(config: AppConfig) -> str:
    subdomain = config.email_config.mail_from_subdomain
    if not subdomain:
        raise MissingEmailSetting("mail_from_subdomain", "the MAIL FROM domain")
    return f"{subdomain.strip('.').lower()}.{mail_domain(config)}"


def dmarc_value(config: AppConfig) -> str:
    email = config.email_config
    if not email.dmarc_policy:
        raise MissingEmailSetting("dmarc_policy", "the DMARC record")
    if not email.dmarc_report_email:
        raise MissingEmailSetting("dmarc_report_email", "the DMARC record")
    report = email.dmarc_report_email
    address = report if "@" in report else f"{report}@{mail_domain(config)}"
    return f"v=DMARC1; p={email.dmarc_policy}; rua=mailto:{address}; pct=100; adkim=s; aspf=s"


def configuration_set_name(config: AppConfig, customer: CustomerMapping) -> str:
    return customer.configuration_set or config.email_config.configuration_set or f"{customer.customer_code}-ccm-emails"


def dkim_records(domain: str, tokens: Iterable[str]) -> list[WantedRecord]:
    return [
        WantedRecord(
            f"{token}._domainkey.{domain}", "CNAME", f"{token}.dkim.amazonses.com", DKIM_TTL, Merge.ONLY, "DKIM"
        )
        for token in tokens
    ]


def deliverability_records(config: AppConfig, regions: Iterable[str]) -> list[WantedRecord]:
    """SPF and DMARC for the domain; MX and SPF for the MAIL FROM domain (one MX per SES region in use)."""
    domain = mail_domain(config)
    mail_from = mail_from_domain(config)
    records = [
        WantedRecord(domain, "TXT", quoted(SPF), DELIVERABILITY_TTL, Merge.SPF, "SPF"),
        WantedRecord(f"_dmarc.{domain}", "TXT", quoted(dmarc_value(config)), DELIVERABILITY_TTL, Merge.DMARC, "DMARC"),
        WantedRecord(mail_from, "TXT", quoted(SPF), DELIVERABILITY_TTL, Merge.SPF, "MAIL FROM SPF"),
    ]
    records.extend(
        WantedRecord(
            mail_from,
            "MX",
            f"10 feedback-smtp.{region}.amazonses.com",
            DELIVERABILITY_TTL,
            Merge.MEMBER,
            "MAIL FROM MX",
        )
        for region in sorted(set(regions))
    )
    return records
