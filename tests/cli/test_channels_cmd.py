"""``ccm channels test`` posts a test event through the real poster; ``ccm channels log`` lists every attempt."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from standardwebhooks import Webhook

from ccm.storage.table import create_table_arguments
from tests.channels.support import SECRET, Answer, Receiver, receiver
from tests.cli.conftest import Ccm
from tests.conftest import TABLE


@pytest.fixture
def hooks(ccm: Ccm, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv("CCM_CHANNELS_LOOPBACK_HTTP", "1")
    boto3.client("dynamodb").create_table(**create_table_arguments(TABLE))
    ssm = boto3.client("ssm")
    with receiver(Answer(200)) as state:
        ssm.put_parameter(Name="/ccm/channels/xray/itsm-webhook/url", Value=f"{state.url}/itsm", Type="SecureString")
        ssm.put_parameter(Name="/ccm/channels/xray/itsm-webhook/secret", Value=SECRET, Type="SecureString")
        ssm.put_parameter(Name="/ccm/channels/xray/ops-teams/url", Value=f"{state.url}/teams", Type="SecureString")
        yield state


def test_a_test_post_is_signed_and_logged_and_the_log_lists_it(ccm: Ccm, hooks: Receiver) -> None:
    result = ccm.json("channels", "test", "-c", "xray", "--channel", "itsm-webhook")

    assert result["outcome"] == "sent"
    [request] = hooks.received
    event = Webhook(SECRET).verify(request.body, request.headers)
    assert event["type"] == "com.ccm.test.test" and event["subject"].startswith("test-")
    log = ccm.json("channels", "log", "-c", "xray")
    assert [(row["channel"], row["outcome"], row["status"]) for row in log] == [("itsm-webhook", "sent", 200)]
    human = ccm("channels", "log", "-c", "xray")
    assert "itsm-webhook" in human.stdout and "sent" in human.stdout


def test_a_refused_test_post_exits_with_1_and_says_what_the_endpoint_answered(ccm: Ccm, hooks: Receiver) -> None:
    hooks.answers = [Answer(410, body=b"gone")]

    result = ccm("channels", "test", "-c", "xray", "--channel", "ops-teams")

    assert result.exit_code == 1
    assert "HTTP 410" in result.stdout and "failed" in result.stdout


def test_an_unknown_channel_or_customer_is_a_sentence_and_exit_code_1(ccm: Ccm, hooks: Receiver) -> None:
    unknown = ccm("channels", "test", "-c", "xray", "--channel", "pager")
    assert unknown.exit_code == 1 and "xray has no channel named 'pager'" in unknown.stderr
    assert "ops-teams" in unknown.stderr
    stranger = ccm("channels", "log", "-c", "nobody")
    assert stranger.exit_code == 1 and "nobody" in stranger.stderr


def test_a_customer_without_posts_says_so(ccm: Ccm, hooks: Receiver) -> None:
    assert "no channel posts recorded for bravo" in ccm("channels", "log", "-c", "bravo").stdout
