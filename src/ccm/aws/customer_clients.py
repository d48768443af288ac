"""Clients in each customer's accounts (SES, Identity Center, Organizations), rate limited where AWS asks.

SES throttles every API action other than sending at about one request per second per account, so each
customer's SES client shares one limiter at ``ses_rate``. Identity Center reads default to 9 requests per
second per directory; customers whose roles reach the same directory share that directory's limiter.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3

from ccm.aws.assume import RoleSessions
from ccm.aws.clients import RETRY_CONFIG
from ccm.aws.ratelimit import RateLimiter
from ccm.aws.throttle import limit_calls
from ccm.config import CustomerMapping
from ccm.errors import CcmError

if TYPE_CHECKING:
    from mypy_boto3_identitystore import IdentityStoreClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sso_admin import SSOAdminClient
    from mypy_boto3_sts import STSClient

SES_REQUESTS_PER_SECOND = 1.0
"""SES's published rate for API actions other than sending."""
IDENTITY_CENTER_REQUESTS_PER_SECOND = 9.0


class MissingRole(CcmError):
    def __init__(self, code: str, key: str) -> None:
        super().__init__(f"customer {code} has no {key} in config.json")


def directory_key(customer: CustomerMapping) -> tuple[str, str]:
    if not customer.identity_center_role_arn:
        raise MissingRole(customer.customer_code, "identity_center_role_arn")
    return customer.identity_center_role_arn, customer.identity_center_region or customer.region


class CustomerClients:
    def __init__(
        self,
        sessions: RoleSessions | None = None,
        *,
        ses_rate: float = SES_REQUESTS_PER_SECOND,
        identity_center_rate: float = IDENTITY_CENTER_REQUESTS_PER_SECOND,
    ) -> None:
        # The STS client is made here, once: worker threads then only read it.
        self.sessions = sessions or RoleSessions(boto3.client("sts", config=RETRY_CONFIG), session_prefix="ccm-cli")
        self.ses_rate = ses_rate
        self.identity_center_rate = identity_center_rate
        self._lock = threading.Lock()  # boto3 sessions are not safe for concurrent client creation
        self._limiters: dict[tuple[str, str], RateLimiter] = {}
        self._ses: dict[str, SESV2Client] = {}

    def limits(self) -> dict[tuple[str, str], float]:
        """The rate of every limiter made so far: (kind, account or directory) -> requests per second."""
        with self._lock:
            return {key: limiter.rate for key, limiter in self._limiters.items()}

    def _limiter(self, kind: str, key: str, rate: float) -> RateLimiter:
        with self._lock:
            return self._limiters.setdefault((kind, key), RateLimiter(rate, burst=max(1.0, rate)))

    @overload
    def client(self, role_arn: str, region: str, service: Literal["sesv2"], session_name: str) -> SESV2Client: ...
    @overload
    def client(self, role_arn: str, region: str, service: Literal["sts"], session_name: str) -> STSClient: ...
    @overload
    def client(self, role_arn: str, region: str, service: str, session_name: str) -> Any: ...

    def client(self, role_arn: str, region: str, service: str, session_name: str) -> Any:
        session = self.sessions.session(role_arn, region, session_name)
        with self._lock:
            return session.client(service, config=RETRY_CONFIG)  # type: ignore[call-overload]

    def ses(self, customer: CustomerMapping) -> SESV2Client:
        """The customer's SES v2 client, created once and limited to ``ses_rate`` requests per second."""
        code = customer.customer_code
        with self._lock:
            cached = self._ses.get(code)
        if cached is not None:
            return cached
        client = self.client(customer.ses_role_arn, customer.region, "sesv2", f"{code}-ses-session")
        limit_calls(client, self._limiter("ses", f"{customer.account_id}/{customer.region}", self.ses_rate))
        with self._lock:
            return self._ses.setdefault(code, client)

    def identity_center(self, customer: CustomerMapping) -> tuple[SSOAdminClient, IdentityStoreClient]:
        role_arn, region = directory_key(customer)
        limiter = self._limiter("identity-center", f"{role_arn}/{region}", self.identity_center_rate)
        name = "identity-center-data-retrieval"
        sso_admin: SSOAdminClient = self.client(role_arn, region, "sso-admin", name)
        store: IdentityStoreClient = self.client(role_arn, region, "identitystore", name)
        return limit_calls(sso_admin, limiter), limit_calls(store, limiter)
