"""Meeting claims in the one DynamoDB table (moto): one winner, its result for everyone, a lease for the dead."""

from __future__ import annotations

import boto3
import pytest

from ccm.storage.meeting_claims import ActionClaim, ActionInProgress, Completed, DynamoMeetingClaims
from ccm.storage.table import create_table_arguments
from tests.backend_support import Clock
from tests.conftest import TABLE


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def claims(aws: None, clock: Clock) -> DynamoMeetingClaims:
    boto3.client("dynamodb").create_table(**create_table_arguments(TABLE))
    return DynamoMeetingClaims(TABLE, clock=clock)


def test_one_worker_wins_a_claim_and_everyone_after_it_gets_its_result(claims: DynamoMeetingClaims) -> None:
    won = claims.claim("CHG-1", "CREATE#0")
    assert isinstance(won, ActionClaim)
    with pytest.raises(ActionInProgress):
        claims.claim("CHG-1", "CREATE#0")

    claims.complete(won, {"meeting": {"meeting_id": "AAMk-1"}})

    assert claims.claim("CHG-1", "CREATE#0") == Completed({"meeting": {"meeting_id": "AAMk-1"}})
    assert claims.result("CHG-1", "CREATE#0") == {"meeting": {"meeting_id": "AAMk-1"}}
    assert isinstance(claims.claim("CHG-1", "CANCEL#x"), ActionClaim)


def test_a_released_claim_can_be_taken_again_and_stores_nothing(claims: DynamoMeetingClaims) -> None:
    won = claims.claim("CHG-1", "CREATE#0")
    assert isinstance(won, ActionClaim)

    claims.release(won)

    assert claims.result("CHG-1", "CREATE#0") is None
    assert isinstance(claims.claim("CHG-1", "CREATE#0"), ActionClaim)


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_its_lease_and_the_dead_one_cannot_finish(
    claims: DynamoMeetingClaims, clock: Clock
) -> None:
    dead = claims.claim("CHG-1", "CREATE#0")
    assert isinstance(dead, ActionClaim)

    clock.advance(claims.lease_seconds + 1)
    successor = claims.claim("CHG-1", "CREATE#0")
    assert isinstance(successor, ActionClaim)
    claims.complete(dead, {"meeting": {"meeting_id": "late"}})
    claims.release(dead)
    claims.complete(successor, {"meeting": {"meeting_id": "AAMk-2"}})

    assert claims.result("CHG-1", "CREATE#0") == {"meeting": {"meeting_id": "AAMk-2"}}


def test_claim_rows_live_in_the_meeting_family_with_a_time_to_live(claims: DynamoMeetingClaims) -> None:
    won = claims.claim("CHG-1", "CREATE#0")
    assert isinstance(won, ActionClaim)
    claims.complete(won, {"meeting": None})

    item = boto3.client("dynamodb").get_item(
        TableName=TABLE, Key={"pk": {"S": "MEETING#CHG-1"}, "sk": {"S": "CREATE#0"}}
    )
    assert item["Item"]["state"]["S"] == "done"
    assert int(item["Item"]["expires_at"]["N"]) > int(claims.clock()) + 2 * 365 * 24 * 3600
