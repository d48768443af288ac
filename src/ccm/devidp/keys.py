"""The development identity provider's signing key and self-signed certificate, made with ``cryptography``."""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path

KEY_FILE = "idp-key.pem"
CERTIFICATE_FILE = "idp-cert.pem"


@dataclass(frozen=True)
class SigningMaterial:
    private_key_pem: str = field(repr=False)
    certificate_pem: str

    @property
    def certificate_base64(self) -> str:
        """The certificate body as metadata and the edge configuration carry it (no PEM armour)."""
        lines = self.certificate_pem.strip().splitlines()
        return "".join(line for line in lines if not line.startswith("-----"))

    @classmethod
    def generate(
        cls, common_name: str = "ccm development identity provider", valid_days: int = 3650
    ) -> SigningMaterial:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=valid_days))
            .sign(key, hashes.SHA256())
        )
        return cls(
            private_key_pem=key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode("ascii"),
            certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        )

    @classmethod
    def load_or_create(cls, directory: str | Path) -> SigningMaterial:
        """The key pair kept in ``directory``, made on first use so that restarts keep the same certificate."""
        directory = Path(directory)
        key_path, certificate_path = directory / KEY_FILE, directory / CERTIFICATE_FILE
        if key_path.exists() and certificate_path.exists():
            return cls(key_path.read_text(encoding="ascii"), certificate_path.read_text(encoding="ascii"))
        material = cls.generate()
        directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(material.private_key_pem)
        certificate_path.write_text(material.certificate_pem, encoding="ascii")
        return material
