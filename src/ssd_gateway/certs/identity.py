"""Who a certificate speaks for: the organisation identity read from an X.509 certificate.

The development CA puts the identity into the subject alternative name as URIs::

    urn:ssd-gateway:org:<org_id>     the gateway's own organisation id (always)
    urn:dk:cvr:<cvr>                 the CVR number (optional; shared by a municipality's units)

Production certificates (OCES3 organisation certificates) carry the CVR in the subject's
``organizationIdentifier`` as ``NTRDK-<cvr>``; it is exposed as ``urn:dk:cvr:<cvr>`` too, so
the peer directory can name either form. Since a CVR does not tell a school from the social
authority of the same municipality, a CVR-only identity must be pinned by fingerprint in the
peer directory (``docs/peers.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

ORG_URI_PREFIX = "urn:ssd-gateway:org:"
CVR_URI_PREFIX = "urn:dk:cvr:"

_ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")
_NTRDK = re.compile(r"NTRDK-(\d{8})")


@dataclass(frozen=True)
class CertificateIdentity:
    """The names a certificate proves, with its fingerprint and validity period."""

    names: frozenset[str]
    subject: str
    issuer: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    dns_names: tuple[str, ...] = ()

    @property
    def org_id(self) -> str | None:
        """The ``urn:ssd-gateway:org:`` id, if the certificate carries exactly one."""
        ids = sorted(n.removeprefix(ORG_URI_PREFIX) for n in self.names
                     if n.startswith(ORG_URI_PREFIX))
        return ids[0] if len(ids) == 1 else None

    @property
    def cvr(self) -> str | None:
        """The CVR number, if the certificate carries one."""
        cvrs = sorted(n.removeprefix(CVR_URI_PREFIX) for n in self.names
                      if n.startswith(CVR_URI_PREFIX))
        return cvrs[0] if len(cvrs) == 1 else None

    def days_left(self, now: datetime | None = None) -> float:
        """Days until the certificate expires (negative once it has)."""
        now = now or datetime.now(UTC)
        return (self.not_after - now).total_seconds() / 86_400


def fingerprint(cert: x509.Certificate) -> str:
    """The SHA-256 fingerprint as lowercase hex pairs joined by colons."""
    return cert.fingerprint(hashes.SHA256()).hex(":")


def normalise_fingerprint(value: str) -> str:
    """Accept ``AB:CD…``, ``abcd…`` or ``sha256:…`` and return the form of ``fingerprint()``."""
    digits = value.lower().removeprefix("sha256:").replace(":", "").replace(" ", "")
    if not re.fullmatch(r"[0-9a-f]{64}", digits):
        raise ValueError("not a SHA-256 fingerprint")
    return bytes.fromhex(digits).hex(":")


def identity_of(cert: x509.Certificate) -> CertificateIdentity:
    """Read the organisation names, fingerprint and validity of ``cert``."""
    names: set[str] = set()
    dns: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    if san is not None:
        names.update(san.get_values_for_type(x509.UniformResourceIdentifier))
        dns.extend(san.get_values_for_type(x509.DNSName))
    for attribute in cert.subject.get_attributes_for_oid(_ORGANIZATION_IDENTIFIER):
        match = _NTRDK.fullmatch(str(attribute.value))
        if match:
            names.add(CVR_URI_PREFIX + match.group(1))
    return CertificateIdentity(
        names=frozenset(names),
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        fingerprint_sha256=fingerprint(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        dns_names=tuple(dns),
    )


def common_name(cert: x509.Certificate) -> str | None:
    """The subject's common name, if any."""
    values = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else None
