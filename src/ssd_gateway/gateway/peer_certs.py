"""The certificates peers present, remembered so their expiry can be watched.

The peer directory names identities (and maybe a pin), not certificates; every verified
handshake shows the certificate a peer uses now. The latest one per peer is kept here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from ssd_gateway.alerts import Alert, certificate_alert
from ssd_gateway.certs.identity import CertificateIdentity
from ssd_gateway.db import Base


class PeerCertificateRow(Base):
    """The certificate a peer presented last."""

    __tablename__ = "peer_certificates"
    org_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    fingerprint_sha256: Mapped[str] = mapped_column(String(128))
    not_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def remember(session: Session, org_id: str, identity: CertificateIdentity, at: datetime) -> None:
    """Record the certificate ``org_id`` presented at ``at``."""
    row = session.get(PeerCertificateRow, org_id) or PeerCertificateRow(org_id=org_id)
    row.fingerprint_sha256, row.not_after, row.seen_at = (
        identity.fingerprint_sha256, identity.not_after, at)
    session.merge(row)


def expiry_alerts(session: Session, now: datetime) -> Iterable[Alert]:
    """Alert source: each peer certificate within 60/30/7 days of expiry, or expired."""
    for row in session.query(PeerCertificateRow).order_by(PeerCertificateRow.org_id):
        not_after = row.not_after if row.not_after.tzinfo else row.not_after.replace(
            tzinfo=now.tzinfo)
        alert = certificate_alert(f"peer {row.org_id}", not_after, now)
        if alert is not None:
            yield alert
