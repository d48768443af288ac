"""Each channel's format, checked by the reference implementation of that format (not by our own reading of it)."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import jsonschema
from cloudevents.core.bindings.http import HTTPMessage, from_http
from cloudevents.core.formats.json import JSONFormat
from slack_sdk.models.blocks import Block
from standardwebhooks import Webhook, WebhookVerificationError

from ccm.channels.slack import slack_blocks, slack_body
from ccm.channels.teams import CARD_CONTENT_TYPE, teams_body
from ccm.channels.webhook import CONTENT_TYPE, cloud_event_body, sign, webhook_id
from tests.channels.support import NOW, SECRET, message


def card_schema(version: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((files("adaptive_cards") / "schemas" / f"schema-{version}.json").read_text())
    return schema


def test_the_teams_post_is_an_adaptive_card_valid_against_the_schema_of_the_version_it_declares() -> None:
    envelope = json.loads(teams_body(message()))
    [attachment] = envelope["attachments"]
    assert envelope["type"] == "message" and attachment["contentType"] == CARD_CONTENT_TYPE
    card = attachment["content"]
    jsonschema.Draft6Validator(card_schema(card["version"])).validate(card)
    assert card["body"][0]["text"] == "Approved: Renew the <edge> certificates & keys"
    assert [action["url"] for action in card["actions"]] == [
        "https://portal.example.com/edit-change.html?changeId=CHG-2030-0001",
        "https://teams.microsoft.com/l/meetup-join/abc",
    ]


def test_a_card_the_schema_refuses_is_caught_by_the_same_check() -> None:
    card = json.loads(teams_body(message()))["attachments"][0]["content"]
    card["body"].append({"type": "TextBlock", "text": "x", "size": "Gigantic"})
    try:
        jsonschema.Draft6Validator(card_schema(card["version"])).validate(card)
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema accepted a TextBlock size it does not define")


def test_the_slack_post_is_block_kit_that_slack_sdks_models_parse_back_unchanged() -> None:
    payload = json.loads(slack_body(message()))
    parsed = Block.parse_all(payload["blocks"])
    assert [block.to_dict() for block in parsed] == payload["blocks"]
    for block in parsed:
        block.validate_json()
    assert [block["type"] for block in payload["blocks"]] == ["header", "section", "context", "actions"]


def test_slack_text_from_users_cannot_mention_everyone_or_hide_a_link() -> None:
    payload = slack_body(message()).decode()
    assert "<!channel>" not in payload and "&lt;!channel&gt;" in payload
    assert "&lt;edge&gt; certificates &amp; keys" in payload


def test_a_title_longer_than_slacks_header_limit_is_shortened_not_refused() -> None:
    blocks = slack_blocks(message(headline="Approved: " + "x" * 400))
    header = blocks[0].to_dict()
    assert len(header["text"]["text"]) == 150


def test_the_webhook_body_is_a_cloudevent_that_the_cloudevents_library_parses() -> None:
    message_id = webhook_id("CHG-2030-0001", 3, "approved", "xray", "itsm")
    body = cloud_event_body(message(), message_id, NOW)
    event = from_http(HTTPMessage(headers={"content-type": CONTENT_TYPE}, body=body), JSONFormat())
    assert event.get_specversion() == "1.0"
    assert event.get_type() == "com.ccm.change.approved"
    assert event.get_subject() == "CHG-2030-0001"
    assert event.get_id() == message_id
    assert event.get_source() == "/ccm/customers/xray"
    assert event.get_time() == NOW
    data = event.get_data()
    assert isinstance(data, dict)
    assert data["url"] == "https://portal.example.com/edit-change.html?changeId=CHG-2030-0001"
    assert data["window"]["start"] == "2030-01-07T09:00:00+00:00"
    assert data["customer"] == {"code": "xray", "name": "Xray Imaging"}


def test_the_signature_matches_the_test_vector_of_the_standard_webhooks_specification() -> None:
    headers = sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", b'{"test": 2432232314}', NOW.fromtimestamp(1614265330))
    assert headers.timestamp == 1614265330
    assert headers.signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_receiver_verifies_the_signed_post_with_the_standard_webhooks_library() -> None:
    import time
    from datetime import UTC, datetime

    now = datetime.fromtimestamp(int(time.time()), UTC)
    message_id = webhook_id("CHG-2030-0001", 3, "approved", "xray", "itsm")
    body = cloud_event_body(message(), message_id, now)
    headers = sign(SECRET, message_id, body, now).as_dict()
    assert Webhook(SECRET).verify(body, headers)["subject"] == "CHG-2030-0001"
    tampered = body.replace(b"CHG-2030-0001", b"CHG-2030-0002")
    try:
        Webhook(SECRET).verify(tampered, headers)
    except WebhookVerificationError:
        return
    raise AssertionError("a changed body verified")


def test_the_message_id_is_the_same_for_every_attempt_of_one_delivery_and_differs_between_deliveries() -> None:
    first = webhook_id("CHG-1", 3, "approved", "xray", "itsm")
    assert first == webhook_id("CHG-1", 3, "approved", "xray", "itsm")
    assert first != webhook_id("CHG-1", 4, "approved", "xray", "itsm")
    assert first != webhook_id("CHG-1", 3, "approved", "xray", "other")
