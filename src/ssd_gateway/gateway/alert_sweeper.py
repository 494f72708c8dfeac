"""The alerts sweeper: runs the alert sources periodically and logs what changed.

``AlertSweeper(gateway).start_thread()`` sweeps every ``settings.alerts.sweep_interval_seconds``
in a daemon thread until ``stop()``; ``sweep_once()`` is one sweep in its own transaction.
Raised and cleared alerts are logged by key and kind only (never their texts).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from ssd_gateway.alerts import AlertRow, AlertSource, Transition, sweep
from ssd_gateway.gateway.alert_sources import default_sources
from ssd_gateway.logs import get_logger

if TYPE_CHECKING:
    from ssd_gateway.gateway.runtime import Gateway

log = get_logger("alert_sweeper")


class AlertSweeper:
    """Periodic, edge-triggered alert sweeps over one gateway."""

    def __init__(self, gateway: Gateway, sources: Sequence[AlertSource] | None = None,
                 interval: float | None = None) -> None:
        self.gateway = gateway
        self.sources = list(default_sources(gateway) if sources is None else sources)
        self.interval = (gateway.settings.alerts.sweep_interval_seconds if interval is None
                         else interval)
        self.sweeps = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep_once(self) -> Transition:
        """Sweep now, commit, log each raised and cleared alert; return the changes."""
        with self.gateway.sessions.begin() as session:
            change = sweep(session, self.sources, self.gateway.now())
            kinds: dict[str, str] = {}
            if change.cleared:
                kinds = {key: kind for key, kind in session.execute(
                    select(AlertRow.key, AlertRow.kind).where(AlertRow.key.in_(change.cleared)))}
        for alert in change.raised:
            log.info("alert_raised", alert_key=alert.key, alert_kind=alert.kind,
                     severity=alert.severity)
        for key in change.cleared:
            log.info("alert_cleared", alert_key=key, alert_kind=kinds.get(key))
        self.sweeps += 1
        return change

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep_once()
            except Exception as exc:  # a failed sweep must not end the thread
                log.error("alert_sweep_failed", error=type(exc).__name__)
            self._stop.wait(self.interval)

    def start_thread(self) -> threading.Thread:
        """Sweep now and then every ``interval`` seconds in a daemon thread."""
        if self._thread is not None and self._thread.is_alive():
            return self._thread
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="alert-sweeper", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread after its current sweep."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        """Whether the sweeper thread is alive."""
        return self._thread is not None and self._thread.is_alive()
