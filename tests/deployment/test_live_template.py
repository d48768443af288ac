"""What the template gives the live portal: a WebSocket API behind the distribution's /live, its authoriser from
the gatekeeper's package fed with the session cookie, and management rights for this API's stage only."""

from __future__ import annotations

from typing import Any

from tests.deployment.conftest import Template, resources_of_type, statements_allowing


def live_behaviour(template: Template) -> dict[str, Any]:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    [behaviour] = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/live"]
    return dict(behaviour)


def test_the_distribution_passes_live_to_the_websocket_api_with_the_session_cookie_and_without_the_host(
    rendered: Template,
) -> None:
    behaviour = live_behaviour(rendered)
    assert behaviour["TargetOriginId"] == "live"
    assert "LambdaFunctionAssociations" not in behaviour
    policy = rendered["Resources"]["LiveOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    assert policy["CookiesConfig"] == {
        "CookieBehavior": "whitelist",
        "Cookies": ["__Host-SAML_SESSION", "SAML_SESSION"],
    }
    headers = {name.lower() for name in policy["HeadersConfig"]["Headers"]}
    assert {"origin", "sec-websocket-key", "sec-websocket-version"} <= headers
    assert "host" not in headers
    stage = rendered["Resources"]["LiveStage"]["Properties"]
    assert stage["StageName"] == "live"  # the viewer's path /live is the stage's path as it is


def test_connect_is_authorised_by_the_gatekeepers_package_with_the_cookie(rendered: Template) -> None:
    resources = rendered["Resources"]
    assert resources["LiveApi"]["Properties"]["ProtocolType"] == "WEBSOCKET"
    authorizer = resources["LiveAuthorizer"]["Properties"]
    assert authorizer["AuthorizerType"] == "REQUEST"
    assert authorizer["IdentitySource"] == ["route.request.header.Cookie"]
    function = resources["LiveAuthorizerFunction"]["Properties"]
    gatekeeper = resources["GatekeeperFunction"]["Properties"]
    assert function["CodeUri"] == gatekeeper["CodeUri"]
    assert function["Handler"] == "functions.edge_auth.app.live_authorizer"
    connect = resources["LiveConnectRoute"]["Properties"]
    assert (connect["RouteKey"], connect["AuthorizationType"]) == ("$connect", "CUSTOM")
    for name in ("LiveDisconnectRoute", "LiveDefaultRoute"):
        assert "AuthorizationType" not in resources[name]["Properties"]


def test_only_the_audit_function_may_send_and_only_on_the_live_stage(translated: Template) -> None:
    roles = resources_of_type(translated, "AWS::IAM::Role")
    senders = {name for name, role in roles.items() if statements_allowing(role, "execute-api:ManageConnections")}
    assert senders == {"AuditRole"}
    [statement] = statements_allowing(roles["AuditRole"], "execute-api:ManageConnections")
    resources = [item["Fn::Sub"] for item in statement["Resource"]]
    assert all("${LiveApi}/live/" in item and item.endswith("/@connections/*") for item in resources)
