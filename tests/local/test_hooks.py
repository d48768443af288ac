"""The local catchers at /dev/hooks: what they record, the flaky one's answers, signature checks, the outbox."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import boto3

from ccm.channels.webhook import sign
from ccm.config import AppConfig
from ccm.local.hooks import HookCatcher, catcher_name, seed_channel_parameters
from ccm.local.outbox import Outbox
from ccm.local.outbox_pages import OutboxApp
from tests.channels.support import SECRET


def call(app: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> tuple[str, str]:
    status: list[str] = []
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer = b"".join(app(environ, lambda s, h: status.append(s)))
    return status[0], answer.decode()


def test_a_flaky_catcher_answers_500_twice_per_message_then_200_and_the_others_200_at_once() -> None:
    catcher = HookCatcher()
    answers = [call(catcher, "POST", "/flaky-webhook-xray", b"{}", {"webhook-id": "msg_1"})[0] for _ in range(3)]
    assert answers == ["500 Internal Server Error", "500 Internal Server Error", "200 OK"]
    assert call(catcher, "POST", "/flaky-webhook-xray", b"{}", {"webhook-id": "msg_2"})[0].startswith("500")
    assert call(catcher, "POST", "/ops-teams-xray", b'{"type": "message"}')[0] == "200 OK"
    status, listing = call(catcher, "GET", "/ops-teams-xray")
    assert status == "200 OK" and [post["body"] for post in json.loads(listing)] == ['{"type": "message"}']


def test_a_catcher_that_knows_the_secret_checks_the_signature_as_a_receiver_would() -> None:
    catcher = HookCatcher(secrets={"itsm-webhook-xray": SECRET})
    now = datetime.now(UTC).replace(microsecond=0)
    body = b'{"specversion": "1.0"}'
    headers = sign(SECRET, "msg_3", body, now).as_dict()
    call(catcher, "POST", "/itsm-webhook-xray", body, headers)
    call(catcher, "POST", "/itsm-webhook-xray", body + b" ", headers)
    assert [post.signature for post in catcher.caught()] == ["valid", "invalid"]
    assert catcher.caught()[0].headers["webhook-id"] == "msg_3"


def test_the_stack_points_every_demo_channel_at_its_catcher_with_a_fresh_secret(
    aws: None, app_config: AppConfig
) -> None:
    catcher = HookCatcher()
    ssm = boto3.client("ssm")
    count = seed_channel_parameters(app_config, "http://localhost:8080", ssm, catcher)
    channel = app_config.customer("xray").channel("itsm-webhook")
    assert channel is not None and channel.secret_parameter is not None
    url = ssm.get_parameter(Name=channel.url_parameter, WithDecryption=True)["Parameter"]["Value"]
    secret = ssm.get_parameter(Name=channel.secret_parameter, WithDecryption=True)["Parameter"]["Value"]
    assert count == 4
    assert (
        url
        == "http://localhost:8080/dev/hooks/itsm-webhook-xray"
        == f"http://localhost:8080/dev/hooks/{catcher_name('xray', 'itsm-webhook')}"
    )
    assert secret.startswith("whsec_") and catcher.secrets["itsm-webhook-xray"] == secret


def test_the_outbox_lists_the_posts_beside_the_emails_and_in_its_json() -> None:
    catcher = HookCatcher(owners={"ops-slack-xray": ("xray", "ops-slack")})
    call(
        catcher, "POST", "/ops-slack-xray", json.dumps({"text": "Approved: <b>Rotate</b> keys", "blocks": []}).encode()
    )
    app = OutboxApp(Outbox({}, posts=catcher.documents))
    status, page = call(app, "GET", "/outbox")
    assert status == "200 OK"
    assert "Channel posts (1)" in page and "ops-slack-xray" in page
    assert "Approved: &lt;b&gt;Rotate&lt;/b&gt; keys" in page and "<b>Rotate</b>" not in page
    document = json.loads(call(app, "GET", "/outbox.json")[1])
    assert [post["customer"] for post in document["posts"]] == ["xray"]
