"""The web behaviour's origin responses through the gatekeeper function: a 404 of the web bucket becomes the
portal's own page (still 404), everything else passes untouched, and the package carries the page."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from functions.edge_auth import app

from ccm.edge.not_found import with_not_found_page
from ccm.edge.packaging import NOT_FOUND_NAME, write_gatekeeper_zip
from tests.conftest import EVENTS, ROOT

PORTAL_404 = (ROOT / "web" / "404.html").read_text(encoding="utf-8")


def origin_response(status: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "cloudfront_origin_response.json").read_text())
    event["Records"][0]["cf"]["response"]["status"] = status
    return event


def test_a_file_the_web_bucket_lacks_gets_the_portals_404_page_without_the_buckets_own_headers() -> None:
    response = app.viewer_request(origin_response("404"), None)

    assert (response["status"], response["body"]) == ("404", PORTAL_404)
    headers = response["headers"]
    assert headers["content-type"] == [{"key": "Content-Type", "value": "text/html; charset=utf-8"}]
    assert headers["cache-control"] == [{"key": "Cache-Control", "value": "no-store"}]
    assert headers["server"] == [{"key": "Server", "value": "AmazonS3"}], "headers that do not describe the body stay"


@pytest.mark.parametrize("status", ["200", "304", "403", "500"])
def test_every_other_origin_response_passes_untouched(status: str) -> None:
    event = origin_response(status)
    expected = copy.deepcopy(event["Records"][0]["cf"]["response"])

    assert app.viewer_request(event, None) == expected


def test_without_a_page_the_buckets_own_404_passes_on() -> None:
    event = origin_response("404")
    assert with_not_found_page(event, None) == event["Records"][0]["cf"]["response"]


def test_the_gatekeeper_package_carries_the_portals_404_page_beside_its_handler(tmp_path: Path) -> None:
    config = tmp_path / "edge_config.json"
    config.write_text("{}")
    archive = tmp_path / "gatekeeper.zip"

    write_gatekeeper_zip(archive, config)

    with zipfile.ZipFile(archive) as package:
        assert package.read(NOT_FOUND_NAME).decode("utf-8") == PORTAL_404
        assert "app.py" in package.namelist()
    assert app.NOT_FOUND_PAGES[0].name == NOT_FOUND_NAME, "the handler looks for the page under the packaged name"
