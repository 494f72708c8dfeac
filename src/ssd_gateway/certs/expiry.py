"""When to warn about a certificate's expiry: 60, 30 and 7 days before, and once expired."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum

from ssd_gateway.certs.identity import CertificateIdentity

#: days before expiry at which the warning level rises
WARNING_DAYS: tuple[int, ...] = (60, 30, 7)


class ExpiryStatus(IntEnum):
    """How urgent a certificate's renewal is (higher is worse)."""

    OK = 0
    WARN_60 = 1
    WARN_30 = 2
    WARN_7 = 3
    EXPIRED = 4
    NOT_YET_VALID = 5


def expiry_status(identity: CertificateIdentity, now: datetime | None = None) -> ExpiryStatus:
    """The warning level of a certificate at ``now``."""
    now = now or datetime.now(UTC)
    if now < identity.not_before:
        return ExpiryStatus.NOT_YET_VALID
    days = identity.days_left(now)
    if days <= 0:
        return ExpiryStatus.EXPIRED
    if days <= 7:
        return ExpiryStatus.WARN_7
    if days <= 30:
        return ExpiryStatus.WARN_30
    if days <= 60:
        return ExpiryStatus.WARN_60
    return ExpiryStatus.OK
