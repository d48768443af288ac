"""A development SAML identity provider: demo users, real signed responses, metadata, single logout.

The production validation path runs unchanged against it; only the key is local.
"""

from __future__ import annotations

import base64
import datetime
import zlib
from dataclasses import dataclass
from urllib.parse import urlencode

from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

from ccm.config import ApprovalPolicies, AuthorizationConfig
from ccm.devidp.assertions import SAML, SAMLP, SUCCESS, ResponseSpec, encode, new_id, saml_time, signed_response
from ccm.devidp.keys import SigningMaterial
from ccm.edge.edge_config import EdgeConfig, IdpSettings

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


class DevIdpError(ValueError):
    """A request the development identity provider refuses (bad AuthnRequest, unknown service provider)."""


@dataclass(frozen=True)
class DemoUser:
    email: str
    label: str
    groups: tuple[str, ...] = ()


def demo_users(authorization: AuthorizationConfig, policies: ApprovalPolicies | None = None) -> tuple[DemoUser, ...]:
    """One user per role, in the first allowed domain, with the group names of config.json; then every member
    the approval policies name, in the groups that name them."""
    domain = authorization.allowed_email_domains[0]
    users = [
        DemoUser(f"requester@{domain}", "Requester: creates changes and announcements"),
        DemoUser(f"approver@{domain}", "Approver: approves changes", (authorization.approver_group,)),
        DemoUser(f"admin@{domain}", "Administrator", (authorization.admin_group,)),
    ]
    memberships: dict[str, list[str]] = {}
    for name, group in policies.groups.items() if policies else ():
        for member in group.members or []:
            memberships.setdefault(member.lower(), []).append(name)
    by_email = {user.email: user for user in users}
    for email, groups in sorted(memberships.items()):
        known = by_email.get(email)
        if known is not None:
            by_email[email] = DemoUser(known.email, known.label, (*known.groups, *groups))
            continue
        labels = [(policies.groups[name].label if policies else None) or name for name in groups]
        by_email[email] = DemoUser(email, f"Approver in {' and '.join(labels)}", tuple(groups))
    return tuple(by_email.values())


@dataclass(frozen=True)
class ServiceProvider:
    entity_id: str
    acs_url: str
    sls_url: str | None = None

    @classmethod
    def from_edge_config(cls, config: EdgeConfig) -> ServiceProvider:
        return cls(config.sp_entity_id, config.acs_url, config.sls_url)


@dataclass(frozen=True)
class AuthnRequestInfo:
    request_id: str
    issuer: str


class DevIdentityProvider:
    def __init__(
        self,
        material: SigningMaterial,
        base_url: str,
        service_provider: ServiceProvider,
        users: tuple[DemoUser, ...],
        groups_attribute: str = "groups",
        email_attribute: str = "email",
    ) -> None:
        self.material = material
        self.base_url = base_url.rstrip("/")
        self.service_provider = service_provider
        self.users = users
        self.groups_attribute = groups_attribute
        self.email_attribute = email_attribute

    @property
    def entity_id(self) -> str:
        return self.base_url + "/metadata"

    @property
    def sso_url(self) -> str:
        return self.base_url + "/sso"

    @property
    def slo_url(self) -> str:
        return self.base_url + "/slo"

    @property
    def settings(self) -> IdpSettings:
        """What the portal's edge configuration must say to trust this identity provider."""
        return IdpSettings(self.entity_id, self.sso_url, (self.material.certificate_base64,), self.slo_url)

    def user(self, email: str) -> DemoUser | None:
        return next((user for user in self.users if user.email == email), None)

    def response_spec(
        self, user: DemoUser, in_response_to: str | None = None, now: datetime.datetime | None = None
    ) -> ResponseSpec:
        spec = ResponseSpec(
            issuer=self.entity_id,
            destination=self.service_provider.acs_url,
            recipient=self.service_provider.acs_url,
            audience=self.service_provider.entity_id,
            name_id=user.email,
            in_response_to=in_response_to,
            attributes={self.email_attribute: [user.email], self.groups_attribute: list(user.groups)},
        )
        if now is not None:
            spec.now = now
        return spec

    def sign_in(self, user: DemoUser, in_response_to: str | None = None) -> str:
        """The base64 ``SAMLResponse`` for ``user``: SP-initiated with ``in_response_to``, else IdP-initiated."""
        return encode(signed_response(self.response_spec(user, in_response_to), self.material))

    def read_authn_request(self, saml_request: str, deflated: bool = True) -> AuthnRequestInfo:
        """The AuthnRequest of the HTTP-Redirect (deflated) or HTTP-POST binding, checked against our one SP."""
        try:
            xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(saml_request, ignore_zip=not deflated)
            document = OneLogin_Saml2_XML.to_etree(xml)
        except Exception as error:  # any undecodable input is the same refusal
            raise DevIdpError(f"SAMLRequest cannot be read: {error}") from None
        if document.tag != f"{{{SAMLP}}}AuthnRequest" or not document.get("ID"):
            raise DevIdpError("SAMLRequest is not an AuthnRequest with an ID")
        issuer = document.findtext(f"{{{SAML}}}Issuer", default="").strip()
        if issuer != self.service_provider.entity_id:
            raise DevIdpError(f"AuthnRequest from unknown service provider {issuer!r}")
        acs_url = document.get("AssertionConsumerServiceURL")
        if acs_url is not None and acs_url != self.service_provider.acs_url:
            raise DevIdpError(f"AuthnRequest asks for assertion consumer {acs_url!r}, not the registered one")
        return AuthnRequestInfo(str(document.get("ID")), issuer)

    def logout_redirect(self, saml_request: str, relay_state: str | None) -> str | None:
        """Where to send the browser after a LogoutRequest: the SP's logout service with a LogoutResponse."""
        try:
            request = OneLogin_Saml2_XML.to_etree(OneLogin_Saml2_Utils.decode_base64_and_inflate(saml_request))
        except Exception as error:  # any undecodable input is the same refusal
            raise DevIdpError(f"SAMLRequest cannot be read: {error}") from None
        if self.service_provider.sls_url is None:
            return None
        response = etree.Element(f"{{{SAMLP}}}LogoutResponse", nsmap={"samlp": SAMLP, "saml": SAML})
        response.set("ID", new_id())
        response.set("Version", "2.0")
        response.set("IssueInstant", saml_time(datetime.datetime.now(datetime.UTC)))
        response.set("Destination", self.service_provider.sls_url)
        response.set("InResponseTo", str(request.get("ID", "")))
        etree.SubElement(response, f"{{{SAML}}}Issuer").text = self.entity_id
        status = etree.SubElement(response, f"{{{SAMLP}}}Status")
        etree.SubElement(status, f"{{{SAMLP}}}StatusCode").set("Value", SUCCESS)
        compressor = zlib.compressobj(wbits=-15)
        deflated = compressor.compress(etree.tostring(response)) + compressor.flush()
        parameters = {"SAMLResponse": base64.b64encode(deflated).decode("ascii")}
        if relay_state:
            parameters["RelayState"] = relay_state
        return f"{self.service_provider.sls_url}?{urlencode(parameters)}"

    def metadata(self) -> str:
        """IdP metadata XML: entity id, signing certificate, SSO and SLO endpoints."""
        root = etree.Element(f"{{{MD}}}EntityDescriptor", nsmap={"md": MD, "ds": DS})
        root.set("entityID", self.entity_id)
        descriptor = etree.SubElement(root, f"{{{MD}}}IDPSSODescriptor")
        descriptor.set("WantAuthnRequestsSigned", "false")
        descriptor.set("protocolSupportEnumeration", "urn:oasis:names:tc:SAML:2.0:protocol")
        key = etree.SubElement(descriptor, f"{{{MD}}}KeyDescriptor")
        key.set("use", "signing")
        data = etree.SubElement(etree.SubElement(key, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data")
        etree.SubElement(data, f"{{{DS}}}X509Certificate").text = self.material.certificate_base64
        logout = etree.SubElement(descriptor, f"{{{MD}}}SingleLogoutService")
        logout.set("Binding", REDIRECT)
        logout.set("Location", self.slo_url)
        etree.SubElement(descriptor, f"{{{MD}}}NameIDFormat").text = EMAIL_FORMAT
        for binding in (REDIRECT, POST):
            service = etree.SubElement(descriptor, f"{{{MD}}}SingleSignOnService")
            service.set("Binding", binding)
            service.set("Location", self.sso_url)
        return str(etree.tostring(root, encoding="unicode", pretty_print=True))
