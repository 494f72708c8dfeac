"""The sweeper: finds rows that need a worker and tells the broker about them again.

A row needs a worker when it is due (``pending``/``transient_error`` with
``next_attempt_at <= now``) or its lease expired (``sending`` whose worker died). Every
dispatch stamps ``dispatched_at``; a stamped row is not dispatched again until
``redispatch_after`` has passed (its message may have been lost, e.g. by the embedded SQLite
broker on a crash). The number of stamped, unclaimed rows is kept under ``max_queued``, so a
backlog of 100,000 rows becomes a steady stream instead of a flood of broker messages.
Acute rows go first.

Run it from beat (the ``sweep_outbox`` task), as ``ssd-gateway sweeper`` (``run_forever``), or
in a thread of the serve process.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ssd_gateway.delivery.deliver import claimable
from ssd_gateway.delivery.outbox import Dispatcher, Transfer
from ssd_gateway.delivery.states import WAITING
from ssd_gateway.delivery.timeutil import Clock, utcnow

log = logging.getLogger(__name__)


class Sweeper:
    """Re-enqueues due and lease-expired outbox rows through a ``Dispatcher``."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        dispatch: Dispatcher,
        *,
        clock: Clock = utcnow,
        max_queued: int = 2000,
        redispatch_after: timedelta = timedelta(minutes=5),
        interval: float = 2.0,
    ) -> None:
        self.session_factory = session_factory
        self.dispatch = dispatch
        self.clock = clock
        self.max_queued = max_queued
        self.redispatch_after = redispatch_after
        self.interval = interval

    def sweep_once(self) -> int:
        """Dispatch the rows that need a worker now; return how many were dispatched."""
        now = self.clock()
        stale = now - self.redispatch_after
        waiting = [state.value for state in WAITING]
        with self.session_factory() as session, session.begin():
            queued = session.scalar(select(func.count()).select_from(Transfer).where(
                Transfer.state.in_(waiting), Transfer.dispatched_at >= stale))
            room = self.max_queued - int(queued or 0)
            if room <= 0:
                return 0
            query = (
                select(Transfer.id, Transfer.acute)
                .where(claimable(now), or_(Transfer.dispatched_at.is_(None),
                                           and_(Transfer.dispatched_at < stale)))
                .order_by(Transfer.acute.desc(), Transfer.next_attempt_at)
                .limit(room)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = [(row.id, bool(row.acute)) for row in session.execute(query)]
            if rows:
                session.execute(update(Transfer).where(
                    Transfer.id.in_([transfer_id for transfer_id, _ in rows])
                ).values(dispatched_at=now).execution_options(synchronize_session=False))
        return self._dispatch(rows)

    def _dispatch(self, rows: list[tuple[str, bool]]) -> int:
        for index, (transfer_id, acute) in enumerate(rows):
            try:
                self.dispatch(transfer_id, acute)
            except Exception as exc:  # broker down: unstamp the rest, try next sweep
                log.warning("sweeper: dispatch failed (%s); %d rows left for the next sweep",
                            type(exc).__name__, len(rows) - index)
                self._unstamp([transfer_id for transfer_id, _ in rows[index:]])
                return index
        if rows:
            log.info("sweeper: dispatched %d transfers", len(rows))
        return len(rows)

    def _unstamp(self, ids: list[str]) -> None:
        with self.session_factory() as session, session.begin():
            session.execute(update(Transfer).where(Transfer.id.in_(ids))
                            .values(dispatched_at=None)
                            .execution_options(synchronize_session=False))

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Sweep every ``interval`` seconds until ``stop`` is set; errors are logged, not fatal."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                self.sweep_once()
            except Exception as exc:  # a database hiccup must not end the sweeper
                log.warning("sweeper: sweep failed (%s)", type(exc).__name__)
            stop.wait(self.interval)

    def start_thread(self, **kwargs: Any) -> tuple[threading.Thread, threading.Event]:
        """Run ``run_forever`` in a daemon thread; set the returned event to stop it."""
        stop = threading.Event()
        thread = threading.Thread(target=self.run_forever, args=(stop,), daemon=True,
                                  name="ssd-sweeper", **kwargs)
        thread.start()
        return thread, stop
