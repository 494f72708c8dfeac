"""Delivery benchmark: end-to-end transfers/s through the queue, and backlog drain time.

    PYTHONPATH=src python bench/delivery_bench.py --backend embedded --count 2000 --backlog 10000
    PYTHONPATH=src python bench/delivery_bench.py --backend rabbitmq --count 2000 --backlog 100000

``embedded``: SQLite outbox, ``sqla+sqlite`` broker, worker + sweeper threads in this process,
an in-process ``CountingTransport`` receiver. ``rabbitmq``: PostgreSQL outbox (own schema,
dropped afterwards), RabbitMQ, ``--workers`` ``ssd-gateway worker --pool solo`` processes, a
real HTTP receiver on loopback (``CountingReceiver``), sweeper thread in this process.

*sustained*: ``--count`` transfers enqueued (100 per transaction, each with its audit row) and
dispatched; time from the first enqueue to the last ack. *backlog*: ``--backlog`` rows left in
``transient_error`` by a receiver outage, all due again (backoff elapsed); time for the sweeper
and workers to ack them all.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, insert, select, text

from ssd_gateway.db import make_engine, make_sessionmaker
from ssd_gateway.delivery import NewTransfer, Runtime, Sweeper, Transfer, enqueue, permit_all
from ssd_gateway.delivery.celery_app import create_app, declare_topology, dispatcher
from ssd_gateway.delivery.embedded import EmbeddedDelivery
from ssd_gateway.delivery.testing import (
    CountingReceiver,
    CountingTransport,
    TableAuditSink,
    test_audit_metadata,
)
from ssd_gateway.migrations import upgrade
from ssd_gateway.settings import Settings

REPO = Path(__file__).resolve().parent.parent
PG = os.environ.get("SSD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AMQP = "amqp://guest:guest@127.0.0.1:5672//"


def _acked(sessions: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.state == "acked")) or 0)


def _wait_acked(sessions: Any, total: int, started: float, label: str) -> float:
    last = time.monotonic()
    while (done := _acked(sessions)) < total:
        time.sleep(0.5)
        if time.monotonic() - last > 10:
            print(f"  {label}: {done}/{total} after {time.monotonic() - started:.0f}s",
                  flush=True)
            last = time.monotonic()
    return time.monotonic() - started


def _new(n: int, tag: str) -> NewTransfer:
    return NewTransfer(kind="stafetlog", peer="org-b", format="fhir", body=b"x" * 2048,
                       message_id=f"m-{tag}-{n}", bundle_id=f"b-{tag}-{n}", sender="org-a")


def sustained(sessions: Any, dispatch: Any, count: int) -> float:
    """Enqueue ``count`` transfers in batches and wait until all are acked; return seconds."""
    tag = uuid.uuid4().hex[:6]
    base = _acked(sessions)
    started = time.monotonic()
    for start in range(0, count, 100):
        with sessions() as session, session.begin():
            for n in range(start, min(start + 100, count)):
                enqueue(session, _new(n, tag), audit=TableAuditSink(), actor="bench",
                        dispatch=dispatch)
    return _wait_acked(sessions, base + count, started, "sustained")


def seed_backlog(engine: Any, count: int) -> None:
    """Insert ``count`` rows as a receiver outage leaves them: failed once, due again now."""
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:6]
    rows = [{"id": str(uuid.uuid4()), "state": "transient_error", "kind": "stafetlog",
             "peer": "org-b", "format": "fhir", "body": b"x" * 2048,
             "message_id": f"o-{tag}-{n}", "bundle_id": f"ob-{tag}-{n}",
             "idempotency_key": f"ob-{tag}-{n}", "sender": "org-a", "acute": n % 100 == 0,
             "attempts": 1, "next_attempt_at": now, "budget_from": now, "created_at": now,
             "updated_at": now, "last_error": "DELIVERY_TRANSIENT: ConnectError"}
            for n in range(count)]
    with engine.begin() as connection:
        for start in range(0, count, 5000):
            connection.execute(insert(Transfer.__table__), rows[start:start + 5000])


def run_embedded(args: argparse.Namespace) -> dict[str, float]:
    """Both measurements on the embedded backend."""
    data = Path(tempfile.mkdtemp(prefix="ssd-bench-"))
    url = f"sqlite:///{data}/gateway.db"
    upgrade(url)
    engine = make_engine(url)
    test_audit_metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    runtime = Runtime(session_factory=sessions, transport=CountingTransport(),
                      redecide=permit_all, audit=TableAuditSink())
    app = create_app(Settings(data_dir=data, database_url=url), queue="ssd.bench", runtime=runtime)
    results: dict[str, float] = {}
    with EmbeddedDelivery(app, sweep_interval=1.0):
        seconds = sustained(sessions, dispatcher(app), args.count)
        results["sustained_per_s"] = args.count / seconds
        if args.backlog:
            base = _acked(sessions)
            seed_backlog(engine, args.backlog)
            started = time.monotonic()
            results["backlog_s"] = _wait_acked(sessions, base + args.backlog, started, "backlog")
    return results


def run_rabbitmq(args: argparse.Namespace) -> dict[str, float]:
    """Both measurements on PostgreSQL + RabbitMQ with worker processes."""
    schema = f"dlv_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG}?options={quote(f'-csearch_path={schema}')}"
    receiver = CountingReceiver()
    receiver.start()
    queue = f"ssd.bench.{uuid.uuid4().hex[:6]}"
    workers: list[subprocess.Popen[bytes]] = []
    try:
        upgrade(url)
        engine = make_engine(url)
        test_audit_metadata.create_all(engine)
        sessions = make_sessionmaker(engine)
        app = create_app(Settings(database_url=url, broker_url=AMQP), queue=queue)
        declare_topology(app)
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "SSD_DATABASE_URL": url,
               "SSD_BROKER_URL": AMQP, "SSD_TEST_RECEIVER_URL": receiver.url}
        for n in range(args.workers):
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "ssd_gateway", "worker", "--queue", queue, "--runtime",
                 "ssd_gateway.delivery.testing:loopback_runtime", "--pool", "solo",
                 "--loglevel", "WARNING", "--hostname", f"bench{n}@local"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(3)
        thread, stop = Sweeper(sessions, dispatcher(app), interval=1.0).start_thread()
        results: dict[str, float] = {}
        seconds = sustained(sessions, dispatcher(app), args.count)
        results["sustained_per_s"] = args.count / seconds
        if args.backlog:
            base = _acked(sessions)
            seed_backlog(engine, args.backlog)
            started = time.monotonic()
            results["backlog_s"] = _wait_acked(sessions, base + args.backlog, started, "backlog")
        results["receiver_duplicates"] = receiver.ledger.duplicates
        stop.set()
        thread.join()
        engine.dispose()
        return results
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(30)
        receiver.stop()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        subprocess.run(["rabbitmqctl", "delete_queue", queue], capture_output=True)
        subprocess.run(["rabbitmqctl", "delete_queue", f"{queue}.dead"], capture_output=True)


def main() -> None:
    """Parse arguments, run one backend, print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "rabbitmq"], default="embedded")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--backlog", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    results = run_embedded(args) if args.backend == "embedded" else run_rabbitmq(args)
    print(f"backend={args.backend} count={args.count} backlog={args.backlog}")
    for key, value in results.items():
        print(f"{key}={value:.1f}")
    if "backlog_s" in results:
        print(f"backlog_per_s={args.backlog / results['backlog_s']:.1f}")


if __name__ == "__main__":
    main()
