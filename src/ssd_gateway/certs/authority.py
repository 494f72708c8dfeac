"""A development federation CA (EC P-256) and the organisation certificates it issues.

For development, tests and the sandbox only: production federations use certificates from a
real CA (OCES3), loaded with ``ssd_gateway.certs.files``. An organisation certificate is good
for TLS server and client authentication and for signing messages (JWS, XMLDSig).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ssd_gateway.certs.files import (
    PrivateKey,
    certificate_pem,
    load_certificate,
    load_private_key,
    private_key_pem,
    write_private,
    write_public,
)
from ssd_gateway.certs.identity import CVR_URI_PREFIX, ORG_URI_PREFIX
from ssd_gateway.certs.revocation import read_revocation_lists
from ssd_gateway.exceptions import ConfigurationError

CA_CERT_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"
CRL_FILE = "crl.pem"
#: how long a published CRL is good for; gateways report a stale one
CRL_VALID_DAYS = 30


@dataclass(frozen=True)
class OrganisationSubject:
    """What an organisation certificate says about its holder."""

    org_id: str
    name: str
    sector: str
    cvr: str | None = None
    municipality: str | None = None
    dns_names: tuple[str, ...] = ("localhost",)
    ip_addresses: tuple[str, ...] = ("127.0.0.1",)

    def uris(self) -> list[str]:
        """The identity URIs that go into the subject alternative name."""
        uris = [ORG_URI_PREFIX + self.org_id]
        if self.cvr:
            uris.append(CVR_URI_PREFIX + self.cvr)
        return uris


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate with its private key."""

    cert: x509.Certificate
    key: PrivateKey
    chain: tuple[x509.Certificate, ...] = field(default=())

    def write(self, directory: Path, cert_name: str = CERT_FILE, key_name: str = KEY_FILE) -> None:
        """Write ``cert.pem`` (the leaf) and ``key.pem`` (mode 0600) into ``directory``."""
        write_public(directory / cert_name, certificate_pem(self.cert))
        write_private(directory / key_name, private_key_pem(self.key))


class DevelopmentCA:
    """A self-signed federation CA that issues organisation certificates."""

    def __init__(self, cert: x509.Certificate, key: PrivateKey) -> None:
        self.cert = cert
        self.key = key

    @classmethod
    def create(cls, name: str = "ssd-gateway development federation CA",
               valid_days: int = 3650) -> DevelopmentCA:
        """Make a new CA with a fresh EC P-256 key."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ssd-gateway development"),
        ])
        now = datetime.now(UTC)
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(cert, key)

    @classmethod
    def load(cls, directory: Path) -> DevelopmentCA:
        """Load ``ca.pem`` and ``ca-key.pem`` from ``directory``."""
        return cls(load_certificate(directory / CA_CERT_FILE),
                   load_private_key(directory / CA_KEY_FILE))

    def write(self, directory: Path) -> None:
        """Write ``ca.pem`` and ``ca-key.pem`` (mode 0600); refuse to overwrite a CA."""
        if (directory / CA_KEY_FILE).exists():
            raise ConfigurationError(f"{directory} already holds a CA key")
        write_public(directory / CA_CERT_FILE, certificate_pem(self.cert))
        write_private(directory / CA_KEY_FILE, private_key_pem(self.key))

    def issue(
        self,
        subject: OrganisationSubject,
        *,
        valid_days: int = 397,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> IssuedCertificate:
        """Issue an organisation certificate (TLS client+server auth and signing)."""
        key = ec.generate_private_key(ec.SECP256R1())
        start = not_before or datetime.now(UTC) - timedelta(minutes=5)
        end = not_after or start + timedelta(days=valid_days)
        names = [
            x509.NameAttribute(NameOID.COMMON_NAME, subject.name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, subject.sector),
        ]
        if subject.cvr:
            names.append(x509.NameAttribute(x509.ObjectIdentifier("2.5.4.97"),
                                            f"NTRDK-{subject.cvr}"))
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(names))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(ca=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(_san(subject), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return IssuedCertificate(cert, key)

    def publish_crl(self, directory: Path, *, revoke: x509.Certificate | None = None,
                    reason: x509.ReasonFlags | None = None,
                    valid_days: int = CRL_VALID_DAYS) -> x509.CertificateRevocationList:
        """Write ``directory/crl.pem`` anew: the entries it had, plus ``revoke`` if given.

        Each publication carries the next CRL number and a ``next_update`` ``valid_days``
        ahead; publish again before then (``ssd-gateway certs crl``), or gateways report the
        list as stale.
        """
        path = directory / CRL_FILE
        entries: list[x509.RevokedCertificate] = []
        number = 1
        if path.exists():
            (old,) = read_revocation_lists(path, [self.cert]).crls
            entries = list(old)
            number = old.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number + 1
        now = datetime.now(UTC)
        if revoke is not None:
            try:
                revoke.verify_directly_issued_by(self.cert)
            except (ValueError, TypeError, InvalidSignature):
                raise ConfigurationError("the certificate was not issued by this CA") from None
            if all(e.serial_number != revoke.serial_number for e in entries):
                entries.append(_revoked_entry(revoke.serial_number, now, reason))
        builder = (x509.CertificateRevocationListBuilder()
                   .issuer_name(self.cert.subject)
                   .last_update(now - timedelta(minutes=5))
                   .next_update(now + timedelta(days=valid_days))
                   .add_extension(x509.CRLNumber(number), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       self.key.public_key()), critical=False))
        for entry in entries:
            builder = builder.add_revoked_certificate(entry)
        crl = builder.sign(self.key, hashes.SHA256())
        write_public(path, crl.public_bytes(serialization.Encoding.PEM))
        return crl


def _revoked_entry(serial: int, when: datetime,
                   reason: x509.ReasonFlags | None) -> x509.RevokedCertificate:
    builder = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
    if reason is not None:
        builder = builder.add_extension(x509.CRLReason(reason), critical=False)
    return builder.build()


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False,
    )


def _san(subject: OrganisationSubject) -> x509.SubjectAlternativeName:
    general: list[x509.GeneralName] = [x509.UniformResourceIdentifier(u) for u in subject.uris()]
    general += [x509.DNSName(d) for d in subject.dns_names]
    general += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in subject.ip_addresses]
    return x509.SubjectAlternativeName(general)
