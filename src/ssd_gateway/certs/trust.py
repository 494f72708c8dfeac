"""The federation trust anchor: which certificates count as members of the federation.

One ``FederationTrust`` is built from the federation CA file and used everywhere a
certificate has to be believed: the TLS listener's context, the client's context, the in-app
re-verification of a certificate forwarded by a TLS-terminating proxy, and the signer
certificate of a JWS (``x5c``) or an XML signature (``KeyInfo``). Chains are built and checked
by ``cryptography.x509.verification``; nothing here parses ASN.1 by hand.

A successful verification is remembered, keyed by the exact certificates presented and the
kind of check, together with the period in which every certificate of the verified chain is
valid: the same peer on a kept-alive connection, or signing message after message, is not
verified again while that period lasts. Outside it (and for anything not seen before) the
chain is verified afresh. A failure is never remembered. The answer depends only on the
certificates, the CA and the time, so the memory cannot change a decision.

Revocation (``crl_file``, see ``certs/revocation.py``) is checked on every verification,
remembered chain or not: the leaf and every intermediate presented must not be listed by a
CRL of the federation, as the CRL file is at that moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.x509 import verification

from ssd_gateway.certs.files import load_certificates
from ssd_gateway.certs.identity import CertificateIdentity, identity_of
from ssd_gateway.certs.revocation import Revocation, WatchedRevocationLists
from ssd_gateway.exceptions import ConfigurationError, PeerRefused, SignatureInvalid

#: how many verified chains are remembered before the memory starts afresh
REMEMBERED_CHAINS = 1024

_Key = tuple[bool, x509.Certificate, tuple[x509.Certificate, ...]]


@dataclass(frozen=True)
class _Verified:
    """A chain that verified, and the period in which all its certificates are valid."""

    identity: CertificateIdentity
    valid_from: datetime
    valid_until: datetime

    def covers(self, moment: datetime) -> bool:
        """Whether ``moment`` lies inside the validity of every certificate of the chain."""
        return self.valid_from <= moment <= self.valid_until


class FederationTrust:
    """The federation CA certificate(s) and the verifiers built on them."""

    def __init__(self, ca_certs: Sequence[x509.Certificate], ca_file: Path,
                 crl_file: Path | None = None) -> None:
        if not ca_certs:
            raise ConfigurationError("the federation CA file holds no certificate")
        self.ca_certs = tuple(ca_certs)
        self.ca_file = Path(ca_file)
        self._store = verification.Store(list(self.ca_certs))
        self._verified: dict[_Key, _Verified] = {}
        #: the federation's CRLs, when a CRL file is configured
        self.revocations = (WatchedRevocationLists(crl_file, self.ca_certs)
                            if crl_file is not None else None)

    @classmethod
    def from_file(cls, ca_file: Path, crl_file: Path | None = None) -> FederationTrust:
        """Trust exactly the CA certificates in ``ca_file`` (PEM), less ``crl_file``'s."""
        return cls(load_certificates(ca_file), ca_file, crl_file)

    @property
    def revocation_generation(self) -> int:
        """Grows whenever a changed CRL file is taken into use (0 without one)."""
        if self.revocations is None:
            return 0
        self.revocations.current()
        return self.revocations.generation

    def revocation(self, cert: x509.Certificate) -> Revocation | None:
        """The revocation of ``cert`` by a CRL of the federation, or None."""
        if self.revocations is None:
            return None
        return self.revocations.current().revocation(cert)

    def verify_peer(self, leaf: x509.Certificate,
                    intermediates: Sequence[x509.Certificate] = (),
                    now: datetime | None = None) -> CertificateIdentity:
        """Check a TLS client certificate; raise ``PeerRefused`` unless it chains to the CA."""
        try:
            identity = self._verify(leaf, intermediates, now, signing=False)
        except verification.VerificationError as exc:
            raise PeerRefused(f"client certificate not trusted: {exc}") from exc
        revoked = self._revoked(leaf, intermediates)
        if revoked:
            raise PeerRefused(f"certificate revoked: {revoked}")
        return identity

    def verify_signer(self, leaf: x509.Certificate,
                      intermediates: Sequence[x509.Certificate] = (),
                      now: datetime | None = None) -> CertificateIdentity:
        """Check a signer certificate; raise ``SignatureInvalid`` unless it chains to the CA."""
        try:
            identity = self._verify(leaf, intermediates, now, signing=True)
        except verification.VerificationError as exc:
            raise SignatureInvalid(f"signer certificate not trusted: {exc}") from exc
        revoked = self._revoked(leaf, intermediates)
        if revoked:
            raise SignatureInvalid(f"signer certificate revoked: {revoked}")
        return identity

    def _revoked(self, leaf: x509.Certificate,
                 intermediates: Sequence[x509.Certificate]) -> str | None:
        """How the first revoked certificate of leaf and intermediates is revoked, or None."""
        if self.revocations is None:
            return None
        lists = self.revocations.current()  # one look at the file for the whole chain
        for cert in (leaf, *intermediates):
            found = lists.revocation(cert)
            if found is not None:
                return found.describe()
        return None

    def _verify(self, leaf: x509.Certificate, intermediates: Sequence[x509.Certificate],
                now: datetime | None, *, signing: bool) -> CertificateIdentity:
        moment = now or datetime.now(UTC)
        key: _Key = (signing, leaf, tuple(intermediates))
        known = self._verified.get(key)
        if known is not None and known.covers(moment):
            return known.identity
        chain = self._build(leaf, intermediates, moment, signing=signing)
        if len(self._verified) >= REMEMBERED_CHAINS:
            self._verified.clear()
        self._verified[key] = _Verified(
            identity_of(leaf), max(c.not_valid_before_utc for c in chain),
            min(c.not_valid_after_utc for c in chain))
        return self._verified[key].identity

    def _build(self, leaf: x509.Certificate, intermediates: Sequence[x509.Certificate],
               moment: datetime, *, signing: bool) -> list[x509.Certificate]:
        """The verified chain, leaf to anchor; ``VerificationError`` if there is none."""
        builder = verification.PolicyBuilder().store(self._store).time(moment)
        if signing:
            # A signing certificate need not carry the TLS clientAuth usage; it must be
            # allowed to make digital signatures.
            ee = verification.ExtensionPolicy.permit_all().require_present(
                x509.KeyUsage, verification.Criticality.AGNOSTIC, _allows_signing)
            builder = builder.extension_policies(
                ee_policy=ee, ca_policy=verification.ExtensionPolicy.webpki_defaults_ca())
        return list(builder.build_client_verifier().verify(leaf, list(intermediates)).chain)


def _allows_signing(_policy: object, _cert: x509.Certificate, usage: x509.KeyUsage | None) -> None:
    if usage is None or not usage.digital_signature:
        raise ValueError("key usage does not allow digital signatures")
