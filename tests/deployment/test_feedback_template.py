"""The ``/feedback/*`` behaviour: rating pages reach the API's public router without the gatekeeper, uncached."""

from __future__ import annotations

from ccm.edge.behaviours import FEEDBACK_PATH_PATTERN, FEEDS_PATH_PATTERN, is_feedback_path
from tests.deployment.conftest import Template
from tests.deployment.test_template import behaviour, distribution

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


def test_rating_pages_reach_the_api_without_the_gatekeeper_identity_or_cookies_and_are_never_cached(
    translated: Template,
) -> None:
    feedback = behaviour(translated, FEEDBACK_PATH_PATTERN)
    assert feedback["TargetOriginId"] == "api" and "LambdaFunctionAssociations" not in feedback
    assert {"GET", "HEAD", "POST"} <= set(feedback["AllowedMethods"])
    assert feedback["CachePolicyId"] == CACHING_DISABLED
    resources = translated["Resources"]
    origin = resources[feedback["OriginRequestPolicyId"]["Ref"]]["Properties"]["OriginRequestPolicyConfig"]
    assert origin["CookiesConfig"] == {"CookieBehavior": "none"}
    assert origin["HeadersConfig"] == {
        "HeaderBehavior": "whitelist",
        "Headers": ["Content-Type", "x-amz-content-sha256"],
    }
    assert origin["QueryStringsConfig"] == {"QueryStringBehavior": "whitelist", "QueryStrings": ["rating"]}
    default = distribution(translated)["DefaultCacheBehavior"]
    assert feedback["ResponseHeadersPolicyId"] == default["ResponseHeadersPolicyId"]  # the portal's CSP and headers


def test_the_public_behaviours_come_before_the_default_one_and_match_only_their_paths(translated: Template) -> None:
    patterns = [b["PathPattern"] for b in distribution(translated)["CacheBehaviors"]]
    assert FEEDS_PATH_PATTERN in patterns and FEEDBACK_PATH_PATTERN in patterns
    assert is_feedback_path("/feedback/abc.def.ghi") and not is_feedback_path("/feedbackx/a")
    assert not is_feedback_path("/api/changes/CHG-1/feedback")
