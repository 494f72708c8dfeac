"""The federation trust anchor: which certificates count as members of the federation.

One ``FederationTrust`` is built from the federation CA file and used everywhere a
certificate has to be believed: the TLS listener's context, the client's context, the in-app
re-verification of a certificate forwarded by a TLS-terminating proxy, and the signer
certificate of a JWS (``x5c``) or an XML signature (``KeyInfo``). Chains are built and checked
by ``cryptography.x509.verification``; nothing here parses ASN.1 by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.x509 import verification

from ssd_gateway.certs.files import load_certificates
from ssd_gateway.certs.identity import CertificateIdentity, identity_of
from ssd_gateway.exceptions import ConfigurationError, PeerRefused, SignatureInvalid


class FederationTrust:
    """The federation CA certificate(s) and the verifiers built on them."""

    def __init__(self, ca_certs: Sequence[x509.Certificate], ca_file: Path) -> None:
        if not ca_certs:
            raise ConfigurationError("the federation CA file holds no certificate")
        self.ca_certs = tuple(ca_certs)
        self.ca_file = Path(ca_file)
        self._store = verification.Store(list(self.ca_certs))

    @classmethod
    def from_file(cls, ca_file: Path) -> FederationTrust:
        """Trust exactly the CA certificates in ``ca_file`` (PEM)."""
        return cls(load_certificates(ca_file), ca_file)

    def verify_peer(self, leaf: x509.Certificate,
                    intermediates: Sequence[x509.Certificate] = (),
                    now: datetime | None = None) -> CertificateIdentity:
        """Check a TLS client certificate; raise ``PeerRefused`` unless it chains to the CA."""
        try:
            self._verify(leaf, intermediates, now, signing=False)
        except verification.VerificationError as exc:
            raise PeerRefused(f"client certificate not trusted: {exc}") from exc
        return identity_of(leaf)

    def verify_signer(self, leaf: x509.Certificate,
                      intermediates: Sequence[x509.Certificate] = (),
                      now: datetime | None = None) -> CertificateIdentity:
        """Check a signer certificate; raise ``SignatureInvalid`` unless it chains to the CA."""
        try:
            self._verify(leaf, intermediates, now, signing=True)
        except verification.VerificationError as exc:
            raise SignatureInvalid(f"signer certificate not trusted: {exc}") from exc
        return identity_of(leaf)

    def _verify(self, leaf: x509.Certificate, intermediates: Sequence[x509.Certificate],
                now: datetime | None, *, signing: bool) -> None:
        builder = verification.PolicyBuilder().store(self._store).time(now or datetime.now(UTC))
        if signing:
            # A signing certificate need not carry the TLS clientAuth usage; it must be
            # allowed to make digital signatures.
            ee = verification.ExtensionPolicy.permit_all().require_present(
                x509.KeyUsage, verification.Criticality.AGNOSTIC, _allows_signing)
            builder = builder.extension_policies(
                ee_policy=ee, ca_policy=verification.ExtensionPolicy.webpki_defaults_ca())
        builder.build_client_verifier().verify(leaf, list(intermediates))


def _allows_signing(_policy: object, _cert: x509.Certificate, usage: x509.KeyUsage | None) -> None:
    if usage is None or not usage.digital_signature:
        raise ValueError("key usage does not allow digital signatures")
