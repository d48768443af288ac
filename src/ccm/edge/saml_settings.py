"""python3-saml settings and request data built from the edge configuration.

Strict mode always: non-strict python3-saml accepts expired assertions and foreign audiences. The request data
is rebuilt from the configured public host and path, never from the ``Host`` the origin request carries
(CloudFront rewrites it to the origin's name), so Destination and Recipient are checked against the URL the
browser really posted to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from onelogin.saml2.constants import OneLogin_Saml2_Constants

from ccm.edge.edge_config import EdgeConfig


def saml_settings(config: EdgeConfig) -> dict[str, Any]:
    hosts = [urlsplit(url).hostname or "" for url in (config.public_base_url, config.idp.sso_url)]
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": config.sp_entity_id,
            "assertionConsumerService": {"url": config.acs_url, "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST},
            "singleLogoutService": {"url": config.sls_url, "binding": OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT},
            "NameIDFormat": config.name_id_format,
            "x509cert": "",
            "privateKey": "",
        },
        "idp": {
            "entityId": config.idp.entity_id,
            "singleSignOnService": {
                "url": config.idp.sso_url,
                "binding": OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
            },
            "singleLogoutService": {
                "url": config.idp.slo_url or "",
                "binding": OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
            },
            # Only these certificates verify signatures; one embedded in a response is never trusted.
            "x509certMulti": {"signing": list(config.idp.certificates)},
        },
        "security": {
            "wantAssertionsSigned": True,
            "wantMessagesSigned": False,
            "wantNameId": True,
            "wantAttributeStatement": False,
            "rejectDeprecatedAlgorithm": True,
            "requestedAuthnContext": False,
            "failOnAuthnContextMismatch": False,
            "allowRepeatAttributeName": True,
            "authnRequestsSigned": False,
            "logoutRequestSigned": False,
            "logoutResponseSigned": False,
            "signatureAlgorithm": OneLogin_Saml2_Constants.RSA_SHA256,
            "digestAlgorithm": OneLogin_Saml2_Constants.SHA256,
            # python3-saml rejects single-label hosts unless told; the local stack runs on localhost.
            "allowSingleLabelDomains": any("." not in host for host in hosts),
        },
    }


def request_data(
    config: EdgeConfig,
    path: str,
    get: Mapping[str, str] | None = None,
    post: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """What python3-saml calls request data, as if the browser had reached ``path`` on the public host."""
    return {
        "https": "on" if config.uses_https else "off",
        "http_host": config.public_host,
        "script_name": path,
        "get_data": dict(get or {}),
        "post_data": dict(post or {}),
    }
