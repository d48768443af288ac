"""The demo's bulk subscriptions: SubscriptionConfig.json applied with the code of ``ccm ses subscriptions apply``.

The shipped file puts a shared NOC mailbox on every customer's calendar and announcement topics, so the outbox
shows it among the recipients of a demo change; running the command against the local stack changes nothing.
"""

from __future__ import annotations

import boto3

from ccm.aws.clients import RETRY_CONFIG
from ccm.aws.customer_clients import CustomerClients
from ccm.config import AppConfig, SesConfig
from ccm.contact_import.record import GrantRecordStore
from ccm.fleet import Outcome, run_each
from ccm.local.demo import LOCAL_RATE
from ccm.ses_admin.subscription_record import SubscriptionRecordStore
from ccm.ses_admin.subscriptions import ApplyOptions, SubscriptionApplier, SubscriptionResult
from ccm.subscription_config import SubscriptionConfig


def apply_subscriptions(
    config: AppConfig, ses_config: SesConfig, subscriptions: SubscriptionConfig, bucket: str, concurrency: int = 8
) -> list[Outcome[SubscriptionResult]]:
    """Apply the file to every customer, after the contact import (whose grants it reads)."""
    s3 = boto3.client("s3", config=RETRY_CONFIG)
    imported = GrantRecordStore(s3, bucket)
    applier = SubscriptionApplier(
        CustomerClients(ses_rate=LOCAL_RATE, identity_center_rate=LOCAL_RATE),
        ses_config,
        subscriptions,
        SubscriptionRecordStore(s3, bucket),
        lambda code: imported.read(code).grants,
        ApplyOptions(),
    )
    customers = [config.customer(code) for code in config.customer_codes]
    return run_each(
        customers,
        applier.run,
        key=lambda c: c.customer_code,
        max_concurrency=concurrency,
        problem=lambda result: result.problem,
    )
