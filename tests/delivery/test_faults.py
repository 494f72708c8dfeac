"""Fault tests on PostgreSQL + RabbitMQ with real worker processes and a loopback receiver.

The receiver is a real HTTP server in this process that deduplicates by message id and counts
each receipt; workers are ``ssd-gateway worker`` processes (solo pool, so SIGKILL hits the
process doing the send). Bounded: 1,000 and 300 transfers, each test under a minute or so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import func, select

from ssd_gateway.delivery import Sweeper, Transfer, enqueue
from ssd_gateway.delivery.celery_app import create_app, declare_topology, dispatcher
from ssd_gateway.delivery.testing import CountingReceiver, TableAuditSink, test_audit_table
from ssd_gateway.settings import Settings
from tests.delivery.conftest import Outbox, new_transfer
from tests.delivery.test_celery_backends import delete_queues, states, wait_for

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.slow]


@dataclass
class Cluster:
    """Worker processes, a sweeper thread and a receiver around one outbox and queue."""

    outbox: Outbox
    app: Celery
    receiver: CountingReceiver
    env: dict[str, str]
    logs: Path
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        """Start ``ssd-gateway worker`` (solo pool) named ``name``."""
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "ssd_gateway", "worker", "--queue", self.app.ssd_queue,
             "--runtime", "ssd_gateway.delivery.testing:loopback_runtime", "--pool", "solo",
             "--loglevel", "WARNING", "--hostname", f"{name}@fault-test"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
        )
        self.workers[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL worker ``name`` and reap it."""
        process = self.workers.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def acked(self) -> int:
        """Rows acked so far."""
        return states(self.outbox).get("acked", 0)

    def enqueue(self, count: int) -> list[Transfer]:
        """Queue ``count`` transfers in one transaction and dispatch them."""
        dispatch = dispatcher(self.app)
        with self.outbox.sessions() as session, session.begin():
            return [enqueue(session, new_transfer(i), audit=TableAuditSink(), actor="org-a",
                            dispatch=dispatch) for i in range(count)]

    def assert_each_delivered_once(self, rows: list[Transfer], max_duplicates: int) -> None:
        """Every row acked; each message had its effect once; ack evidence once per row."""
        assert states(self.outbox) == {"acked": len(rows)}
        assert sorted(self.receiver.ledger.effects) == sorted(r.message_id for r in rows)
        assert self.receiver.ledger.duplicates <= max_duplicates
        with self.outbox.sessions() as session:
            oks = session.scalar(select(func.count()).select_from(test_audit_table).where(
                test_audit_table.c.kind == "acknowledgement",
                test_audit_table.c.detail.like('%"ack": "ok"%')))
        assert oks == len(rows)


@pytest.fixture
def cluster(pg_outbox: Outbox, rabbitmq_url: str, tmp_path: Path) -> Iterator[Cluster]:
    """A receiver, a RabbitMQ queue of our own and a sweeper; workers started by the test."""
    receiver = CountingReceiver()
    receiver.start()
    settings = Settings(data_dir=tmp_path, database_url=pg_outbox.url, broker_url=rabbitmq_url)
    app = create_app(settings, queue=f"ssd.fault.{uuid.uuid4().hex[:10]}")
    declare_topology(app)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "SSD_DATABASE_URL": pg_outbox.url,
           "SSD_BROKER_URL": rabbitmq_url, "SSD_DATA_DIR": str(tmp_path),
           "SSD_TEST_RECEIVER_URL": receiver.url, "SSD_DELIVERY__LEASE_SECONDS": "3",
           "SSD_DELIVERY__BACKOFF_BASE_SECONDS": "0.2",
           "SSD_DELIVERY__BACKOFF_MAX_SECONDS": "1.0", "SSD_DELIVERY__MAX_ATTEMPTS": "100"}
    sweeper = Sweeper(pg_outbox.sessions, dispatcher(app), interval=0.5,
                      redispatch_after=timedelta(seconds=10))
    thread, stop = sweeper.start_thread()
    built = Cluster(pg_outbox, app, receiver, env, tmp_path)
    try:
        yield built
    finally:
        stop.set()
        thread.join(10)
        for name in list(built.workers):
            built.kill(name)
        receiver.stop()
        _ensure_rabbitmq_running()
        delete_queues(app)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


def _ensure_rabbitmq_running() -> None:
    subprocess.run(["rabbitmqctl", "start_app"], capture_output=True, timeout=60)


def _until(predicate: Callable[[], bool], timeout: float, what: str, cluster: Cluster) -> None:
    assert wait_for(predicate, timeout), f"{what}: {states(cluster.outbox)}"


def both_sending(cluster: Cluster) -> bool:
    """True while two rows are claimed (each worker holds one), so a kill lands mid-delivery."""
    return states(cluster.outbox).get("sending", 0) >= 2


def test_sigkill_of_workers_mid_delivery_loses_nothing(cluster: Cluster) -> None:
    """1,000 transfers, two workers SIGKILLed mid-run: all acked, each effect exactly once."""
    cluster.receiver.delay = 0.02  # widens the window in which a kill lands mid-send
    rows = cluster.enqueue(1000)
    cluster.start_worker("a")
    cluster.start_worker("b")
    _until(lambda: cluster.acked() >= 250, 60, "first quarter", cluster)
    _until(lambda: both_sending(cluster), 20, "both workers mid-delivery", cluster)
    cluster.kill("a")
    cluster.start_worker("c")
    _until(lambda: cluster.acked() >= 600, 60, "second kill point", cluster)
    _until(lambda: both_sending(cluster), 20, "both workers mid-delivery", cluster)
    cluster.kill("b")
    cluster.start_worker("d")
    _until(lambda: cluster.acked() == 1000, 90, "drain after kills", cluster)
    cluster.assert_each_delivered_once(rows, max_duplicates=2)
    with cluster.outbox.sessions() as session:
        reclaimed = session.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.attempts > 1))
    assert reclaimed, "no kill interrupted a claimed delivery; the test proved nothing"


def test_rabbitmq_restart_and_receiver_outage_drain_without_loss(cluster: Cluster) -> None:
    """Receiver down, then RabbitMQ restarted mid-run, then receiver back: all 300 drain."""
    cluster.start_worker("a")
    cluster.receiver.stop()  # connection refused: every attempt is a recoverable failure
    rows = cluster.enqueue(300)
    _until(lambda: states(cluster.outbox).get("transient_error", 0) >= 50, 60,
           "failures while the receiver is down", cluster)
    try:
        _rabbitmqctl("stop_app")
        time.sleep(2)
    finally:
        _rabbitmqctl("start_app")
    _rabbitmqctl("await_startup")
    cluster.receiver.start()
    _until(lambda: cluster.acked() == 300, 90, "drain after restart", cluster)
    cluster.assert_each_delivered_once(rows, max_duplicates=0)
