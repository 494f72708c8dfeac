"""Certificate identity: development SAN URIs, OCES3-style subjects, production RSA keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ssd_gateway.certs import (
    DevelopmentCA,
    ExpiryStatus,
    OrganisationSubject,
    expiry_status,
    identity_of,
    load_private_key,
)
from ssd_gateway.certs.files import certificate_pem, private_key_pem, write_private
from ssd_gateway.certs.identity import normalise_fingerprint
from ssd_gateway.exceptions import ConfigurationError
from ssd_gateway.signing import SigningKey, sign_bundle, verify_bundle
from ssd_gateway.testing import ThrowawayFederation


def oces3_like(ca: DevelopmentCA, key: rsa.RSAPrivateKey) -> x509.Certificate:
    """A certificate shaped like an OCES3 organisation certificate (no SAN URI, NTRDK-CVR)."""
    now = datetime.now(UTC)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Silkeborg Kommune"),
        x509.NameAttribute(x509.ObjectIdentifier("2.5.4.97"), "NTRDK-29189846"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Silkeborg Kommune - Sundhedsplejen"),
    ])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(ca.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(days=90))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .sign(ca.key, hashes.SHA256()))


def test_oces3_style_subject_exposes_the_cvr() -> None:
    """organizationIdentifier NTRDK-<cvr> becomes the name urn:dk:cvr:<cvr>."""
    ca = DevelopmentCA.create()
    identity = identity_of(oces3_like(ca, rsa.generate_private_key(65537, 3072)))
    assert identity.names == frozenset({"urn:dk:cvr:29189846"})
    assert identity.cvr == "29189846" and identity.org_id is None


def test_production_rsa_certificate_loads_and_signs_ps256(tmp_path: Path) -> None:
    """An RSA organisation certificate from PEM files signs (PS256) and verifies."""
    fed = ThrowawayFederation(tmp_path)
    key = rsa.generate_private_key(65537, 3072)
    cert = oces3_like(fed.ca, key)
    (tmp_path / "prod.pem").write_bytes(certificate_pem(cert))
    write_private(tmp_path / "prod-key.pem", private_key_pem(key))
    signing = SigningKey.from_files(tmp_path / "prod.pem", tmp_path / "prod-key.pem")
    assert signing.jws_alg == "PS256"
    signed = sign_bundle({"resourceType": "Bundle", "id": "b"}, signing)
    assert verify_bundle(signed, fed.trust()).cvr == "29189846"


def test_key_that_does_not_match_the_certificate_is_refused(tmp_path: Path) -> None:
    """Loading a key with another organisation's certificate is a configuration error."""
    fed = ThrowawayFederation(tmp_path)
    a, b = fed.add("a"), fed.add("b")
    with pytest.raises(ConfigurationError, match="does not belong"):
        SigningKey.from_files(a.cert_file, b.key_file)


def test_unreadable_key_file_is_a_configuration_error(tmp_path: Path) -> None:
    """A garbage key file gives ConfigurationError, not a cryptography exception."""
    (tmp_path / "k.pem").write_text("nope")
    with pytest.raises(ConfigurationError):
        load_private_key(tmp_path / "k.pem")


def test_expiry_levels() -> None:
    """60/30/7-day thresholds, expired and not yet valid."""
    ca = DevelopmentCA.create()
    now = datetime.now(UTC)
    cert = ca.issue(OrganisationSubject("o", "O", "school"), not_before=now - timedelta(days=1),
                    not_after=now + timedelta(days=100)).cert
    identity = identity_of(cert)
    at = identity.not_after
    assert expiry_status(identity, at - timedelta(days=61)) is ExpiryStatus.OK
    assert expiry_status(identity, at - timedelta(days=59)) is ExpiryStatus.WARN_60
    assert expiry_status(identity, at - timedelta(days=29)) is ExpiryStatus.WARN_30
    assert expiry_status(identity, at - timedelta(days=6)) is ExpiryStatus.WARN_7
    assert expiry_status(identity, at + timedelta(seconds=1)) is ExpiryStatus.EXPIRED
    assert expiry_status(identity, now - timedelta(days=2)) is ExpiryStatus.NOT_YET_VALID


def test_fingerprint_forms_are_normalised() -> None:
    """Pins may be written with or without colons, in either case, with a sha256: prefix."""
    plain = "AB" * 32
    assert normalise_fingerprint(plain) == normalise_fingerprint("sha256:" + ":".join(["ab"] * 32))
    with pytest.raises(ValueError):
        normalise_fingerprint("abc")
