"""Group names to roles to topics, as the original importer read them."""

from __future__ import annotations

import pytest

from ccm.config import SesConfig
from ccm.contact_import.roles import TopicMapper, role_of_group

PREFIX = "ccoe-cloud-"


@pytest.mark.parametrize(
    ("group", "role"),
    [
        ("ccoe-cloud-acme-sandbox-123456789012-idp-app-devops", "devops"),
        ("CCOE-Cloud-acme-prod-123456789012-IDP-web-Security", "security"),
        ("ccoe-cloud-acme-dev-eu-123456789012-idp-app-dba", "dba"),
        ("ccoe-cloud-123456789012-acme-x-idp-app-devops", None),  # the account id may not be the first part
        ("ccoe-cloud-acme-sandbox-123456789012-sso-app-devops", None),  # idp must follow the account id
        ("ccoe-cloud-acme-sandbox-123456789012-idp-app", None),  # no role after the application
        ("ccoe-cloud-acme-idp-app", None),  # fewer than five parts
        ("aws-acme-sandbox-123456789012-idp-app-devops", None),  # not the prefix
        ("ccoe-cloud-acme-sandbox-prod-idp-app-devops", None),  # no all-digit part
    ],
)
def test_a_role_is_read_from_a_group_name_only_in_the_expected_shape(group: str, role: str | None) -> None:
    assert role_of_group(group, PREFIX) == role


def test_the_prefix_is_configurable() -> None:
    assert role_of_group("acme-idc-x-prod-123456789012-idp-app-finance", "acme-idc-") == "finance"
    assert role_of_group("ccoe-cloud-x-prod-123456789012-idp-app-finance", "acme-idc-") is None


def test_a_devops_user_gets_the_default_topics_and_the_devops_topics_in_order(ses_config: SesConfig) -> None:
    mapper = TopicMapper(ses_config, PREFIX)
    assert mapper.topics_for_groups(["ccoe-cloud-acme-sandbox-123456789012-idp-app-devops", "readers"]) == [
        "aws-announce",
        "cic-announce",
        "subscription-preferences",
        "aws-calendar",
        "inner-announce",
    ]


def test_a_user_without_role_groups_gets_only_the_opt_in_topics(ses_config: SesConfig) -> None:
    mapper = TopicMapper(ses_config, PREFIX)
    assert mapper.topics_for_groups([]) == ["aws-announce", "cic-announce", "subscription-preferences"]
    assert "general-updates" not in mapper.managed_topics
