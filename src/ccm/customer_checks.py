"""``ccm customers validate``: can each customer's roles be assumed, and do they land in the right account?"""

from __future__ import annotations

from dataclasses import dataclass

from ccm.aws.customer_clients import CustomerClients
from ccm.config import CustomerMapping

_ROLE_ACCOUNT = 4


@dataclass(frozen=True)
class RoleCheck:
    purpose: str
    role_arn: str
    expected_account: str
    actual_account: str
    caller_arn: str

    @property
    def ok(self) -> bool:
        return self.expected_account == self.actual_account

    def as_document(self) -> dict[str, object]:
        return {
            "purpose": self.purpose,
            "role_arn": self.role_arn,
            "expected_account": self.expected_account,
            "actual_account": self.actual_account,
            "caller_arn": self.caller_arn,
            "ok": self.ok,
        }


@dataclass
class CustomerCheck:
    code: str
    roles: list[RoleCheck]

    @property
    def problem(self) -> str | None:
        wrong = [
            f"{r.purpose} role landed in {r.actual_account}, expected {r.expected_account}"
            for r in self.roles
            if not r.ok
        ]
        return "; ".join(wrong) or None


def _check(clients: CustomerClients, purpose: str, role_arn: str, region: str, session_name: str) -> RoleCheck:
    identity = clients.client(role_arn, region, "sts", session_name).get_caller_identity()
    return RoleCheck(purpose, role_arn, role_arn.split(":")[_ROLE_ACCOUNT], identity["Account"], identity["Arn"])


def check_customer(clients: CustomerClients, customer: CustomerMapping, *, identity_center: bool) -> CustomerCheck:
    code = customer.customer_code
    roles = [_check(clients, "ses", customer.ses_role_arn, customer.region, f"{code}-ses-session")]
    if identity_center and customer.identity_center_role_arn:
        region = customer.identity_center_region or customer.region
        roles.append(_check(clients, "identity-center", customer.identity_center_role_arn, region, f"{code}-ic-check"))
    return CustomerCheck(code, roles)
