"""The evidence log on PostgreSQL: appends, concurrency, verification and queries."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from ssd_gateway.audit import AuditLog, LogQuery
from ssd_gateway.audit.verify import verify_session
from ssd_gateway.db import make_engine

from .conftest import CHILD, event, fill

pytestmark = pytest.mark.services


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Engine]:
    """A throwaway schema in the test database with the log's tables installed."""
    schema = f"audit_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(postgres_url, connect_args={"options": f"-csearch_path={schema}"})
    AuditLog.create_tables(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_postgres_append_verify_query(pg: Engine, log: AuditLog) -> None:
    """On PostgreSQL the log appends, signs, verifies and answers per-child queries."""
    fill(pg, log, 30, sign_every=10)
    with Session(pg) as session:
        report = verify_session(session, log.signer.cert if log.signer else None)
        assert report.ok, report.findings
        assert report.entries == 30 and report.heads == 4
        assert [e.seq for e in log.query(session, LogQuery(cpr=CHILD, limit=3))] == [1, 3, 5]


def test_concurrent_appenders_get_gap_free_sequence(pg: Engine, log: AuditLog) -> None:
    """Four threads appending in their own transactions (one rolling back each time) leave
    sequence numbers 1..n without gaps or repeats, and the log verifies."""
    def work(worker: int) -> None:
        for i in range(25):
            with Session(pg) as session:
                session.begin()
                log.append(session, event(i, actor=f"w{worker}"))
                if i % 5 == 4:
                    session.rollback()
                else:
                    session.commit()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Session(pg) as session, session.begin():
        seqs = [e.seq for e in log.entries(session)]
        assert seqs == list(range(1, 81))
        log.sign_tree_head(session)
    with Session(pg) as session:
        assert verify_session(session).ok
