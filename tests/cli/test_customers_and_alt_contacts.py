"""``ccm customers validate`` and ``ccm alt-contact``: roles that work, contacts on every account."""

from __future__ import annotations

from typing import Any

import boto3

from ccm.config import AppConfig
from tests.cli.conftest import Ccm
from tests.fakes.aws_watch import AwsWatch


def test_every_customers_roles_are_assumed_and_land_in_their_own_accounts(ccm: Ccm, app_config: AppConfig) -> None:
    result = ccm.json("customers", "validate", "--all")

    assert result["failed"] == 0
    bravo = next(r for r in result["results"] if r["customer"] == "bravo")
    assert [(r["purpose"], r["actual_account"]) for r in bravo["roles"]] == [
        ("ses", app_config.customer("bravo").account_id),
        ("identity-center", "200000000002"),
    ]


def test_a_role_that_cannot_be_assumed_fails_that_customer_only(ccm: Ccm, watch: AwsWatch) -> None:
    watch.refuse("sts", "AssumeRole", lambda params: ":100000000003:" in params["RoleArn"], "AccessDenied")

    result = ccm.json("customers", "validate", "-c", "bravo", "-c", "charlie", "--no-identity-center", expect_exit=1)

    outcome = {r["customer"]: r for r in result["results"]}
    assert outcome["bravo"]["ok"]
    assert outcome["charlie"]["error"].startswith("AssumeRole: AccessDenied")
    human = ccm("customers", "validate", "-c", "charlie")
    assert human.exit_code == 1 and "AccessDenied" in human.stdout


def management_account(account: str) -> Any:
    credentials = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/ccm-alt-contact-manager", RoleSessionName="test-setup"
    )["Credentials"]
    return boto3.client(
        "organizations",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def organization(account: str, members: int) -> list[str]:
    organizations = management_account(account)
    organizations.create_organization(FeatureSet="ALL")
    for i in range(members):
        organizations.create_account(Email=f"member{i}@example.com", AccountName=f"member-{i}")
    return [a["Id"] for page in organizations.get_paginator("list_accounts").paginate() for a in page["Accounts"]]


def contact_of(account: str, kind: str) -> str | None:
    from moto.account.models import account_backends

    try:
        return str(account_backends[account]["aws"].get_alternate_contact(kind).email_address)
    except Exception:
        return None


def test_contacts_are_set_on_every_account_of_the_organization_past_the_first_page(ccm: Ccm, watch: AwsWatch) -> None:
    accounts = organization("200000000002", members=104)
    assert len(accounts) == 105
    watch.reset()

    result = ccm.json("alt-contact", "set", "-c", "bravo")

    assert result["failed"] == 0
    assert watch.count("organizations", ["ListAccounts"]) == 2
    assert {contact_of(account, "SECURITY") for account in accounts} == {"security@example.com"}
    assert {contact_of(account, "BILLING") for account in accounts} == {"billing@example.com"}
    again = ccm.json("alt-contact", "set", "-c", "bravo")["results"][0]["contacts"]
    assert {c["outcome"] for c in again} == {"unchanged"}


def test_existing_different_contacts_are_kept_unless_overwritten(ccm: Ccm, tmp_path: Any) -> None:
    accounts = organization("200000000003", members=2)
    ccm.json("alt-contact", "set", "-c", "charlie")
    other = tmp_path / "ContactConfig.json"
    other.write_text('{"security_email": "soc@example.com", "security_name": "SOC", "security_title": "SOC"}')
    incomplete = ccm("alt-contact", "set", "-c", "charlie", "--contact-config", str(other))
    assert incomplete.exit_code == 1
    assert "security_email is set, so security_phone must be set too" in incomplete.stderr
    other.write_text(
        '{"security_email": "soc@example.com", "security_name": "SOC", "security_title": "SOC", '
        '"security_phone": "+1-555-0199"}'
    )

    kept = ccm.json("alt-contact", "set", "-c", "charlie", "--contact-config", str(other))
    assert {c["outcome"] for c in kept["results"][0]["contacts"]} == {"kept"}
    preview = ccm.json(
        "alt-contact", "set", "-c", "charlie", "--contact-config", str(other), "--overwrite", "--dry-run"
    )
    assert {c["outcome"] for c in preview["results"][0]["contacts"]} == {"would-updated"}
    assert {contact_of(a, "SECURITY") for a in accounts} == {"security@example.com"}

    ccm.json("alt-contact", "set", "-c", "charlie", "--contact-config", str(other), "--overwrite")
    assert {contact_of(a, "SECURITY") for a in accounts} == {"soc@example.com"}


def test_deleting_a_contact_type_removes_it_everywhere(ccm: Ccm) -> None:
    accounts = organization("200000000004", members=3)
    ccm.json("alt-contact", "set", "-c", "delta")

    result = ccm.json("alt-contact", "delete", "-c", "delta", "--type", "billing,operations")

    assert {c["outcome"] for c in result["results"][0]["contacts"]} == {"deleted"}
    assert {contact_of(a, "BILLING") for a in accounts} == {None}
    assert {contact_of(a, "SECURITY") for a in accounts} == {"security@example.com"}
    shown = ccm.json("alt-contact", "show", "-c", "delta")["results"][0]["contacts"]
    assert {(c["type"], c["outcome"]) for c in shown} == {
        ("SECURITY", "security@example.com"),
        ("BILLING", "-"),
        ("OPERATIONS", "-"),
    }


def test_an_unknown_contact_type_is_refused(ccm: Ccm) -> None:
    result = ccm("alt-contact", "delete", "-c", "delta", "--type", "legal")
    assert result.exit_code == 1
    assert "unknown contact type 'legal'" in result.stderr
