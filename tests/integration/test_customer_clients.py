"""Clients in customers' accounts: one SES limiter per account, one Identity Center limiter per directory."""

from __future__ import annotations

from ccm.aws.customer_clients import CustomerClients
from ccm.config import AppConfig


def test_customers_sharing_a_directory_share_its_rate_and_ses_accounts_are_apart(
    aws: None, app_config: AppConfig
) -> None:
    clients = CustomerClients(ses_rate=1, identity_center_rate=9)
    bravo = app_config.customer("bravo")
    twin = bravo.model_copy(update={"customer_code": "bravo-np", "ses_role_arn": "arn:aws:iam::100000000099:role/x"})

    assert clients.ses(bravo) is clients.ses(bravo)
    clients.identity_center(bravo)
    clients.identity_center(twin)
    clients.ses(twin)

    assert clients.limits() == {
        ("identity-center", f"{bravo.identity_center_role_arn}/us-east-1"): 9,
        ("ses", f"{bravo.account_id}/us-east-1"): 1,
        ("ses", "100000000099/us-east-1"): 1,
    }
