"""Retention: message bodies of acknowledged transfers are deleted after N days.

The row stays (state, ids, times, acknowledgement) as the record of what was sent; only the
body, the personal data, goes. ``body_deleted_at`` says when. Run it daily (beat, cron or
``ssd-gateway queue purge-bodies``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.delivery.states import TransferState
from ssd_gateway.delivery.timeutil import Clock, utcnow


def purge_acked_bodies(session_factory: sessionmaker[Session], older_than: timedelta, *,
                       clock: Clock = utcnow, batch: int = 1000) -> int:
    """Null the bodies of transfers acked more than ``older_than`` ago; return how many.

    Works in batches of ``batch`` rows, one transaction each, so a large first run neither
    holds long locks nor bloats one transaction.
    """
    now = clock()
    cutoff = now - older_than
    total = 0
    while True:
        with session_factory() as session, session.begin():
            ids = list(session.scalars(select(Transfer.id).where(
                Transfer.state == TransferState.ACKED.value, Transfer.acked_at <= cutoff,
                Transfer.body.is_not(None)).limit(batch)))
            if not ids:
                return total
            session.execute(update(Transfer).where(Transfer.id.in_(ids)).values(
                body=None, body_deleted_at=now).execution_options(synchronize_session=False))
            total += len(ids)
