"""SAML 2.0 responses built and signed the way a real identity provider does (xmlsec, RSA-SHA256, exc-c14n).

Every part is a parameter so that tests can also make the wrong responses a hostile party would send.
"""

from __future__ import annotations

import base64
import datetime
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import xmlsec
from lxml import etree
from xmlsec import constants as xmlsec_constants

from ccm.devidp.keys import SigningMaterial

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XS = "http://www.w3.org/2001/XMLSchema"
DS = "http://www.w3.org/2000/09/xmldsig#"
NAMESPACES = {"samlp": SAMLP, "saml": SAML, "ds": DS}
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def new_id() -> str:
    # SAML IDs are xs:ID values: they must not start with a digit.
    return "_" + secrets.token_hex(20)


def saml_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ResponseSpec:
    """Everything that goes into one response; ``None`` leaves an optional part out."""

    issuer: str
    destination: str | None
    recipient: str
    audience: str | None
    name_id: str
    now: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.UTC))
    in_response_to: str | None = None
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    name_id_format: str = EMAIL_FORMAT
    lifetime: datetime.timedelta = datetime.timedelta(minutes=5)
    not_before: datetime.datetime | None = None
    not_on_or_after: datetime.datetime | None = None
    response_id: str = field(default_factory=new_id)
    assertion_id: str = field(default_factory=new_id)

    @property
    def valid_from(self) -> datetime.datetime:
        return self.not_before or self.now - datetime.timedelta(seconds=30)

    @property
    def valid_until(self) -> datetime.datetime:
        return self.not_on_or_after or self.now + self.lifetime


def _element(
    parent: etree._Element, namespace: str, tag: str, text: str | None = None, **attributes: str
) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}", {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def build_response(spec: ResponseSpec) -> etree._Element:
    """An unsigned ``samlp:Response`` holding one assertion."""
    instant = saml_time(spec.now)
    root = etree.Element(f"{{{SAMLP}}}Response", nsmap={"samlp": SAMLP, "saml": SAML})
    root.set("ID", spec.response_id)
    root.set("Version", "2.0")
    root.set("IssueInstant", instant)
    if spec.destination is not None:
        root.set("Destination", spec.destination)
    if spec.in_response_to is not None:
        root.set("InResponseTo", spec.in_response_to)
    _element(root, SAML, "Issuer", spec.issuer)
    status = _element(root, SAMLP, "Status")
    _element(status, SAMLP, "StatusCode", Value=SUCCESS)

    assertion = _element(root, SAML, "Assertion", ID=spec.assertion_id, Version="2.0", IssueInstant=instant)
    _element(assertion, SAML, "Issuer", spec.issuer)
    subject = _element(assertion, SAML, "Subject")
    _element(subject, SAML, "NameID", spec.name_id, Format=spec.name_id_format)
    confirmation = _element(subject, SAML, "SubjectConfirmation", Method=BEARER)
    data = _element(confirmation, SAML, "SubjectConfirmationData", NotOnOrAfter=saml_time(spec.valid_until))
    data.set("Recipient", spec.recipient)
    if spec.in_response_to is not None:
        data.set("InResponseTo", spec.in_response_to)
    conditions = _element(
        assertion, SAML, "Conditions", NotBefore=saml_time(spec.valid_from), NotOnOrAfter=saml_time(spec.valid_until)
    )
    if spec.audience is not None:
        restriction = _element(conditions, SAML, "AudienceRestriction")
        _element(restriction, SAML, "Audience", spec.audience)
    statement = _element(assertion, SAML, "AuthnStatement", AuthnInstant=instant, SessionIndex=spec.assertion_id)
    context = _element(statement, SAML, "AuthnContext")
    _element(context, SAML, "AuthnContextClassRef", PASSWORD_CONTEXT)
    if spec.attributes:
        attributes = _element(assertion, SAML, "AttributeStatement")
        for name, values in spec.attributes.items():
            attribute = _element(attributes, SAML, "Attribute", Name=name)
            for value in values:
                item = etree.SubElement(attribute, f"{{{SAML}}}AttributeValue", nsmap={"xsi": XSI, "xs": XS})
                item.set(f"{{{XSI}}}type", "xs:string")
                item.text = value
    return root


def assertion_of(response: etree._Element) -> etree._Element:
    return response.find(f"{{{SAML}}}Assertion")


_ALGORITHMS = {
    "rsa-sha256": (xmlsec_constants.TransformRsaSha256, xmlsec_constants.TransformSha256),
    # Deprecated; only for showing that the portal refuses it.
    "rsa-sha1": (xmlsec_constants.TransformRsaSha1, xmlsec_constants.TransformSha1),
}


def sign(
    element: etree._Element,
    material: SigningMaterial,
    *,
    include_certificate: bool = True,
    algorithm: str = "rsa-sha256",
) -> etree._Element:
    """Sign ``element`` (a Response or an Assertion) in place with an enveloped signature after its Issuer."""
    signature_method, digest_method = _ALGORITHMS[algorithm]
    signature = xmlsec.template.create(element, xmlsec_constants.TransformExclC14N, signature_method, ns="ds")
    issuer = element.find(f"{{{SAML}}}Issuer")
    if issuer is None:
        element.insert(0, signature)
    else:
        issuer.addnext(signature)
    reference = xmlsec.template.add_reference(signature, digest_method, uri="#" + element.get("ID", ""))
    xmlsec.template.add_transform(reference, xmlsec_constants.TransformEnveloped)
    xmlsec.template.add_transform(reference, xmlsec_constants.TransformExclC14N)
    key = xmlsec.Key.from_memory(material.private_key_pem, xmlsec_constants.KeyDataFormatPem, None)
    if include_certificate:
        xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(signature))
        key.load_cert_from_memory(material.certificate_pem, xmlsec_constants.KeyDataFormatPem)
    xmlsec.tree.add_ids(element.getroottree().getroot(), ["ID"])
    context = xmlsec.SignatureContext()
    context.key = key
    context.sign(signature)
    return element


def serialize(element: etree._Element) -> bytes:
    return bytes(etree.tostring(element.getroottree().getroot(), xml_declaration=False, encoding="utf-8"))


def encode(element: etree._Element | bytes) -> str:
    """The base64 form posted as ``SAMLResponse``."""
    data = element if isinstance(element, bytes) else serialize(element)
    return base64.b64encode(data).decode("ascii")


def signed_response(
    spec: ResponseSpec, material: SigningMaterial, *, sign_assertion: bool = True, sign_response: bool = False
) -> etree._Element:
    """A response as an identity provider sends it: assertion signed first, then (optionally) the response."""
    response = build_response(spec)
    if sign_assertion:
        sign(assertion_of(response), material)
    if sign_response:
        sign(response, material)
    return response
