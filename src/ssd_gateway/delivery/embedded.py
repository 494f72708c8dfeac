"""The embedded default: a Celery worker (``solo`` pool) and a sweeper inside one process.

``ssd-gateway serve`` starts an ``EmbeddedDelivery`` next to its listeners; there is no broker
server to install (the broker is a SQLite file). The worker runs in a daemon thread with no
signal handlers of its own, the sweeper in another.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery
from celery.worker import WorkController
from celery.worker import state as worker_state

from ssd_gateway.delivery.celery_app import sweeper_for

log = logging.getLogger(__name__)


class _ThreadWorker(WorkController):  # type: ignore[misc]
    """A worker that reports when its consumer is ready."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.ready = threading.Event()
        super().__init__(*args, **kwargs)

    def should_use_eventloop(self) -> bool:
        """Poll the broker from this thread; the async hub expects the main thread."""
        return False

    def on_consumer_ready(self, consumer: Any) -> None:
        """Mark the worker as consuming."""
        super().on_consumer_ready(consumer)
        self.ready.set()


class EmbeddedDelivery:
    """A solo-pool worker thread and a sweeper thread on one Celery app."""

    def __init__(self, app: Celery, *, sweep_interval: float = 2.0, **sweeper: Any) -> None:
        self.app = app
        self.sweeper = sweeper_for(app, interval=sweep_interval, **sweeper)
        self._worker: _ThreadWorker | None = None
        self._threads: list[threading.Thread] = []
        self._stop_sweeper: threading.Event | None = None

    def start(self, timeout: float = 30.0) -> None:
        """Start the worker and the sweeper; return once the worker consumes."""
        self.app.finalize()
        self._worker = _ThreadWorker(
            app=self.app, pool="solo", concurrency=1, hostname=f"embedded-{id(self)}@local",
            queues=[self.app.ssd_queue], without_heartbeat=True, without_mingle=True,
            without_gossip=True, loglevel="WARNING", ready_callback=None,
        )
        thread = threading.Thread(target=self._run_worker, daemon=True, name="ssd-worker")
        thread.start()
        if not self._worker.ready.wait(timeout):
            raise RuntimeError("embedded delivery worker did not start")
        sweeper_thread, self._stop_sweeper = self.sweeper.start_thread()
        self._threads = [thread, sweeper_thread]
        log.info("embedded delivery started")

    def _run_worker(self) -> None:
        # the solo pool looks tasks up on the thread's current app
        self.app.set_current()
        assert self._worker is not None
        self._worker.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the sweeper, then let the worker finish its task and exit."""
        if self._stop_sweeper is not None:
            self._stop_sweeper.set()
        worker_state.should_terminate = 0
        for thread in self._threads:
            thread.join(timeout)
        worker_state.should_terminate = None
        self._threads = []

    def __enter__(self) -> EmbeddedDelivery:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
