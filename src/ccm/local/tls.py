"""A self-signed TLS certificate for local HTTPS servers on 127.0.0.1 (made with ``cryptography``).

msal refuses an ``http://`` authority, so the local token and Graph endpoints speak HTTPS. The certificate names
``IP:127.0.0.1`` and ``DNS:localhost`` and is its own CA: a client trusts it by using the certificate file as its
CA bundle (``requests.Session.verify``).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

CERTIFICATE_FILE = "local-tls-cert.pem"
KEY_FILE = "local-tls-key.pem"
VALID_DAYS = 825
RENEW_BEFORE = datetime.timedelta(days=7)


@dataclass(frozen=True)
class LocalCertificate:
    certificate_path: Path
    key_path: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.certificate_path, self.key_path)
        return context


def _still_valid(path: Path) -> bool:
    from cryptography import x509

    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    return certificate.not_valid_after_utc - RENEW_BEFORE > datetime.datetime.now(datetime.UTC)


def _generate(certificate_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ccm local HTTPS (127.0.0.1)")])
    now = datetime.datetime.now(datetime.UTC)
    subject_key = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        # Its own trust anchor: strict verifiers want CA, key usage and key identifiers spelled out.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(subject_key, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(subject_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_bytes)
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def local_certificate(directory: str | Path) -> LocalCertificate:
    """The certificate kept in ``directory``; made on first use, and again shortly before it expires."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    certificate_path, key_path = directory / CERTIFICATE_FILE, directory / KEY_FILE
    if not (certificate_path.exists() and key_path.exists() and _still_valid(certificate_path)):
        _generate(certificate_path, key_path)
    return LocalCertificate(certificate_path, key_path)
