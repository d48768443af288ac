"""The local edge server plays CloudFront in front of the real gatekeeper, SAML and API handlers."""

from __future__ import annotations

import base64
import gzip
import json

from ccm.local.cloudfront import (
    API_POLICY,
    FEEDBACK_POLICY,
    FEEDS_POLICY,
    ForwardedRequest,
    origin_request_event,
    s3_origin,
    viewer_request_event,
)
from ccm.local.function_url import function_url_event, function_url_response
from ccm.local.http import HttpRequest
from ccm.storage.feed_tokens import DynamoFeedTokens
from ccm.web_assets import PORTAL_CSP
from tests.conftest import ROOT, TABLE
from tests.local.edge_harness import PUBLIC, LocalEdgeUnderTest, Visitor, call

# Event builders ---------------------------------------------------------------------------------------------


def test_a_viewer_request_event_has_cloudfronts_header_shape_the_raw_uri_and_no_body_by_default() -> None:
    request = HttpRequest(
        "POST",
        "/api/changes/CHG%2F1",
        "limit=5&status=draft",
        (("Accept", "application/json"), ("X-Custom", "a"), ("X-Custom", "b"), ("Connection", "keep-alive")),
        b'{"x": 1}',
        "192.0.2.7",
    )

    event = viewer_request_event(request, "request-1")

    record = event["Records"][0]["cf"]
    assert record["config"]["eventType"] == "viewer-request" and record["config"]["requestId"] == "request-1"
    cf = record["request"]
    assert (cf["method"], cf["uri"], cf["querystring"], cf["clientIp"]) == (
        "POST",
        "/api/changes/CHG%2F1",
        "limit=5&status=draft",
        "192.0.2.7",
    )
    assert cf["headers"]["accept"] == [{"key": "Accept", "value": "application/json"}]
    assert cf["headers"]["x-custom"] == [{"key": "X-Custom", "value": "a"}, {"key": "X-Custom", "value": "b"}]
    assert "connection" not in cf["headers"] and "body" not in cf


def test_a_body_included_in_an_event_is_base64_and_flagged_when_cut_at_the_lambda_edge_limit() -> None:
    large = HttpRequest("POST", "/x", body=b"a" * (41 * 1024))

    body = viewer_request_event(large, "r", include_body=True)["Records"][0]["cf"]["request"]["body"]

    assert body["encoding"] == "base64" and body["inputTruncated"] is True
    assert base64.b64decode(body["data"]) == b"a" * (40 * 1024)


def test_an_origin_request_event_carries_the_origin_body_and_cloudfronts_own_headers() -> None:
    forwarded = ForwardedRequest(
        "POST", "/saml/acs", "", (("Cookie", "SAML_REQUEST=abc"), ("Content-Type", "text/plain")), b"form", "192.0.2.7"
    )

    event = origin_request_event(forwarded, "r", s3_origin("web-bucket", "us-east-1"))

    cf = event["Records"][0]["cf"]["request"]
    assert cf["origin"]["s3"]["domainName"] == "web-bucket.s3.us-east-1.amazonaws.com"
    assert cf["headers"]["host"] == [{"key": "Host", "value": "web-bucket.s3.us-east-1.amazonaws.com"}]
    assert cf["headers"]["cookie"] == [{"key": "Cookie", "value": "SAML_REQUEST=abc"}]
    assert cf["headers"]["x-forwarded-for"][0]["value"] == "192.0.2.7"
    assert base64.b64decode(cf["body"]["data"]) == b"form" and cf["body"]["inputTruncated"] is False


def test_a_function_url_event_joins_repeated_values_and_encodes_only_binary_bodies() -> None:
    forwarded = ForwardedRequest(
        "PUT",
        "/api/changes/1",
        "customer=alpha&customer=bravo&q=",
        (("Content-Type", "application/json"), ("Accept", "a"), ("Accept", "b"), ("Cookie", "a=1; b=2")),
        b'{"changeTitle": "\xc3\xa9"}',
        "192.0.2.7",
    )

    event = function_url_event(forwarded, "request-1", now=1_893_931_200.0)

    assert (event["version"], event["rawPath"], event["rawQueryString"]) == (
        "2.0",
        "/api/changes/1",
        "customer=alpha&customer=bravo&q=",
    )
    assert event["queryStringParameters"] == {"customer": "alpha,bravo", "q": ""}
    assert event["headers"]["accept"] == "a,b" and event["cookies"] == ["a=1", "b=2"]
    assert event["body"] == '{"changeTitle": "é"}' and event["isBase64Encoded"] is False
    assert event["requestContext"]["http"] == {
        "method": "PUT",
        "path": "/api/changes/1",
        "protocol": "HTTP/1.1",
        "sourceIp": "192.0.2.7",
        "userAgent": "Amazon CloudFront",
    }
    assert event["requestContext"]["timeEpoch"] == 1_893_931_200_000
    binary = ForwardedRequest("POST", "/upload", "", (("Content-Type", "application/octet-stream"),), b"\x00\xff", "")
    encoded = function_url_event(binary, "r")
    assert encoded["isBase64Encoded"] is True and base64.b64decode(encoded["body"]) == b"\x00\xff"


def test_a_function_url_answers_cookies_as_set_cookie_and_a_bare_result_as_json() -> None:
    response = function_url_response(
        {
            "statusCode": 201,
            "headers": {"ETag": '"v2"'},
            "cookies": ["a=1", "b=2"],
            "body": "e30=",
            "isBase64Encoded": True,
        }
    )
    assert (response.status, response.body, response.header("ETag")) == (201, b"{}", '"v2"')
    assert [value for name, value in response.headers if name == "Set-Cookie"] == ["a=1", "b=2"]

    bare = function_url_response({"ok": True})
    assert (bare.status, bare.body, bare.header("Content-Type")) == (200, b'{"ok": true}', "application/json")


# Through the edge server ------------------------------------------------------------------------------------


def test_a_page_without_a_session_goes_to_sign_in_and_an_api_call_gets_401(local_edge: LocalEdgeUnderTest) -> None:
    page = call(local_edge.edge, "GET", "/index.html?tab=1", headers={"Accept": "text/html"})
    api = call(local_edge.edge, "GET", "/api/changes", headers={"Accept": "application/json"})

    assert page.status == 302 and page.header("Location") == "/saml/login?next=%2Findex.html%3Ftab%3D1"
    assert api.status == 401 and api.json()["login_url"] == "/saml/login"
    assert local_edge.api.events == [], "nothing reaches the API without a session"


def test_a_sign_in_through_the_identity_provider_reaches_the_api_with_the_edges_identity_only(
    local_edge: LocalEdgeUnderTest,
) -> None:
    visitor = Visitor(local_edge.edge)

    landing = visitor.sign_in("approver@example.com")
    context = visitor.request(
        "GET", "/api/user/context", headers={"Accept": "application/json", "X-User-Email": "admin@example.com"}
    )

    assert landing.status == 302 and landing.header("Location") == "/" and "__Host-SAML_SESSION" in visitor.cookies
    assert context.status == 200, context.text
    assert (context.json()["email"], context.json()["isApprover"]) == ("approver@example.com", True)
    [event] = local_edge.api.events
    assert event["headers"]["x-user-email"] == "approver@example.com"
    assert event["headers"]["x-authenticated"] == "true"
    assert "cookies" not in event and "cookie" not in event["headers"], "the API's origin policy forwards no cookies"
    saml_events = [e["Records"][0]["cf"] for e in local_edge.saml.events]
    assert [e["config"]["eventType"] for e in saml_events] == ["origin-request", "origin-request"]
    assert all("x-user-email" not in e["request"]["headers"] for e in saml_events)


def test_a_post_without_the_body_hash_is_refused_as_lambda_refuses_an_unsigned_payload(
    local_edge: LocalEdgeUnderTest,
) -> None:
    visitor = Visitor(local_edge.edge)
    visitor.sign_in("requester@example.com")

    unsigned = visitor.api("POST", "/api/drafts", {"changeTitle": "Draft"}, signed=False)
    signed = visitor.api("POST", "/api/drafts", {"object_type": "change", "changeTitle": "Draft"})

    assert unsigned.status == 403 and unsigned.header("x-amzn-ErrorType") == "InvalidSignatureException"
    assert "x-amz-content-sha256" in unsigned.json()["Message"]
    assert signed.status in (200, 201), signed.text
    assert len(local_edge.api.events) == 1


def test_legacy_api_paths_reach_the_api_and_pages_beside_them_the_web_bucket(local_edge: LocalEdgeUnderTest) -> None:
    (local_edge.web / "my-changes.html").write_text("<h1>Mine</h1>")
    visitor = Visitor(local_edge.edge)
    visitor.sign_in("requester@example.com")

    legacy = visitor.request("GET", "/my-changes", headers={"Accept": "application/json"})
    page = visitor.request("GET", "/my-changes.html")

    assert legacy.status == 200 and len(local_edge.api.events) == 1
    assert local_edge.api.events[0]["rawPath"] == "/my-changes"
    assert (page.status, page.text, page.header("Content-Type")) == (200, "<h1>Mine</h1>", "text/html; charset=utf-8")
    assert page.header("X-Content-Type-Options") == "nosniff"
    assert page.header("Content-Security-Policy") == PORTAL_CSP
    assert page.header("X-Frame-Options") == "DENY"


def test_the_web_bucket_serves_only_published_files_and_only_to_reading_methods(local_edge: LocalEdgeUnderTest) -> None:
    (local_edge.web / "app.js").write_text("export {};")
    (local_edge.web / ".env").write_text("SECRET=1")
    visitor = Visitor(local_edge.edge)
    visitor.sign_in("requester@example.com")

    index = visitor.request("GET", "/")
    script = visitor.request("GET", "/app.js")
    cached = visitor.request("GET", "/app.js", headers={"If-None-Match": script.header("ETag") or ""})
    hidden = visitor.request("GET", "/.env")
    escape = visitor.request("GET", "/%2E%2E/devidp/idp-key.pem")
    posted = visitor.request("POST", "/app.js")

    assert index.status == 200 and 'href="/app.js"' in index.text, "without index.html, a list of the pages"
    assert (script.status, script.header("Content-Type"), script.header("Cache-Control")) == (
        200,
        "text/javascript; charset=utf-8",
        "no-cache",
    )
    assert cached.status == 304 and cached.body == b""
    assert (hidden.status, escape.status, posted.status) == (404, 404, 403)
    (local_edge.web / "index.html").write_text("<h1>Portal</h1>")
    assert visitor.request("GET", "/").text == "<h1>Portal</h1>"


def test_another_host_name_is_sent_to_the_public_address_the_cookies_belong_to(local_edge: LocalEdgeUnderTest) -> None:
    reply = call(local_edge.edge, "GET", "/index.html?x=1", host="127.0.0.1:8080")

    assert reply.status == 307 and reply.header("Location") == f"{PUBLIC}/index.html?x=1"


def test_text_is_gzipped_for_a_viewer_that_accepts_it_as_cloudfront_compresses_it(
    local_edge: LocalEdgeUnderTest,
) -> None:
    script = "export const greeting = 'hello';\n" * 100
    (local_edge.web / "app.js").write_text(script)
    (local_edge.web / "tiny.js").write_text("export {};")
    (local_edge.web / "logo.png").write_bytes(b"\x89PNG" + bytes(2000))
    visitor = Visitor(local_edge.edge)
    visitor.sign_in("requester@example.com")
    gzip_please = {"Accept-Encoding": "gzip, deflate, br"}

    compressed = visitor.request("GET", "/app.js", headers=gzip_please)
    plain = visitor.request("GET", "/app.js")
    again = visitor.request("GET", "/app.js", headers={**gzip_please, "If-None-Match": compressed.header("ETag") or ""})
    tiny = visitor.request("GET", "/tiny.js", headers=gzip_please)
    image = visitor.request("GET", "/logo.png", headers=gzip_please)
    refused = visitor.request("GET", "/app.js", headers={"Accept-Encoding": "gzip;q=0, identity"})
    api = visitor.request("GET", "/api/openapi.json", headers={"Accept": "application/json", **gzip_please})

    assert compressed.header("Content-Encoding") == "gzip" and gzip.decompress(compressed.body) == script.encode()
    assert int(compressed.header("Content-Length") or 0) == len(compressed.body) < len(script)
    assert compressed.header("Vary") == "Accept-Encoding"
    assert compressed.header("ETag") == f"W/{plain.header('ETag')}", "a compressed copy's ETag is weak"
    assert plain.header("Content-Encoding") is None and plain.text == script
    assert again.status == 304, "the weak ETag of the compressed copy still revalidates"
    assert tiny.header("Content-Encoding") is None, "under 1,000 bytes CloudFront sends the file as it is"
    assert image.header("Content-Encoding") is None, "images are not a type CloudFront compresses"
    assert refused.header("Content-Encoding") is None
    assert api.status == 200 and api.header("Content-Encoding") == "gzip"
    assert json.loads(gzip.decompress(api.body))["openapi"].startswith("3.")


def test_an_unknown_path_gets_the_portals_404_page_and_an_unknown_api_object_its_json_error(
    local_edge: LocalEdgeUnderTest,
) -> None:
    portal_page = (ROOT / "web" / "404.html").read_text(encoding="utf-8")
    (local_edge.web / "404.html").write_text(portal_page)
    visitor = Visitor(local_edge.edge)
    before = call(local_edge.edge, "GET", "/nope.html", headers={"Accept": "text/html"})
    visitor.sign_in("requester@example.com")

    page = visitor.request("GET", "/nope.html")
    nested = visitor.request("GET", "/some/where/deep")
    api = visitor.request("GET", "/api/changes/CHG-00000000-0000-4000-8000-000000000000")
    found = visitor.request("GET", "/404.html")

    assert before.status == 302, "the gatekeeper comes first: no page of the portal without a session"
    assert (page.status, page.text, page.header("Content-Type")) == (404, portal_page, "text/html; charset=utf-8")
    assert page.header("Cache-Control") == "no-store", "a page published later is found at once"
    assert page.header("Content-Security-Policy") == PORTAL_CSP
    assert (nested.status, nested.text) == (404, portal_page)
    assert api.status == 404 and api.header("Content-Type") == "application/json", "the API keeps its own answer"
    assert "CHG-00000000-0000-4000-8000-000000000000" in json.loads(api.text)["error"]
    assert found.status == 200
    origin_responses = [
        e for e in local_edge.gatekeeper.events if e["Records"][0]["cf"]["config"]["eventType"] == "origin-response"
    ]
    assert [e["Records"][0]["cf"]["response"]["status"] for e in origin_responses] == ["404", "404"]


def test_a_customer_feed_reaches_the_api_without_sign_in_identity_or_query_and_is_kept_5_minutes(
    local_edge: LocalEdgeUnderTest,
) -> None:
    token = DynamoFeedTokens(TABLE).issue("alpha")
    path = f"/feeds/alpha/{token}.ics"
    forged = {"X-User-Email": "admin@example.com", "X-Authenticated": "true", "Cookie": "a=b"}

    first = call(local_edge.edge, "GET", path + "?x=1", headers=forged)
    again = call(local_edge.edge, "GET", path)

    assert first.status == again.status == 200 and first.text.startswith("BEGIN:VCALENDAR")
    assert local_edge.gatekeeper.events == [], "no sign-in on /feeds/*"
    [event] = local_edge.api.events  # the second answer came from the cache
    assert event["rawPath"] == path and event["rawQueryString"] == "" and "cookies" not in event
    assert not {name for name in event["headers"] if name.startswith(("x-user", "x-auth"))}
    assert first.header("Content-Security-Policy") == PORTAL_CSP and first.header("X-Frame-Options") == "DENY"
    assert first.header("Cache-Control") == "public, max-age=300"

    wrong = call(local_edge.edge, "GET", f"/feeds/alpha/{token[:-2]}xx.ics")
    unknown = call(local_edge.edge, "GET", f"/feeds/nosuch/{token}.ics")
    assert wrong.status == unknown.status == 404 and wrong.text == unknown.text, "the API's own 404, the same for both"
    assert wrong.header("Content-Security-Policy") == PORTAL_CSP
    assert call(local_edge.edge, "POST", path).status == 403


def test_a_query_string_whitelist_passes_on_only_the_names_it_lists() -> None:
    viewer = ForwardedRequest("GET", "/feedback/t", "rating=4&utm_source=mail&rating%20x=1&&", (), b"", "203.0.113.9")

    assert viewer.for_origin(FEEDBACK_POLICY).querystring == "rating=4"
    assert viewer.for_origin(FEEDS_POLICY).querystring == ""
    assert viewer.for_origin(API_POLICY).querystring == viewer.querystring
