"""Where a channel may post (SSRF defences): https only, the chat services' own hosts, no private addresses."""

from __future__ import annotations

import pytest

from ccm.channels.targets import TargetRefused, check_target

ALLOWED = [
    ("teams", "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x"),
    ("teams", "https://default1234.56.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/a"),
    ("slack", "https://hooks.slack.com/services/T000/B000/XXXX"),
    ("webhook", "https://itsm.example.com/hooks/ccm"),
    ("webhook", "https://52.95.110.1/hooks"),
]
REFUSED = [
    ("webhook", "http://itsm.example.com/hooks/ccm", "only https"),
    ("slack", "http://hooks.slack.com/services/T000/B000/XXXX", "only https"),
    ("teams", "https://evil.example.com/workflows/abc", "Teams Workflows"),
    ("teams", "https://logic.azure.com.evil.example.com/workflows", "Teams Workflows"),
    ("slack", "https://hooks.slack.com.evil.example.com/services/x", "Slack"),
    ("slack", "https://example.com/services/T000", "Slack"),
    ("webhook", "https://10.0.0.5/hooks", "private"),
    ("webhook", "https://169.254.169.254/latest/meta-data", "private"),
    ("webhook", "https://[::1]/hooks", "private"),
    ("webhook", "https://localhost/hooks", "private"),
    ("webhook", "https://user:secret@itsm.example.com/hooks", "credentials"),
    ("webhook", "ftp://itsm.example.com/hooks", "not https"),
    ("webhook", "https:///no-host", "no host"),
    ("webhook", "https://itsm.example.com:99999/x", "cannot be parsed"),
]


@pytest.mark.parametrize(("kind", "url"), ALLOWED)
def test_the_services_own_hosts_and_public_https_endpoints_are_allowed(kind: str, url: str) -> None:
    check_target(kind, url)


@pytest.mark.parametrize(("kind", "url", "reason"), REFUSED)
def test_other_schemes_hosts_and_addresses_are_refused_with_a_reason_that_does_not_repeat_the_url(
    kind: str, url: str, reason: str
) -> None:
    with pytest.raises(TargetRefused, match=reason) as refused:
        check_target(kind, url)
    assert "/hooks" not in str(refused.value) and "secret" not in str(refused.value)


def test_plain_http_to_the_loopback_interface_needs_the_local_stacks_setting() -> None:
    with pytest.raises(TargetRefused, match="only https"):
        check_target("teams", "http://localhost:8080/dev/hooks/ops-teams-xray")
    check_target("teams", "http://localhost:8080/dev/hooks/ops-teams-xray", allow_loopback_http=True)
    check_target("webhook", "http://127.0.0.1:8080/dev/hooks/itsm", allow_loopback_http=True)


def test_the_local_setting_still_refuses_http_to_any_other_host() -> None:
    with pytest.raises(TargetRefused, match="only https"):
        check_target("webhook", "http://itsm.example.com/hooks", allow_loopback_http=True)
    with pytest.raises(TargetRefused, match="only https"):
        check_target("webhook", "http://10.1.2.3/hooks", allow_loopback_http=True)
