"""Who is calling: identity only from the edge's headers, roles from the configuration."""

from __future__ import annotations

import json

import pytest
from functions.api import app as api_module

from tests.api.client import ADMIN, APPROVER, OUTSIDER, REQUESTER, ApiClient, Identity, lambda_context
from tests.api.helpers import change_input
from tests.conftest import EVENTS


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/changes", None),
        ("GET", "/api/user/context", None),
        ("POST", "/api/changes", {"changeTitle": ""}),
        ("POST", "/upload", None),
        ("GET", "/api/no-such-route", None),
        ("DELETE", "/changes/CHG-1", None),
    ],
)
def test_a_request_without_identity_is_refused_before_anything_else(
    api: ApiClient, method: str, path: str, body: object
) -> None:
    response = api.as_(None).request(method, path, body=body)

    assert response.status == 401
    assert "sign in" in response.json["error"]


def test_identity_counts_only_when_the_edge_marked_the_request_authenticated(api: ApiClient) -> None:
    response = api.get("/api/user", headers={"X-Authenticated": "false"})

    assert response.status == 401


def test_an_address_outside_the_allowed_domains_is_forbidden(api: ApiClient) -> None:
    response = api.as_(OUTSIDER).get("/api/changes")

    assert response.status == 403
    assert "someone@elsewhere.org" in response.json["error"]


def test_the_domain_check_and_the_identity_ignore_letter_case(api: ApiClient) -> None:
    response = api.as_(Identity("Requester@EXAMPLE.com")).get("/api/user")

    assert response.status == 200
    assert response.json["email"] == "requester@example.com"


@pytest.mark.parametrize(
    ("identity", "role", "is_admin", "is_approver"),
    [(REQUESTER, "user", False, False), (APPROVER, "approver", False, True), (ADMIN, "admin", True, True)],
)
def test_user_context_reports_the_role_the_configuration_gives(
    api: ApiClient, identity: Identity, role: str, is_admin: bool, is_approver: bool
) -> None:
    context = api.as_(identity).get("/api/user/context").json

    assert context["email"] == identity.email
    assert (context["role"], context["isAdmin"], context["isApprover"]) == (role, is_admin, is_approver)
    assert context["allowSelfApproval"] is False
    assert context["customerCode"] is None


def test_user_and_auth_check_answer_for_the_signed_in_user(api: ApiClient) -> None:
    assert api.get("/api/user").json == {
        "email": "requester@example.com",
        "user": "requester@example.com",
        "authenticated": True,
        "groups": [],
        "role": "user",
    }
    check = api.get("/auth-check").json
    assert check["authenticated"] is True
    assert check["userEmail"] == "requester@example.com"


def test_customers_lists_every_configured_code_with_its_display_name(api: ApiClient) -> None:
    customers = api.get("/api/customers").json["customers"]

    assert len(customers) == 26
    assert customers[0] == {
        "code": "alpha",
        "name": "Alpha Retail",
        "environment": "prod",
        "tags": ["retail", "tier-1"],
        "usesTeams": True,
    }


@pytest.mark.parametrize("path", ["/changes/statistics", "/changes/recent", "/user", "/changes", "/my-changes"])
def test_every_route_answers_with_and_without_the_api_prefix(api: ApiClient, path: str) -> None:
    prefixed, original = api.get(f"/api{path}"), api.get(path)

    assert prefixed.status == original.status == 200
    assert prefixed.json == original.json


def test_an_unknown_route_is_404_naming_the_route(api: ApiClient) -> None:
    response = api.get("/api/changes/CHG-1/attachments")

    assert response.status == 404
    assert response.json == {"error": "no route for GET /api/changes/CHG-1/attachments"}


def test_the_openapi_document_is_generated_from_the_routes(api: ApiClient) -> None:
    document = api.as_(None).get("/api/openapi.json").json

    assert document["servers"] == [{"url": "/api"}]
    paths = document["paths"]
    for path, method in [
        ("/upload", "post"),
        ("/changes", "get"),
        ("/changes/{object_id}", "put"),
        ("/changes/{object_id}/approve", "post"),
        ("/changes/{object_id}/clone", "post"),
        ("/changes/{object_id}/versions/{version}", "get"),
        ("/changes/statistics", "get"),
        ("/changes/search", "post"),
        ("/announcements/customer/{code}", "get"),
        ("/drafts/{object_id}", "delete"),
        ("/user/context", "get"),
        ("/customers", "get"),
    ]:
        assert method in paths[path], f"{method.upper()} {path} is missing"
    assert "changeTitle" in document["components"]["schemas"]["ChangeSubmission"]["properties"]


def test_aws_sample_event_is_answered_as_sent() -> None:
    """The fixture is the Function URL payload 2.0 exactly as AWS documents it (here: a CloudFront origin call)."""
    event = json.loads((EVENTS / "function_url_request.json").read_text())

    assert event["version"] == "2.0"
    assert event["requestContext"]["http"]["method"] == "GET"
    assert set(event) >= {"rawPath", "rawQueryString", "headers", "requestContext", "isBase64Encoded"}


def test_the_sample_event_lists_submitted_changes(api: ApiClient) -> None:
    api.post("/api/changes", change_input())
    event = json.loads((EVENTS / "function_url_request.json").read_text())

    response = api_module.handler(event, lambda_context())

    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert [item["status"] for item in body["items"]] == ["submitted"]
