"""What the template gives the channels: exactly their SSM parameters, an alarm, and never plain http."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ccm.config import AppConfig
from infra.render import render
from tests.conftest import CONFIG_PATH
from tests.deployment.conftest import Template, resources_of_type, statements_allowing


def without_channels() -> AppConfig:
    document = json.loads(Path(CONFIG_PATH).read_text(encoding="utf-8"))
    for customer in document["customer_mappings"].values():
        customer.pop("channels", None)
    return AppConfig.model_validate(document)


def channel_statement(template: Template) -> list[dict[str, Any]]:
    allowed = statements_allowing(template["Resources"]["BackendRole"], "ssm:GetParameter")
    return [s for s in allowed if s["Sid"] == "ReadChannelSecrets"]


def test_the_backend_reads_exactly_the_parameters_the_channels_name_and_only_reads_them(
    translated: Template, demo_config: AppConfig
) -> None:
    [statement] = channel_statement(translated)
    names = {r["Fn::Sub"].rsplit(":parameter/", 1)[1] for r in statement["Resource"]}
    wanted = {
        name.lstrip("/")
        for customer in demo_config.customer_mappings.values()
        for channel in customer.channels
        for name in (channel.url_parameter, channel.secret_parameter)
        if name is not None
    }
    assert wanted and names == wanted
    assert statement["Action"] == "ssm:GetParameter"


def test_without_channels_the_statement_is_dropped(source_template: Template) -> None:
    assert channel_statement(render(source_template, without_channels())) == []


def test_no_function_of_the_stack_may_post_plain_http(translated: Template) -> None:
    for name, function in resources_of_type(translated, "AWS::Lambda::Function").items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        assert "CCM_CHANNELS_LOOPBACK_HTTP" not in variables, name


def test_a_post_refused_for_good_raises_the_channel_posts_failed_alarm(translated: Template) -> None:
    alarm = translated["Resources"]["ChannelPostsFailedAlarm"]["Properties"]
    [metric] = alarm["Metrics"]
    assert metric["Expression"] == 'SELECT SUM(ChannelPostsFailed) FROM "CCM"'
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert alarm["AlarmActions"]
