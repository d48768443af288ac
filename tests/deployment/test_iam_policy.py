"""The policy evaluator behind the IAM check follows IAM's documented rules (IAM User Guide examples)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deployment.iam_policy import UnsupportedPolicy, arn_matches, evaluate
from tests.deployment.iam_requests import AuthorizationRequest, requests_for

BUCKET = "arn:aws:s3:::data"


def request(action: str, resource: str, **context: list[str]) -> AuthorizationRequest:
    keys = tuple(sorted((name.replace("__", ":"), tuple(values)) for name, values in context.items()))
    return AuthorizationRequest("test", action, resource, keys)


def allow(action: Any, resource: Any, condition: dict[str, Any] | None = None, sid: str = "A") -> dict[str, Any]:
    statement = {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}
    return {**statement, "Condition": condition} if condition else statement


def test_nothing_is_allowed_without_a_statement_and_an_explicit_deny_beats_any_allow() -> None:
    read = request("s3:GetObject", f"{BUCKET}/a.json")
    deny = {"Sid": "D", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}

    assert not evaluate([], read).allowed
    assert evaluate([allow("s3:GetObject", f"{BUCKET}/*")], read).allowed
    assert evaluate([allow("s3:GetObject", f"{BUCKET}/*"), deny], read) == evaluate([deny], read)
    assert evaluate([deny], read).by == "D"


def test_actions_match_without_case_and_with_wildcards_resources_with_case() -> None:
    assert evaluate([allow("S3:get*", "*")], request("s3:GetObject", f"{BUCKET}/a")).allowed
    assert not evaluate([allow("s3:GetObject", f"{BUCKET}/A*")], request("s3:GetObject", f"{BUCKET}/a")).allowed
    assert evaluate([allow("s3:GetObject", f"{BUCKET}/a?c")], request("s3:GetObject", f"{BUCKET}/abc")).allowed
    assert not evaluate([allow("s3:GetObject", f"{BUCKET}/a.c")], request("s3:GetObject", f"{BUCKET}/abc")).allowed


def test_a_wildcard_never_spans_the_arn_segments_before_the_resource() -> None:
    assert arn_matches("arn:aws:sqs:*:1:stack-trigger-*", "arn:aws:sqs:us-east-1:1:stack-trigger-alpha")
    assert not arn_matches("arn:aws:sqs:us-*:1:q", "arn:aws:sqs:us-east-1:2:1:q")
    assert arn_matches("arn:aws:logs:*:1:log-group:/aws/x:*", "arn:aws:logs:eu-west-1:1:log-group:/aws/x:log-stream:s")


def test_not_action_and_not_resource_apply_to_everything_else() -> None:
    statement = {"Sid": "N", "Effect": "Allow", "NotAction": "s3:DeleteObject", "NotResource": f"{BUCKET}/secret/*"}

    assert evaluate([statement], request("s3:GetObject", f"{BUCKET}/a")).allowed
    assert not evaluate([statement], request("s3:DeleteObject", f"{BUCKET}/a")).allowed
    assert not evaluate([statement], request("s3:GetObject", f"{BUCKET}/secret/a")).allowed


def test_a_prefix_condition_allows_listing_that_prefix_only_and_says_why_not() -> None:
    statement = allow("s3:ListBucket", BUCKET, {"StringLike": {"s3:prefix": "identity-import/*"}}, sid="Find")

    assert evaluate([statement], request("s3:ListBucket", BUCKET, s3__prefix=["identity-import/a.json"])).allowed
    refused = evaluate([statement], request("s3:ListBucket", BUCKET, s3__prefix=["archive/"]))
    absent = evaluate([statement], request("s3:ListBucket", BUCKET))

    assert not refused.allowed and "the request's s3:prefix is archive/" in refused.near_misses[0]
    assert not absent.allowed and "s3:prefix is absent" in absent.near_misses[0]


def test_a_missing_key_fails_a_positive_condition_but_passes_a_negated_or_if_exists_one() -> None:
    listing = request("s3:ListBucket", BUCKET)

    assert evaluate([allow("s3:ListBucket", BUCKET, {"StringNotLike": {"s3:prefix": "x/*"}})], listing).allowed
    assert evaluate([allow("s3:ListBucket", BUCKET, {"StringLikeIfExists": {"s3:prefix": "x/*"}})], listing).allowed
    assert evaluate([allow("s3:ListBucket", BUCKET, {"Null": {"s3:prefix": "true"}})], listing).allowed
    assert not evaluate([allow("s3:ListBucket", BUCKET, {"StringEquals": {"s3:prefix": ""}})], listing).allowed


def test_for_all_values_needs_every_value_to_match_and_for_any_value_one() -> None:
    table = "arn:aws:dynamodb:us-east-1:1:table/t"
    all_saml = allow("dynamodb:PutItem", table, {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["SAML#*"]}})
    any_saml = allow("dynamodb:PutItem", table, {"ForAnyValue:StringLike": {"dynamodb:LeadingKeys": ["SAML#*"]}})
    mixed = request("dynamodb:PutItem", table, dynamodb__LeadingKeys=["SAML#1", "LEDGER#2"])

    assert evaluate([all_saml], request("dynamodb:PutItem", table, dynamodb__LeadingKeys=["SAML#1"])).allowed
    assert not evaluate([all_saml], mixed).allowed
    assert evaluate([any_saml], mixed).allowed
    assert not evaluate([any_saml], request("dynamodb:PutItem", table)).allowed


def test_what_the_evaluator_does_not_implement_fails_instead_of_guessing() -> None:
    read = request("s3:GetObject", f"{BUCKET}/a")

    with pytest.raises(UnsupportedPolicy, match="NumericLessThan"):
        evaluate([allow("s3:GetObject", "*", {"NumericLessThan": {"s3:max-keys": "10"}})], read)
    with pytest.raises(UnsupportedPolicy, match="policy variables"):
        evaluate([allow("s3:GetObject", f"{BUCKET}/${{aws:username}}/*")], read)


def test_a_read_that_found_no_key_also_needs_list_bucket_for_s3_to_say_so() -> None:
    found = requests_for("s3", "GetObject", {"Bucket": "data", "Key": "a.json"}, region="us-east-1", status=200)
    missing = requests_for("s3", "HeadObject", {"Bucket": "data", "Key": "a.json"}, region="us-east-1", status=404)

    assert [(r.action, r.resource) for r in found] == [("s3:GetObject", f"{BUCKET}/a.json")]
    assert [(r.action, r.resource) for r in missing] == [
        ("s3:GetObject", f"{BUCKET}/a.json"),
        ("s3:ListBucket", BUCKET),
    ]


def test_a_transaction_is_authorized_item_by_item_with_its_partition_keys() -> None:
    items = [
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "LEDGER#1"}, "sk": {"S": "x"}}}},
        {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "OBJ#2"}, "sk": {"S": "y"}}}},
    ]

    requests = requests_for("dynamodb", "TransactWriteItems", {"TransactItems": items}, region="eu-west-1", status=200)

    assert [(r.action, r.resource, r.value("dynamodb:LeadingKeys")) for r in requests] == [
        ("dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/t", ("LEDGER#1",)),
        ("dynamodb:ConditionCheckItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/t", ("OBJ#2",)),
    ]
