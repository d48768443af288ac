"""``ccm ses subscriptions apply``: SubscriptionConfig.json made true on each customer's own SES contact list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from ccm.aws.ratelimit import RateLimiter
from ccm.config import AppConfig
from tests.cli.conftest import Ccm
from tests.fakes.aws_watch import AwsWatch
from tests.fakes.identity_center import SeededDirectory, SeedUser, role_group
from tests.fakes.ses_state import set_contact, stored_contacts

NOC = "noc@example.com"
# What SESConfig.json promises the import grants, written out independently of the code under test.
EVERYONE = {"aws-announce", "cic-announce", "subscription-preferences"}


def opted_in(preferences: dict[str, str]) -> set[str]:
    return {topic for topic, status in preferences.items() if status == "OPT_IN"}


def account(app_config: AppConfig, code: str) -> str:
    return app_config.customer(code).account_id


def directory_of(app_config: AppConfig, code: str) -> SeededDirectory:
    arn = app_config.customer(code).identity_center_role_arn
    assert arn is not None
    return SeededDirectory(arn.split(":")[4])


class SubscriptionFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, document: dict[str, Any]) -> SubscriptionFile:
        self.path.write_text(json.dumps(document))
        return self


@pytest.fixture
def subscriptions(tmp_path: Path) -> SubscriptionFile:
    return SubscriptionFile(tmp_path / "SubscriptionConfig.json")


def apply(ccm: Ccm, file: SubscriptionFile, *arguments: str, expect_exit: int = 0) -> Any:
    return ccm.json(
        "ses", "subscriptions", "apply", "--file", str(file.path), "--ses-rps", "0", *arguments, expect_exit=expect_exit
    )


def results(document: Any) -> dict[str, Any]:
    return {result["customer"]: result for result in document["results"]}


def record(bucket: str, code: str) -> dict[str, Any]:
    body = boto3.client("s3").get_object(Bucket=bucket, Key=f"subscription-grants/{code}.json")["Body"].read()
    document: dict[str, Any] = json.loads(body)["contacts"]
    return document


def import_bravo(ccm: Ccm, *extra: str) -> Any:
    document = ccm.json("identity-center", "import", "-c", "bravo", "--ses-rps", "0", "--ic-rps", "0", *extra)
    return results(document)["bravo"]


def test_a_first_apply_subscribes_every_listed_address_and_an_unchanged_rerun_writes_nothing(
    ccm: Ccm, watch: AwsWatch, bucket: str, app_config: AppConfig, subscriptions: SubscriptionFile
) -> None:
    subscriptions.write(
        {
            "aws-calendar": [NOC],
            "aws-announce": [NOC],
            "customers": {"alpha": {"finops-announce": ["Finance@Alpha.example.com"]}},
        }
    )

    first = results(apply(ccm, subscriptions, "-c", "alpha", "-c", "bravo", "-c", "charlie"))

    alpha = stored_contacts(account(app_config, "alpha"))
    assert {email: c.preferences for email, c in alpha.items()} == {
        NOC: {"aws-calendar": "OPT_IN", "aws-announce": "OPT_IN"},
        "Finance@Alpha.example.com": {"finops-announce": "OPT_IN"},
    }
    for code in ("bravo", "charlie"):
        assert {email: c.preferences for email, c in stored_contacts(account(app_config, code)).items()} == {
            NOC: {"aws-calendar": "OPT_IN", "aws-announce": "OPT_IN"}
        }
    assert stored_contacts(account(app_config, "delta")) == {}, "only the customers asked for"
    assert [first[code]["created"] for code in ("alpha", "bravo", "charlie")] == [2, 1, 1]
    assert {first[code]["contact_list"] for code in first} == {"created"}
    assert record(bucket, "alpha")["finance@alpha.example.com"] == {"topics": ["finops-announce"], "created": True}

    watch.reset()
    again = results(apply(ccm, subscriptions, "-c", "alpha", "-c", "bravo", "-c", "charlie"))

    assert watch.ses_contact_writes() == 0
    assert watch.count("s3", ["PutObject"]) == 0
    assert [again[code]["unchanged"] for code in ("alpha", "bravo", "charlie")] == [2, 1, 1]
    assert sum(again[code]["created"] + again[code]["updated"] for code in again) == 0


def test_addresses_and_topics_leaving_the_file_keep_their_grants_until_prune(
    ccm: Ccm, watch: AwsWatch, bucket: str, app_config: AppConfig, subscriptions: SubscriptionFile
) -> None:
    subscriptions.write(
        {"aws-calendar": [NOC], "aws-announce": [NOC], "customers": {"alpha": {"finops-announce": ["fin@example.com"]}}}
    )
    apply(ccm, subscriptions, "-c", "alpha")
    subscriptions.write({"aws-announce": [NOC]})

    watch.reset()
    kept = results(apply(ccm, subscriptions, "-c", "alpha"))["alpha"]
    assert watch.ses_contact_writes() == 0
    assert kept["awaiting_prune"] == [f"{NOC}: aws-calendar", "fin@example.com: finops-announce"]
    assert set(stored_contacts(account(app_config, "alpha"))) == {NOC, "fin@example.com"}

    pruned = results(apply(ccm, subscriptions, "-c", "alpha", "--prune"))["alpha"]

    contacts = stored_contacts(account(app_config, "alpha"))
    assert {email: c.preferences for email, c in contacts.items()} == {NOC: {"aws-announce": "OPT_IN"}}
    assert (pruned["updated"], pruned["removed"]) == (1, 1)
    assert record(bucket, "alpha") == {NOC: {"topics": ["aws-announce"], "created": True}}


def test_a_persons_own_choices_are_kept_and_reported(
    ccm: Ccm, bucket: str, app_config: AppConfig, subscriptions: SubscriptionFile
) -> None:
    apply(ccm, subscriptions.write({"aws-announce": [NOC]}), "-c", "bravo")
    where = account(app_config, "bravo")
    set_contact(where, "quiet@example.com", {"aws-calendar": "OPT_IN"}, unsubscribe_all=True)
    set_contact(where, "picky@example.com", {"aws-calendar": "OPT_OUT", "general-updates": "OPT_IN"})
    subscriptions.write(
        {
            "aws-calendar": ["quiet@example.com", "picky@example.com"],
            "general-updates": ["picky@example.com"],
            "aws-announce": [NOC],
        }
    )

    result = results(apply(ccm, subscriptions, "-c", "bravo"))["bravo"]

    contacts = stored_contacts(where)
    assert contacts["quiet@example.com"].unsubscribe_all is True
    assert contacts["quiet@example.com"].preferences == {"aws-calendar": "OPT_IN"}
    assert contacts["picky@example.com"].preferences == {"aws-calendar": "OPT_OUT", "general-updates": "OPT_IN"}
    assert result["unsubscribed_all"] == ["quiet@example.com"]
    assert result["opted_out"] == ["picky@example.com: aws-calendar"]
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 2)
    # general-updates was picky's own choice: the file does not claim it, so no prune can ever take it away
    assert record(bucket, "bravo")["picky@example.com"] == {"topics": [], "created": False}
    human = ccm("ses", "subscriptions", "apply", "--file", str(subscriptions.path), "-c", "bravo", "--ses-rps", "0")
    assert "bravo: left alone, unsubscribed from everything: quiet@example.com" in human.stdout
    assert "bravo: left alone, opted out: picky@example.com: aws-calendar" in human.stdout

    directory_of(app_config, "bravo").add_users([SeedUser("dee", "dee@example.com", [])])
    import_bravo(ccm, "--prune")
    kept = stored_contacts(where)
    assert {"quiet@example.com", "picky@example.com", NOC} < set(kept), "the file lists them: the import keeps them"
    assert kept["quiet@example.com"].unsubscribe_all is True


def test_the_import_never_removes_what_the_file_granted(
    ccm: Ccm, bucket: str, app_config: AppConfig, subscriptions: SubscriptionFile
) -> None:
    devops, finance = role_group("bravo", "devops"), role_group("bravo", "finance")
    directory = directory_of(app_config, "bravo")
    directory.add_users([SeedUser("ana", "ana@example.com", [devops]), SeedUser("ben", "ben@example.com", [])])
    directory.group(finance)
    import_bravo(ccm)
    subscriptions.write({"aws-calendar": [NOC, "ana@example.com", "ben@example.com"]})
    applied = results(apply(ccm, subscriptions, "-c", "bravo"))["bravo"]
    assert (applied["created"], applied["updated"], applied["unchanged"]) == (1, 1, 1)  # ana had it by her role

    directory.leave("ana", devops)
    directory.join("ana", finance)
    directory.remove_user("ben")
    pruned = import_bravo(ccm, "--prune")

    contacts = stored_contacts(account(app_config, "bravo"))
    assert set(contacts) == {NOC, "ana@example.com", "ben@example.com"}
    assert opted_in(contacts["ana@example.com"].preferences) == EVERYONE | {"aws-calendar", "finops-announce"}
    assert opted_in(contacts["ben@example.com"].preferences) == {"aws-calendar"}, "only the import's grants go"
    assert contacts[NOC].preferences == {"aws-calendar": "OPT_IN"}
    assert (pruned["removed"], pruned["updated"]) == (0, 2)

    subscriptions.write({"aws-calendar": [NOC]})
    apply(ccm, subscriptions, "-c", "bravo", "--prune")
    contacts = stored_contacts(account(app_config, "bravo"))
    assert opted_in(contacts["ana@example.com"].preferences) == EVERYONE | {"finops-announce"}
    assert contacts["ben@example.com"].preferences == {}, "the import made ben's contact; the import removes it"

    assert import_bravo(ccm)["removed"] == 1
    assert set(stored_contacts(account(app_config, "bravo"))) == {NOC, "ana@example.com"}


def test_pruning_the_file_never_removes_what_the_import_granted(
    ccm: Ccm, bucket: str, app_config: AppConfig, subscriptions: SubscriptionFile
) -> None:
    subscriptions.write({"aws-announce": ["cy@example.com"], "aws-calendar": ["cy@example.com"]})
    apply(ccm, subscriptions, "-c", "bravo")
    directory_of(app_config, "bravo").add_users([SeedUser("cy", "cy@example.com", [])])
    assert import_bravo(ccm)["updated"] == 1  # cy now also gets everyone's topics from the import

    subscriptions.write({})
    result = results(apply(ccm, subscriptions, "-c", "bravo", "--prune"))["bravo"]

    cy = stored_contacts(account(app_config, "bravo"))["cy@example.com"]
    assert opted_in(cy.preferences) == EVERYONE, "aws-announce stays: the import granted it too"
    assert (result["updated"], result["removed"]) == (1, 0), "the file created cy, but the import still has a use"
    assert import_bravo(ccm)["unchanged"] == 1


def test_a_dry_run_reports_the_plan_and_writes_nothing(
    ccm: Ccm, watch: AwsWatch, bucket: str, app_config: AppConfig, subscriptions: SubscriptionFile
) -> None:
    subscriptions.write({"aws-calendar": [f"desk{i}@example.com" for i in range(7)]})

    result = results(apply(ccm, subscriptions, "-c", "echo", "--dry-run"))["echo"]

    assert result["planned"]["create"] == [f"desk{i}@example.com" for i in range(7)]
    assert (result["created"], result["contact_list"]) == (7, "would-create")
    assert watch.ses_contact_writes() == 0 and watch.count("s3", ["PutObject"]) == 0
    human = ccm("ses", "subscriptions", "apply", "--file", str(subscriptions.path), "-c", "echo", "--dry-run")
    assert "echo: would create: desk0@example.com" in human.stdout and "and 2 more" in human.stdout


def test_a_customer_the_file_does_not_concern_costs_no_ses_call(
    ccm: Ccm, watch: AwsWatch, bucket: str, subscriptions: SubscriptionFile
) -> None:
    subscriptions.write({"customers": {"alpha": {"aws-calendar": [NOC]}}})

    result = results(apply(ccm, subscriptions, "-c", "bravo"))["bravo"]

    assert result["contact_list"] == "not needed"
    assert watch.count("sesv2") == 0


def test_an_address_the_customers_allow_list_excludes_is_subscribed_and_reported_as_never_mailed(
    ccm: Ccm, bucket: str, subscriptions: SubscriptionFile
) -> None:
    subscriptions.write({"aws-announce": [NOC, "approver@example.com"]})

    result = results(apply(ccm, subscriptions, "-c", "zulu"))["zulu"]

    assert result["created"] == 2 and result["not_mailed"] == [NOC]


def test_a_bad_file_stops_before_any_aws_call_with_the_key_and_reason(
    ccm: Ccm, watch: AwsWatch, subscriptions: SubscriptionFile
) -> None:
    subscriptions.write({"aws-calendar": ["noc at example.com"]})

    result = ccm("ses", "subscriptions", "apply", "--file", str(subscriptions.path), "--all")

    assert result.exit_code == 1
    assert "SubscriptionConfig.json: aws-calendar[0]: 'noc at example.com' is not an email address" in result.output
    assert sum(watch.calls.values()) == 0


def test_a_contact_ses_refuses_fails_the_customer_but_not_the_other_contacts(
    ccm: Ccm, watch: AwsWatch, bucket: str, app_config: AppConfig, subscriptions: SubscriptionFile
) -> None:
    subscriptions.write({"aws-calendar": [NOC, "bad@example.com"]})
    watch.refuse("sesv2", "CreateContact", lambda params: params["EmailAddress"] == "bad@example.com", "BadRequest")

    result = results(apply(ccm, subscriptions, "-c", "alpha", expect_exit=1))["alpha"]

    assert set(stored_contacts(account(app_config, "alpha"))) == {NOC}
    assert (result["created"], result["failed"]) == (1, 1)
    assert "1 contact write(s) failed: bad@example.com" in result["error"]
    assert set(record(bucket, "alpha")) == {NOC}, "the next run tries bad@example.com again"


def test_every_ses_call_waits_for_the_accounts_limiter_at_the_default_rate(
    ccm: Ccm, watch: AwsWatch, bucket: str, subscriptions: SubscriptionFile, monkeypatch: pytest.MonkeyPatch
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
    subscriptions.write({"aws-calendar": [NOC, "desk@example.com"]})

    ccm.json("ses", "subscriptions", "apply", "--file", str(subscriptions.path), "-c", "alpha", "-c", "bravo")

    assert sorted(limiter.rate for limiter in created) == [1.0, 1.0]  # one per SES account, at SES's 1 request/s
    assert sum(limiter.acquired for limiter in created) == watch.count("sesv2") >= 2 * (2 + 3)
