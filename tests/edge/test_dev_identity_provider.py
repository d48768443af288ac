"""The development identity provider: its WSGI pages drive a real sign-in through the production handlers."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode, urlsplit

from ccm.config import load_config
from ccm.devidp.keys import CERTIFICATE_FILE, KEY_FILE, SigningMaterial
from ccm.devidp.local import local_sign_in
from ccm.devidp.provider import DevIdentityProvider
from ccm.devidp.wsgi import DevIdpApp
from ccm.edge.config_builder import idp_from_metadata
from tests.conftest import CONFIG_PATH, TABLE
from tests.edge.conftest import header, location_query, post_acs, start_login, viewer_event
from tests.html_forms import forms_of


def call(
    app: DevIdpApp, method: str, path: str, query: str = "", form: dict[str, str] | None = None
) -> tuple[str, dict[str, str], str]:
    body = urlencode(form or {}).encode()
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "/idp",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        captured.update(status=status, headers=dict(headers))

    chunks = app(environ, start_response)
    return captured["status"], captured["headers"], b"".join(chunks).decode()


def test_a_demo_user_signs_in_through_the_pages_of_the_development_identity_provider(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    idp_app = DevIdpApp(dev_idp)
    login = start_login(saml_app, dev_idp, "/approvals.html")
    sso = urlsplit(header(login.response, "location")[0])

    status, _, page = call(idp_app, "GET", "/sso", sso.query)
    assert status == "200 OK"
    assert "approver@example.com" in page and "requester@example.com" in page and "admin@example.com" in page
    approver_form = next(form for form in forms_of(page) if form["fields"].get("user") == "approver@example.com")
    assert approver_form["action"] == "/idp/sso"

    status, _, posting = call(idp_app, "POST", "/sso", form=approver_form["fields"])
    assert status == "200 OK"
    (to_acs,) = forms_of(posting)
    assert to_acs["action"] == "https://ccm.example.com/saml/acs"

    result = post_acs(saml_app, to_acs["fields"]["SAMLResponse"], to_acs["fields"]["RelayState"], (login.cookie,))
    assert header(result, "location") == ["/approvals.html"]
    session = header(result, "set-cookie")[0].split(";")[0]
    forwarded = saml_app.viewer_request(viewer_event("/approvals.html", cookies=(session,)), None)
    assert header(forwarded, "x-user-groups") == ["ccm-approvers"]


def test_the_sign_in_page_also_signs_in_any_address_typed_in(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    idp_app = DevIdpApp(dev_idp)

    _, _, posting = call(idp_app, "POST", "/sso", form={"email": "Ops@Example.com", "groups": "ccm-admins, ops"})
    (to_acs,) = forms_of(posting)
    result = post_acs(saml_app, to_acs["fields"]["SAMLResponse"], None)

    forwarded = saml_app.viewer_request(viewer_event(cookies=(header(result, "set-cookie")[0].split(";")[0],)), None)
    assert header(forwarded, "x-user-email") == ["ops@example.com"]
    assert header(forwarded, "x-user-groups") == ["ccm-admins"]


def test_the_identity_provider_refuses_requests_it_cannot_honour(dev_idp: DevIdentityProvider) -> None:
    idp_app = DevIdpApp(dev_idp)

    assert call(idp_app, "GET", "/sso", "SAMLRequest=garbage")[0] == "400 Bad Request"
    assert call(idp_app, "POST", "/sso", form={"user": "nobody@example.com"})[0] == "400 Bad Request"
    assert call(idp_app, "POST", "/sso", form={"email": "not-an-address"})[0] == "400 Bad Request"
    assert call(idp_app, "GET", "/slo")[0] == "400 Bad Request"
    assert call(idp_app, "GET", "/elsewhere")[0] == "404 Not Found"


def test_an_authn_request_for_another_assertion_consumer_is_refused(dev_idp: DevIdentityProvider) -> None:
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    request = (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_abc" Version="2.0" '
        'IssueInstant="2030-01-01T00:00:00Z" AssertionConsumerServiceURL="https://evil.example.net/acs">'
        "<saml:Issuer>https://ccm.example.com</saml:Issuer></samlp:AuthnRequest>"
    )
    encoded = OneLogin_Saml2_Utils.deflate_and_base64_encode(request)

    status, _, page = call(DevIdpApp(dev_idp), "GET", "/sso", urlencode({"SAMLRequest": encoded}))

    assert status == "400 Bad Request"
    assert "not the registered one" in page


def test_metadata_feeds_the_edge_configuration_builder(dev_idp: DevIdentityProvider) -> None:
    status, headers, metadata = call(DevIdpApp(dev_idp), "GET", "/metadata")

    assert status == "200 OK"
    assert headers["Content-Type"] == "application/samlmetadata+xml"
    assert idp_from_metadata(metadata).entity_id == dev_idp.entity_id


def test_single_logout_answers_the_portal_with_a_logout_response(
    saml_app: ModuleType, dev_idp: DevIdentityProvider
) -> None:
    from tests.edge.conftest import CONTEXT, origin_event, session_cookie

    logout = saml_app.saml_handler(origin_event("/saml/logout", cookies=(session_cookie(),)), CONTEXT)
    request = location_query(logout)

    status, headers, _ = call(DevIdpApp(dev_idp), "GET", "/slo", urlencode(request))

    assert status == "302 Found"
    assert headers["Location"].startswith("https://ccm.example.com/saml/sls?SAMLResponse=")


def test_the_key_pair_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = SigningMaterial.load_or_create(tmp_path)
    second = SigningMaterial.load_or_create(tmp_path)

    assert first == second
    assert stat.S_IMODE(os.stat(tmp_path / KEY_FILE).st_mode) == 0o600
    assert (tmp_path / CERTIFICATE_FILE).read_text(encoding="ascii").startswith("-----BEGIN CERTIFICATE-----")


def test_the_local_stack_gets_an_identity_provider_and_a_matching_configuration(tmp_path: Path) -> None:
    app_config = load_config(CONFIG_PATH)
    arguments: dict[str, Any] = {
        "public_base_url": "http://localhost:8080",
        "idp_base_url": "http://localhost:8080/idp",
        "table": TABLE,
    }

    idp, config = local_sign_in(app_config, tmp_path, **arguments)
    again, config_again = local_sign_in(app_config, tmp_path, **arguments)

    assert config.idp.entity_id == idp.entity_id == "http://localhost:8080/idp/metadata"
    assert config.acs_url == idp.service_provider.acs_url == "http://localhost:8080/saml/acs"
    assert [user.email for user in idp.users] == ["requester@example.com", "approver@example.com", "admin@example.com"]
    assert config_again.cookie_keys == config.cookie_keys
    assert again.material == idp.material
    assert (tmp_path / "edge_config.json").exists()


def test_a_local_sign_in_over_plain_http_on_localhost_is_validated_like_production(
    replay_table: str, edge_app: ModuleType, tmp_path: Path
) -> None:
    idp, config = local_sign_in(
        load_config(CONFIG_PATH),
        tmp_path,
        public_base_url="http://localhost:8080",
        idp_base_url="http://localhost:8081",
        table=TABLE,
    )
    edge_app.use_config(config)
    login = start_login(edge_app, idp, "/index.html")

    result = post_acs(edge_app, idp.sign_in(idp.users[2], login.request_id), login.relay_state, (login.cookie,))

    assert result["status"] == "302"
    assert header(result, "location") == ["/index.html"]
