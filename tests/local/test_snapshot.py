"""Persistence between runs: what one emulator held comes back into a fresh one, the catalog rebuilt from it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ccm.aws.assume import RoleSessions
from ccm.config import AppConfig, SesConfig
from ccm.domain.status import Status
from ccm.local.fake_graph import FakeGraph
from ccm.local.outbox import Outbox
from ccm.local.snapshot import Snapshot, SnapshotError, item_from_json, item_to_json
from ccm.provision import Provisioner
from ccm.ses_admin.contacts import ContactList
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog, Query
from ccm.storage.feed_tokens import DynamoFeedTokens
from ccm.storage.repository import Repository
from tests.conftest import BUCKET, TABLE
from tests.factories import make_change

RECORDED = {"action": "created", "subject": "Rotate certificates"}


@pytest.fixture
def two_customers(app_config: AppConfig) -> AppConfig:
    """The demo configuration cut to two customers: every step below runs per customer."""
    kept = {code: app_config.customer(code) for code in ("alpha", "zulu")}
    return app_config.model_copy(update={"customer_mappings": kept})


def provision(app_config: AppConfig, ses_config: SesConfig) -> Repository:
    Provisioner(app_config, ses_config, BUCKET, TABLE, visibility_timeout=60).run()
    return Repository(ArchiveStore(BUCKET), Catalog(TABLE))


def contacts_of(app_config: AppConfig, code: str) -> ContactList:
    customer = app_config.customer(code)
    return ContactList.find(RoleSessions().session(customer.ses_role_arn, customer.region).client("sesv2"))


def rows(prefix: str) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    return [item for item in items if item["pk"]["S"].startswith(prefix)]


def snapshot(
    path: Path, app_config: AppConfig, outbox: Outbox | None = None, graph: FakeGraph | None = None
) -> Snapshot:
    return Snapshot(path, app_config, BUCKET, TABLE, outbox or Outbox({}), graph=graph)


def event_payload(subject: str) -> dict[str, Any]:
    window = {"timeZone": "UTC"}
    return {
        "subject": subject,
        "start": {"dateTime": "2030-01-07T15:00:00", **window},
        "end": {"dateTime": "2030-01-07T16:00:00", **window},
        "isOnlineMeeting": True,
        "singleValueExtendedProperties": [{"id": "String {ccm} Name ccmMeetingKey", "value": "CHG-1#1"}],
    }


def test_a_restart_brings_back_objects_rows_contacts_and_the_outbox_and_rebuilds_the_catalog(
    tmp_path: Path, two_customers: AppConfig, ses_config: SesConfig
) -> None:
    app_config = two_customers
    path = tmp_path / "state.json"
    change = make_change(status=Status.APPROVED.value, customers=["alpha"])
    with mock_aws():
        repository = provision(app_config, ses_config)
        repository.create(change)
        repository.archive.put_trigger("alpha", change, "approved_announcement")
        dynamodb = boto3.client("dynamodb")
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "LEDGER#x"}, "sk": {"S": "TO#a@example.com"}})
        dynamodb.put_item(
            TableName=TABLE,
            Item={"pk": {"S": "SAML#old"}, "sk": {"S": "REPLAY"}, "expires_at": {"N": str(int(time.time()) - 5)}},
        )
        contacts_of(app_config, "alpha").ses.create_contact(
            ContactListName=contacts_of(app_config, "alpha").name,
            EmailAddress="ops@alpha.example.com",
            TopicPreferences=[{"TopicName": "aws-calendar", "SubscriptionStatus": "OPT_IN"}],
        )
        outbox = Outbox({}, meetings=lambda: [RECORDED])
        graph = FakeGraph()
        graph.base_url = "https://127.0.0.1:9001"
        meeting = graph.add_event("change-calendar@example.com", event_payload("Rotate certificates"))
        counts = snapshot(path, app_config, outbox, graph).save()

    assert (counts.objects, counts.triggers, counts.rows, counts.contacts) == (1, 1, 1, 1)
    with mock_aws():
        repository = provision(app_config, ses_config)
        restored_outbox = Outbox({})
        calendar = FakeGraph()
        calendar.base_url = "https://127.0.0.1:9002"
        again = snapshot(path, app_config, restored_outbox, calendar)
        document = again.load()

        rebuilt = again.restore_state(document)
        trigger_key = f"customers/alpha/{change.id}.json"
        assert not repository.archive.trigger_exists("alpha", change.id), "triggers wait for the queues and workers"
        assert [outcome.ok for outcome in again.restore_contacts(document)] == [True] * len(app_config.customer_codes)
        assert again.restore_triggers() == 1

        assert rebuilt.catalog.objects == 1
        assert repository.get(change.id).obj.title == change.title
        assert [summary.id for summary in repository.catalog.query(Query(kind="change")).items] == [change.id]
        assert boto3.client("s3").get_object(Bucket=BUCKET, Key=trigger_key)["Metadata"]["request-type"] == (
            "approved_announcement"
        )
        assert [item["pk"]["S"] for item in rows("LEDGER#")] == ["LEDGER#x"]
        assert rows("SAML#") == [], "an expired replay record is not kept"
        contact = contacts_of(app_config, "alpha").get("ops@alpha.example.com")
        assert contact is not None and dict(contact.preferences) == {"aws-calendar": "OPT_IN"}
        assert restored_outbox.meetings() == [RECORDED]
        [kept] = calendar.meetings()
        assert (kept["id"], kept["key"], kept["status"]) == (meeting["id"], "CHG-1#1", "scheduled")
        assert kept["joinUrl"].startswith("https://127.0.0.1:9002/"), "links follow the Graph endpoint's new address"


def test_an_unreadable_snapshot_stops_the_start_with_the_way_out(tmp_path: Path, app_config: AppConfig) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")

    with pytest.raises(SnapshotError, match="make dev-reset"):
        snapshot(path, app_config).load()


def test_binary_attribute_values_survive_the_json_file() -> None:
    item = {"pk": {"S": "X"}, "blob": {"B": b"\x00\x01"}, "set": {"BS": [b"\xff"]}, "map": {"M": {"n": {"N": "1"}}}}

    assert item_from_json(item_to_json(item)) == item


def test_the_counts_name_what_they_count_and_a_sign_in_record_that_expires_meanwhile_is_let_go(
    tmp_path: Path, two_customers: AppConfig, ses_config: SesConfig
) -> None:
    """Why the table's kept rows can fall by one across a restart: a sign-in replay record lives five minutes."""
    path = tmp_path / "state.json"
    change = make_change(status=Status.APPROVED.value, customers=["alpha"])
    now = time.time()
    five_minutes = int(now) + 300
    with mock_aws():
        repository = provision(two_customers, ses_config)
        repository.create(change)
        dynamodb = boto3.client("dynamodb")
        for number in range(3):
            key = {"pk": {"S": f"LEDGER#{change.id}#1#approved#alpha"}, "sk": {"S": f"TO#p{number}@example.com"}}
            dynamodb.put_item(TableName=TABLE, Item=key)
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": f"MEETING#{change.id}"}, "sk": {"S": "create"}})
        replay = {"pk": {"S": "SAML#abc"}, "sk": {"S": "REPLAY"}, "expires_at": {"N": str(five_minutes)}}
        dynamodb.put_item(TableName=TABLE, Item=replay)
        DynamoFeedTokens(TABLE).issue("alpha")  # a customer's subscribed address must survive a restart
        away = {"pk": {"S": "DELEGATION#cab-member@example.com"}, "sk": {"S": "CURRENT"}}
        dynamodb.put_item(TableName=TABLE, Item=away)
        saved = Snapshot(path, two_customers, BUCKET, TABLE, Outbox({}), clock=lambda: now).save()

    assert dict(saved.rows_by_kind) == {
        "delivery-ledger rows": 3,
        "meeting claims": 1,
        "sign-in replay records": 1,
        "customer feed tokens": 1,
        "delegations": 1,
        "standard change templates and their counter": 0,
        "clock claims": 0,
        "SES message pointers": 0,
        "deliverability day counts": 0,
        "trigger failure reasons": 0,
        "customers' ratings": 0,
        "the rating links' signing keys": 0,
    }
    assert saved.objects_by_kind["archived changes and announcements"] == 1 and saved.triggers == 0
    assert (
        "3 delivery-ledger rows, 1 meeting claims, 1 sign-in replay records, 1 customer feed tokens" in saved.describe()
    )
    assert "1 archived changes and announcements" in saved.describe()

    with mock_aws():  # restarted ten minutes later
        provision(two_customers, ses_config)
        again = Snapshot(path, two_customers, BUCKET, TABLE, Outbox({}), clock=lambda: now + 600)
        restored = again.restore_state(again.load())

        assert rows("SAML#") == [] and len(rows("LEDGER#")) == 3 and len(rows("MEETING#")) == 1
        assert len(rows("DELEGATION#")) == 1
    assert restored.counts.rows_by_kind["sign-in replay records"] == 0 and restored.counts.expired_rows == 1
    assert "(1 expired sign-in replay records left out)" in restored.counts.describe()
    assert restored.catalog.objects == 1


def test_the_row_kinds_follow_the_prefixes_their_writers_use() -> None:
    from ccm.edge.replay import replay_key
    from ccm.local.snapshot import ROW_KINDS
    from ccm.storage.clock_claims import CLOCK_PREFIX
    from ccm.storage.delegations import DELEGATION_PREFIX
    from ccm.storage.delivery_records import COUNTER_PREFIX, POINTER_PREFIX
    from ccm.storage.feed_tokens import FEED_TOKEN_PREFIX
    from ccm.storage.feedback import FEEDBACK_PREFIX, KEYS_PARTITION
    from ccm.storage.ledger import LEDGER_PREFIX
    from ccm.storage.meeting_claims import MEETING_PREFIX
    from ccm.storage.templates import TEMPLATE_PARTITION
    from ccm.storage.trigger_failures import PREFIX as FAILURE_PREFIX

    assert [prefix for prefix, _ in ROW_KINDS] == [
        LEDGER_PREFIX,
        MEETING_PREFIX,
        replay_key(""),
        FEED_TOKEN_PREFIX,
        DELEGATION_PREFIX,
        TEMPLATE_PARTITION,
        CLOCK_PREFIX,
        POINTER_PREFIX,
        COUNTER_PREFIX,
        FAILURE_PREFIX,
        FEEDBACK_PREFIX,
        KEYS_PARTITION,
    ]
