"""The same delivery code through Celery: embedded SQLite + in-process worker, and
PostgreSQL + RabbitMQ with a worker thread; acute first; poison to dead letters."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import func, select

from ssd_gateway.delivery import (
    RetryPolicy,
    Runtime,
    Transfer,
    enqueue,
    revoke_consent_fanout,
)
from ssd_gateway.delivery.celery_app import (
    create_app,
    declare_topology,
    dispatcher,
    resolve_broker_url,
    runtime_of,
)
from ssd_gateway.delivery.embedded import EmbeddedDelivery
from ssd_gateway.delivery.testing import CountingTransport, TableAuditSink
from ssd_gateway.settings import Settings
from tests.delivery.conftest import Outbox, new_transfer

FAST = RetryPolicy(max_attempts=3, base_seconds=0.05, cap_seconds=0.2,
                   lease=timedelta(seconds=5))


def states(outbox: Outbox) -> dict[str, int]:
    """How many rows are in each state."""
    with outbox.sessions() as session:
        return dict(session.execute(  # type: ignore[arg-type]
            select(Transfer.state, func.count()).group_by(Transfer.state)).all())


def wait_for(predicate: object, timeout: float) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def delete_queues(app: Celery) -> None:
    """Remove the test's queues from the broker."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in app.conf.task_queues:
            queue.bind(channel).delete()
            queue.exchange.bind(channel).delete()


@pytest.fixture
def celery_backend(request: pytest.FixtureRequest,
                   tmp_path: Path) -> Iterator[tuple[Outbox, Celery, CountingTransport]]:
    """An outbox, a Celery app on the matching broker and a running worker thread + sweeper."""
    if request.param == "embedded":
        outbox = request.getfixturevalue("sqlite_outbox")
        settings = Settings(data_dir=tmp_path, database_url=outbox.url)
    else:
        outbox = request.getfixturevalue("pg_outbox")
        settings = Settings(data_dir=tmp_path, database_url=outbox.url,
                            broker_url=request.getfixturevalue("rabbitmq_url"))
    transport = CountingTransport()
    revoked: set[str] = set()  # stands in for the registry the policy engine re-reads

    def redecide(row: Transfer) -> tuple[bool, list[str]]:
        return (False, ["CONSENT_REVOKED"]) if row.consent_id in revoked else (True, [])

    transport.revoked = revoked  # type: ignore[attr-defined]
    runtime = Runtime(session_factory=outbox.sessions, transport=transport,
                      redecide=redecide, audit=TableAuditSink(), policy=FAST)
    app = create_app(settings, queue=f"ssd.test.{uuid.uuid4().hex[:10]}", runtime=runtime)
    if request.param == "rabbitmq":
        declare_topology(app)
    embedded = EmbeddedDelivery(app, sweep_interval=0.2, redispatch_after=timedelta(seconds=5))
    embedded.start()
    try:
        yield outbox, app, transport
    finally:
        embedded.stop()
        if request.param == "rabbitmq":
            delete_queues(app)


BACKENDS = pytest.mark.parametrize("celery_backend", ["embedded", "rabbitmq"], indirect=True)


def test_embedded_default_broker_is_a_sqlite_file(tmp_path: Path) -> None:
    """Without a broker URL, a SQLite database implies the sqla+sqlite broker beside it."""
    assert resolve_broker_url(Settings(data_dir=tmp_path)) == \
        f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"


@BACKENDS
def test_transfers_flow_through_celery_and_poison_is_dead_lettered(
        celery_backend: tuple[Outbox, Celery, CountingTransport]) -> None:
    """200 transfers are acked through the broker; a poison one ends dead, not blocking."""
    outbox, app, transport = celery_backend
    dispatch = dispatcher(app)
    news = [new_transfer(i) for i in range(200)]
    transport.fail.add(news[17].message_id)  # before it is queued: a worker may be quick
    with outbox.sessions() as session, session.begin():
        rows = [enqueue(session, new, audit=TableAuditSink(), actor="org-a",
                        dispatch=dispatch) for new in news]
    poison = rows[17]
    assert wait_for(lambda: states(outbox) == {"acked": 199, "dead": 1}, 90), states(outbox)
    with outbox.sessions() as session:
        dead = session.get(Transfer, poison.id)
        assert dead is not None and dead.attempts == FAST.max_attempts
    assert len(transport.ledger.effects) == 199 and transport.ledger.duplicates == 0


@BACKENDS
def test_rows_without_a_broker_message_are_found_by_the_sweeper(
        celery_backend: tuple[Outbox, Celery, CountingTransport]) -> None:
    """Rows whose broker message never existed (lost) are delivered via the sweeper."""
    outbox, _app, transport = celery_backend
    with outbox.sessions() as session, session.begin():
        for i in range(50):
            enqueue(session, new_transfer(i), audit=TableAuditSink(), actor="org-a")
    assert wait_for(lambda: states(outbox) == {"acked": 50}, 30), states(outbox)
    assert len(transport.ledger.effects) == 50


@BACKENDS
def test_revoking_a_consent_while_100_transfers_wait_delivers_none(
        celery_backend: tuple[Outbox, Celery, CountingTransport]) -> None:
    """100 transfers waiting on a consent are revoked: none reaches the receiver; the peer
    that already had data under it gets one notice; others under other consents flow."""
    outbox, app, transport = celery_backend
    # the outage below lasts ~1 s; with FAST's 3 attempts a fast worker can exhaust some rows'
    # budget in that time (dead is right then, but this test is about the revocation fan-out)
    runtime_of(app).policy = replace(FAST, max_attempts=50)
    dispatch = dispatcher(app)
    with outbox.sessions() as session, session.begin():
        earlier = enqueue(session, new_transfer(0, consent="c-rev", peer="org-c"),
                          audit=TableAuditSink(), actor="org-a", dispatch=dispatch)
    assert wait_for(lambda: states(outbox) == {"acked": 1}, 30), states(outbox)
    transport.down = True  # the 100 wait behind a receiver outage
    with outbox.sessions() as session, session.begin():
        waiting = [enqueue(session, new_transfer(i, consent="c-rev"), audit=TableAuditSink(),
                           actor="org-a", dispatch=dispatch) for i in range(1, 101)]
        other = enqueue(session, new_transfer(999, consent="c-other"), audit=TableAuditSink(),
                        actor="org-a", dispatch=dispatch)
    time.sleep(1.0)
    transport.revoked.add("c-rev")  # type: ignore[attr-defined]
    with outbox.sessions() as session, session.begin():
        result = revoke_consent_fanout(session, "c-rev", actor="registry",
                                       audit=TableAuditSink(), dispatch=dispatch)
    transport.down = False
    assert wait_for(lambda: states(outbox) == {"acked": 3, "cancelled": 100}, 30), \
        states(outbox)
    time.sleep(1.0)  # a late worker would show up as a new receipt here
    received = set(transport.ledger.receipts)
    assert not received & {row.message_id for row in waiting}
    assert {earlier.message_id, other.message_id} <= received
    assert states(outbox) == {"acked": 3, "cancelled": 100}
    # rows waiting were cancelled by the fan-out; one in flight at that moment by re-decision
    assert len(result.cancelled) >= 99
    assert result.notified_peers == ("org-c",) and len(result.notices) == 1
