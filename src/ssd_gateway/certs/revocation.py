"""Certificate revocation: the federation CA's certificate revocation lists (CRLs, RFC 5280).

A gateway configured with ``tls.crl_file`` refuses every certificate that a CRL of the
federation lists: a peer's TLS certificate (as caller, and as server before a byte is sent
to it) and the signer of a message or acknowledgement. The file holds one or more CRLs (PEM,
or a single DER CRL), each signed by a certificate of the federation CA file; a CRL signed
by anything else makes the file unusable (``ConfigurationError``), so a forged list can
neither revoke nor hide a revocation.

The file is watched, not read once: operators replace it (from the CA's distribution point,
by cron) while gateways run, and the next verification uses the new lists. If a replaced
file cannot be used, the lists read before stay in force and ``problem`` says why: a broken
download never un-revokes a certificate. A CRL past its ``next_update`` is still applied
(what it revokes stays revoked) and reported as stale (an alert and ``doctor``).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ssd_gateway.exceptions import ConfigurationError

_PEM_CRL = re.compile(rb"-----BEGIN X509 CRL-----.+?-----END X509 CRL-----", re.DOTALL)


@dataclass(frozen=True)
class Revocation:
    """Why and since when a certificate is revoked."""

    serial_number: int
    revoked_at: datetime
    reason: str | None

    def describe(self) -> str:
        """``serial … since … (reason)``, for error messages and logs (no personal data)."""
        return (f"serial {self.serial_number:x} since {self.revoked_at.isoformat()} "
                f"({self.reason or 'unspecified'})")


@dataclass(frozen=True)
class RevocationLists:
    """The verified CRLs of one file, by issuer."""

    crls: tuple[x509.CertificateRevocationList, ...]

    def revocation(self, cert: x509.Certificate) -> Revocation | None:
        """The revocation of ``cert`` if a CRL of its issuer lists it, else None."""
        for crl in self.crls:
            if crl.issuer != cert.issuer:
                continue
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None:
                return Revocation(cert.serial_number, entry.revocation_date_utc,
                                  _reason(entry))
        return None

    def next_update(self) -> datetime | None:
        """The earliest ``next_update`` of the lists (when a fresh list is due)."""
        dates = [c.next_update_utc for c in self.crls if c.next_update_utc is not None]
        return min(dates) if dates else None

    def stale(self, now: datetime | None = None) -> bool:
        """Whether a list is past its ``next_update``."""
        due = self.next_update()
        return due is not None and due < (now or datetime.now(UTC))


def _reason(entry: x509.RevokedCertificate) -> str | None:
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return None
    return str(reason.name)


def read_revocation_lists(path: Path, ca_certs: Sequence[x509.Certificate]
                          ) -> RevocationLists:
    """The CRLs in ``path``, each verified as signed by one of ``ca_certs``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read CRL file {path}: {exc.strerror}") from exc
    blocks = _PEM_CRL.findall(data)
    try:
        crls = ([x509.load_pem_x509_crl(b) for b in blocks] if blocks
                else [x509.load_der_x509_crl(data)])
    except ValueError as exc:
        raise ConfigurationError(f"{path} holds no readable CRL") from exc
    for crl in crls:
        if not any(_signed_by(crl, ca) for ca in ca_certs):
            raise ConfigurationError(f"{path}: a CRL is not signed by the federation CA "
                                     f"(issuer {crl.issuer.rfc4514_string()})")
    return RevocationLists(tuple(crls))


def _signed_by(crl: x509.CertificateRevocationList, ca: x509.Certificate) -> bool:
    key = ca.public_key()
    if crl.issuer != ca.subject or not isinstance(key, ec.EllipticCurvePublicKey
                                                  | rsa.RSAPublicKey):
        return False
    return crl.is_signature_valid(key)


class WatchedRevocationLists:
    """The CRL file, re-read whenever it changes (inode, size or modification time).

    ``generation`` grows with every change taken into use, so that holders of verified
    connections can drop them. Thread-safe: verifications run in several threads.
    """

    def __init__(self, path: Path, ca_certs: Sequence[x509.Certificate]) -> None:
        self.path = Path(path)
        self._ca_certs = tuple(ca_certs)
        self._lock = threading.Lock()
        self._stamp = self._file_stamp()
        self.lists = read_revocation_lists(self.path, self._ca_certs)
        self.generation = 0
        #: why the file as it is now is not in use (None when it is)
        self.problem: str | None = None

    def current(self) -> RevocationLists:
        """The lists in force: the file's, re-read if it changed since the last look."""
        stamp = self._file_stamp()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._reload(stamp)
        return self.lists

    def _reload(self, stamp: tuple[int, int, int] | None) -> None:
        self._stamp = stamp
        try:
            lists = read_revocation_lists(self.path, self._ca_certs)
        except ConfigurationError as exc:
            self.problem = str(exc)  # the lists read before stay in force
            return
        self.lists, self.problem = lists, None
        self.generation += 1

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        # the inode too: a file replaced atomically within one clock tick, same size
        return info.st_ino, info.st_mtime_ns, info.st_size
