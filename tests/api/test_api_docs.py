"""``/api/docs``: Swagger UI over the OpenAPI document, signed in, from the portal's own files, under its policy."""

from __future__ import annotations

from typing import Any

from ccm.web_assets import PAGE_CSP, PORTAL_CSP
from tests.api.client import ApiClient
from tests.conftest import ROOT
from tests.web.test_portal_pages import PageParts

WEB = ROOT / "web"
ERRORS_OF_EVERY_ROUTE = {"401", "403", "422"}


def _page(api: ApiClient) -> tuple[Any, PageParts]:
    response = api.get("/api/docs")
    parts = PageParts()
    parts.feed(response.text)
    return response, parts


def test_a_signed_in_user_gets_swagger_ui_from_the_portals_own_files_under_its_policy(api: ApiClient) -> None:
    response, parts = _page(api)

    assert response.status == 200
    headers = {name.lower(): value for name, value in response.headers.items()}
    assert headers["content-type"].startswith("text/html")
    assert headers["content-security-policy"] == PORTAL_CSP
    assert parts.policies == [PAGE_CSP]
    assert not parts.inline_script and parts.handlers == [] and parts.styled == []
    sources = [str(script.get("src")) for script in parts.scripts]
    assert sources == ["/assets/vendor/swagger-ui/swagger-ui-bundle.js", "/assets/js/api-docs.js"]
    for address in parts.addresses:
        assert address.startswith(("/", "#")) and not address.startswith("//"), f"{address} leaves our origin"
        if address.startswith("/assets/"):
            assert (WEB / address.removeprefix("/")).is_file(), f"{address} is not a file of web/"


def test_the_page_shows_the_document_the_api_serves(api: ApiClient) -> None:
    response, _ = _page(api)
    script = (WEB / "assets" / "js" / "api-docs.js").read_text()

    assert "root.dataset.specUrl" in script
    assert 'data-spec-url="/api/openapi.json"' in response.text
    assert api.get("/api/openapi.json").json["paths"]


def test_without_a_verified_identity_the_page_is_401(api: ApiClient) -> None:
    response = api.as_(None).get("/api/docs")

    assert response.status == 401
    assert "swagger" not in response.text.lower()


def test_every_route_in_the_document_has_a_summary_and_its_error_answers(api: ApiClient) -> None:
    document = api.get("/api/openapi.json").json
    problems = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            if not operation.get("summary"):
                problems.append(f"{name}: no summary")
            missing = ERRORS_OF_EVERY_ROUTE - set(operation["responses"])
            if "{object_id}" in path:
                missing |= {"404"} - set(operation["responses"])
            # Changes and announcements carry versions and statuses, so writing one can meet a newer version (412)
            # or a status that refuses it (409); a person's own delegation has neither.
            writes_an_object = "{object_id}" in path and (
                method in ("put", "delete") or path.endswith(("/submit", "/approve", "/complete", "/cancel"))
            )
            if writes_an_object:
                missing |= {"409", "412"} - set(operation["responses"])
            if missing:
                problems.append(f"{name}: no {sorted(missing)}")
            for status, answer in operation["responses"].items():
                if status != "304" and int(status) >= 400 and "content" not in answer:
                    problems.append(f"{name}: {status} has no body model")
    assert problems == []
    assert len(document["paths"]) >= 30
