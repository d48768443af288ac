"""``ccm identity-center import``: the scheduled task that keeps every customer's SES contacts in line."""

from __future__ import annotations

import random
from typing import Any

import boto3
import pytest

from ccm.aws.ratelimit import RateLimiter
from ccm.config import AppConfig
from tests.cli.conftest import Ccm
from tests.fakes.aws_watch import AwsWatch
from tests.fakes.identity_center import SeededDirectory, SeedUser, role_group
from tests.fakes.ses_state import set_contact, stored_contacts

# What SESConfig.json promises, written out independently of the code under test.
EVERYONE = {"aws-announce", "cic-announce", "subscription-preferences"}
ROLE_TOPICS = {
    "cloudeng": {"aws-calendar", "inner-announce"},
    "dba": {"aws-calendar"},
    "developer": {"aws-calendar", "inner-announce"},
    "devops": {"aws-calendar", "inner-announce"},
    "security": {"aws-calendar", "aws-approval", "announce-approval"},
    "networking": {"aws-calendar", "inner-announce"},
    "finance": {"finops-announce"},
}


def ic_account(app_config: AppConfig, code: str) -> str:
    arn = app_config.customer(code).identity_center_role_arn
    assert arn is not None
    return arn.split(":")[4]


def ses_account(app_config: AppConfig, code: str) -> str:
    return app_config.customer(code).account_id


def expected_topics(groups: list[str]) -> set[str]:
    topics = set(EVERYONE)
    for group in groups:
        parts = group.split("-")
        if group.startswith("ccoe-cloud-") and len(parts) >= 8 and parts[5] == "idp":
            topics |= ROLE_TOPICS.get(parts[7], set())
    return topics


def seed_fleet(app_config: AppConfig, codes: list[str], users: int, groups: int) -> dict[str, dict[str, set[str]]]:
    """Spread ``users`` over the customers (the first gets more than a page) in ``groups`` groups in all."""
    rng = random.Random(9)
    per_customer_groups = groups // len(codes)
    first = 200
    rest = (users - first) // (len(codes) - 1)
    counts = [first] + [rest] * (len(codes) - 2) + [users - first - rest * (len(codes) - 2)]
    expected: dict[str, dict[str, set[str]]] = {}
    roles = sorted(ROLE_TOPICS)
    for code, count in zip(codes, counts, strict=True):
        directory = SeededDirectory(ic_account(app_config, code))
        names = [
            role_group(code, roles[i % len(roles)], app=f"app{i // len(roles)}") for i in range(per_customer_groups - 2)
        ]
        names += [f"{code}-readers", "ccoe-cloud-malformed-group"]
        seeds, expected[code] = [], {}
        for i in range(count):
            chosen = rng.sample(names, rng.randint(0, 3))
            email = None if i % 50 == 49 else f"user{i}@{code}.example.com"
            seeds.append(SeedUser(f"{code}-user{i}", email, chosen))
            if email:
                expected[code][email] = expected_topics(chosen)
        directory.add_users(seeds)
        for name in names:
            directory.group(name)
    return expected


def opted_in(preferences: dict[str, str]) -> set[str]:
    return {topic for topic, status in preferences.items() if status == "OPT_IN"}


def test_importing_2000_users_in_300_groups_for_25_customers_creates_exactly_the_expected_contacts_once(
    ccm: Ccm, watch: AwsWatch, bucket: str, app_config: AppConfig
) -> None:
    codes = app_config.customer_codes[:25]
    expected = seed_fleet(app_config, codes, users=2000, groups=300)
    contacts_expected = sum(len(users) for users in expected.values())

    first = ccm.json("identity-center", "import", "--all", "--ses-rps", "0", "--ic-rps", "0")

    assert first["failed"] == 0
    for code in codes:
        contacts = stored_contacts(ses_account(app_config, code))
        assert {email: opted_in(c.preferences) for email, c in contacts.items()} == expected[code]
    results = {r["customer"]: r for r in first["results"]}
    assert results["alpha"]["users"] == 200  # two pages of ListUsers
    assert results["zulu"]["created"] == 0  # the 26th customer's directory is empty
    assert sum(r["users"] for r in first["results"]) == 2000
    assert sum(r["created"] for r in first["results"]) == contacts_expected

    watch.reset()
    second = ccm.json("identity-center", "import", "--all", "--ses-rps", "0", "--ic-rps", "0")

    assert second["failed"] == 0
    assert watch.ses_contact_writes() == 0
    assert watch.count("s3", ["PutObject"]) == 0
    assert sum(r["unchanged"] for r in second["results"]) == contacts_expected


def one_customer(app_config: AppConfig, users: list[SeedUser]) -> tuple[SeededDirectory, str]:
    directory = SeededDirectory(ic_account(app_config, "bravo"))
    directory.add_users(users)
    return directory, ses_account(app_config, "bravo")


def import_bravo(ccm: Ccm, *extra: str, expect_exit: int = 0) -> Any:
    return ccm.json(
        "identity-center",
        "import",
        "--customer",
        "bravo",
        "--ses-rps",
        "0",
        "--ic-rps",
        "0",
        *extra,
        expect_exit=expect_exit,
    )


def test_a_role_change_moves_a_contact_between_topics_and_keeps_its_choices(
    ccm: Ccm, bucket: str, app_config: AppConfig
) -> None:
    devops, security = role_group("bravo", "devops"), role_group("bravo", "security")
    directory, account = one_customer(
        app_config,
        [SeedUser("ana", "ana@example.com", [devops]), SeedUser("ben", "ben@example.com", [devops])],
    )
    directory.group(security)
    import_bravo(ccm)
    assert opted_in(stored_contacts(account)["ana@example.com"].preferences) == EVERYONE | ROLE_TOPICS["devops"]
    # ana opts out of calendar invites and into general updates; ben unsubscribes from everything
    set_contact(
        account,
        "ana@example.com",
        {
            **dict.fromkeys(EVERYONE | {"inner-announce"}, "OPT_IN"),
            "aws-calendar": "OPT_OUT",
            "general-updates": "OPT_IN",
        },
    )
    ben = stored_contacts(account)["ben@example.com"]
    set_contact(account, "ben@example.com", ben.preferences, unsubscribe_all=True)

    for user in ("ana", "ben"):
        directory.leave(user, devops)
        directory.join(user, security)
    result = import_bravo(ccm)

    contacts = stored_contacts(account)
    ana = contacts["ana@example.com"].preferences
    assert ana["aws-calendar"] == "OPT_OUT"  # her opt-out survives although security grants the topic
    assert ana["general-updates"] == "OPT_IN"  # a topic she chose herself is not the import's to withdraw
    assert "inner-announce" not in ana  # devops' grant is withdrawn
    assert opted_in(ana) == EVERYONE | {"aws-approval", "announce-approval", "general-updates"}
    assert contacts["ben@example.com"].unsubscribe_all is True
    assert opted_in(contacts["ben@example.com"].preferences) == EVERYONE | ROLE_TOPICS["security"]
    assert result["results"][0]["updated"] == 2


def test_hand_added_contacts_stay_unless_pruned_and_departed_users_are_removed(
    ccm: Ccm, bucket: str, app_config: AppConfig
) -> None:
    directory, account = one_customer(
        app_config,
        [SeedUser("ana", "ana@example.com", []), SeedUser("cy", "cy@example.com", [])],
    )
    import_bravo(ccm)
    set_contact(account, "partner@vendor.example", {"aws-announce": "OPT_IN"})
    directory.remove_user("cy")

    kept = import_bravo(ccm)["results"][0]
    assert set(stored_contacts(account)) == {"ana@example.com", "partner@vendor.example"}
    assert (kept["removed"], kept["kept"]) == (1, 1)

    pruned = import_bravo(ccm, "--prune")["results"][0]
    assert set(stored_contacts(account)) == {"ana@example.com"}
    assert pruned["removed"] == 1


def test_addresses_are_matched_without_regard_to_case(ccm: Ccm, bucket: str, app_config: AppConfig) -> None:
    directory, account = one_customer(app_config, [SeedUser("dee", "dee@example.com", [])])
    import_bravo(ccm)
    set_contact(account, "Manual.Person@Example.com", {})
    directory.add_users([SeedUser("mp", "manual.person@example.com", [])])

    result = import_bravo(ccm)["results"][0]

    assert set(stored_contacts(account)) == {"dee@example.com", "Manual.Person@Example.com"}
    assert (result["created"], result["updated"]) == (0, 1)
    assert opted_in(stored_contacts(account)["Manual.Person@Example.com"].preferences) == EVERYONE


def test_a_dry_run_reports_the_plan_and_writes_nothing(
    ccm: Ccm, watch: AwsWatch, bucket: str, app_config: AppConfig
) -> None:
    one_customer(app_config, [SeedUser(f"u{i}", f"u{i}@example.com", []) for i in range(7)])

    result = import_bravo(ccm, "--dry-run")["results"][0]

    assert result["planned"]["create"] == [f"u{i}@example.com" for i in range(7)]
    assert result["contact_list"] == "would-create"
    assert watch.ses_contact_writes() == 0
    assert watch.count("s3", ["PutObject"]) == 0
    assert stored_contacts(ses_account(app_config, "bravo")) == {}
    human = ccm("identity-center", "import", "--customer", "bravo", "--dry-run", "--ses-rps", "0", "--ic-rps", "0")
    assert "would create u0@example.com" in human.stdout and "and 2 more" in human.stdout


def test_one_customer_failing_does_not_stop_the_others_and_the_exit_code_says_so(
    ccm: Ccm, bucket: str, app_config: AppConfig
) -> None:
    one_customer(app_config, [SeedUser("ana", "ana@example.com", [])])
    from moto.ssoadmin.models import ssoadmin_backends

    backend = ssoadmin_backends[ic_account(app_config, "charlie")]["us-east-1"]
    backend.instances.append(type(backend.instances[0])(backend.account_id, "us-east-1"))

    result = ccm.json(
        "identity-center", "import", "--customer", "bravo", "--customer", "charlie", "--ses-rps", "0", expect_exit=1
    )

    outcome = {r["customer"]: r for r in result["results"]}
    assert outcome["bravo"]["ok"] and outcome["bravo"]["created"] == 1
    assert not outcome["charlie"]["ok"]
    assert "exactly one Identity Center instance, found 2" in outcome["charlie"]["error"]


def test_importing_one_user_touches_only_that_contact(ccm: Ccm, bucket: str, app_config: AppConfig) -> None:
    _, account = one_customer(
        app_config,
        [SeedUser("ana", "ana@example.com", [role_group("bravo", "dba")]), SeedUser("bo", "bo@example.com", [])],
    )
    result = import_bravo(ccm, "--username", "ana")["results"][0]
    assert set(stored_contacts(account)) == {"ana@example.com"}
    assert result["created"] == 1
    assert opted_in(stored_contacts(account)["ana@example.com"].preferences) == EVERYONE | ROLE_TOPICS["dba"]


def test_the_grant_record_lives_in_the_bucket(ccm: Ccm, bucket: str, app_config: AppConfig) -> None:
    one_customer(app_config, [SeedUser("ana", "Ana@Example.com", [role_group("bravo", "finance")])])
    import_bravo(ccm)
    body = boto3.client("s3").get_object(Bucket=bucket, Key="identity-import/bravo.json")["Body"].read()
    assert b'"ana@example.com"' in body and b"finops-announce" in body


def test_every_ses_and_identity_center_call_waits_for_its_limiter_at_the_default_rates(
    ccm: Ccm, watch: AwsWatch, bucket: str, app_config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[RecordingLimiter] = []

    class RecordingLimiter(RateLimiter):
        def __init__(self, rate: float, burst: float | None = None) -> None:
            super().__init__(rate, burst)
            self.acquired = 0
            created.append(self)

        def acquire(self, tokens: float = 1.0) -> float:
            self.acquired += 1
            return 0.0

    monkeypatch.setattr("ccm.aws.customer_clients.RateLimiter", RecordingLimiter)
    one_customer(app_config, [SeedUser("ana", "ana@example.com", []), SeedUser("bo", "bo@example.com", [])])

    ccm.json("identity-center", "import", "--customer", "bravo")

    by_rate = {limiter.rate: limiter for limiter in created}
    assert sorted(by_rate) == [1.0, 9.0]  # SES allows about 1 request/s per account; Identity Center 9 by default
    assert by_rate[1.0].acquired == watch.count("sesv2") >= 2 + 3  # two contacts created, list read and made
    assert by_rate[9.0].acquired == watch.count("identitystore") + watch.count("sso-admin")


def test_a_contact_ses_refuses_fails_the_customer_but_not_the_other_contacts(
    ccm: Ccm, watch: AwsWatch, bucket: str, app_config: AppConfig
) -> None:
    _, account = one_customer(
        app_config, [SeedUser("ana", "ana@example.com", []), SeedUser("bad", "bad@example.com", [])]
    )
    watch.refuse("sesv2", "CreateContact", lambda params: params["EmailAddress"] == "bad@example.com", "BadRequest")

    result = import_bravo(ccm, expect_exit=1)["results"][0]

    assert set(stored_contacts(account)) == {"ana@example.com"}
    assert (result["created"], result["failed"]) == (1, 1)
    assert "1 contact write(s) failed: bad@example.com" in result["error"]
    body = boto3.client("s3").get_object(Bucket=bucket, Key="identity-import/bravo.json")["Body"].read()
    assert b"ana@example.com" in body and b"bad@example.com" not in body
