"""Benchmark of the evidence log: append cost, verification of 1M entries, per-child query
over 10M entries in PostgreSQL.

    PYTHONPATH=src /work/venv/bin/python bench/audit_bench.py            # everything
    PYTHONPATH=src /work/venv/bin/python bench/audit_bench.py --verify-entries 100000 --skip-pg

Data for the verification run is real log entries (canonical JSON, RFC 6962 leaves, signed
heads made by ``AuditLog.sign_tree_head``), written with a bulk path so the set-up is quick;
a sample is checked byte-for-byte against ``rfc8785``. The 10M PostgreSQL rows are generated
by ``generate_series`` in a throwaway schema that is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import rfc8785
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from ssd_gateway.audit import AuditLog, HeadSigner, LogQuery, generate_identity, merkle
from ssd_gateway.audit.entry import TEXT_FIELDS, entry_object
from ssd_gateway.audit.export import export_jsonl
from ssd_gateway.audit.signing import load_certificate
from ssd_gateway.audit.store import ENTRY
from ssd_gateway.audit.verify import verify_export, verify_session
from ssd_gateway.contracts import AuditEvent
from ssd_gateway.db import Base, make_engine

PG_URL = os.environ.get("SSD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SECRET = b"bench-secret"


def _event(i: int, children: int) -> AuditEvent:
    kind = ("decision", "send_attempt", "acknowledgement")[i % 3]
    return AuditEvent(
        kind=kind, at=T0 + timedelta(seconds=i), actor="gateway", transfer_id=f"t-{i // 3}",
        child_id=f"child-{i % children}", sender_org="bh-solsikken", recipient_org="skole-valby",
        sender_sector="daycare", recipient_sector="school", record_kind="stafetlog",
        basis="consent", decision="permit" if kind == "decision" else None,
        rule_pack="dk-sel-2011", consent_id="samtykke-1",
        detail={"code": "ok"} if kind == "acknowledgement" else {})


def _fast_canonical(obj: dict[str, Any]) -> bytes:
    """Equal to RFC 8785 for ASCII strings and integers (checked on a sample)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def machine() -> dict[str, str]:
    """nproc, CPU model and RAM of this machine."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram_gib": f"{mem_kb / 2**20:.1f}",
            "python": platform.python_version(), "date": datetime.now(UTC).isoformat()[:19]}


def bench_append(engine: Engine, log: AuditLog, transfers: int) -> dict[str, float]:
    """What appending adds to a transfer: the time inside ``append`` for one entry in its
    own transaction (commit excluded), the whole one-entry transaction, and the per-entry
    cost of 1,000 appends in a single transaction."""
    inside: list[float] = []
    start_all = time.perf_counter()
    for i in range(transfers):
        with Session(engine) as session, session.begin():
            session.connection()  # begin outside the timed part, as the caller's own work would
            start = time.perf_counter()
            log.append(session, _event(i, 1000))
            inside.append(time.perf_counter() - start)
    whole = (time.perf_counter() - start_all) / transfers
    with Session(engine) as session, session.begin():
        start = time.perf_counter()
        for i in range(1000):
            log.append(session, _event(i, 1000))
        batch = (time.perf_counter() - start) / 1000
    inside.sort()
    return {"transfers": transfers, "append_ms_median": statistics.median(inside) * 1e3,
            "append_ms_mean": statistics.mean(inside) * 1e3,
            "append_ms_p99": inside[int(len(inside) * 0.99) - 1] * 1e3,
            "one_entry_transaction_ms": whole * 1e3, "append_ms_in_1000_batch": batch * 1e3}


def build_sqlite_log(path: Path, log: AuditLog, n: int, head_every: int) -> None:
    """Write ``n`` real entries in bulk, signing a head after every ``head_every`` entries."""
    engine = make_engine(f"sqlite:///{path}")
    AuditLog.create_tables(engine)
    sample = set(random.Random(1).sample(range(1, n + 1), min(n, 200)))
    columns = ("seq", "at", *TEXT_FIELDS, "child", "reason_codes", "canonical", "leaf_hash")
    sql = (f"INSERT INTO audit_entry ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    for lo in range(1, n + 1, head_every):
        rows = []
        for seq in range(lo, min(lo + head_every, n + 1)):
            obj = entry_object(seq, _event(seq, 10_000), SECRET)
            data = _fast_canonical(obj)
            if seq in sample:
                assert data == rfc8785.dumps(obj)
            rows.append((seq, obj["at"].replace("T", " ").replace("+00:00", ""),
                         *(obj[name] for name in TEXT_FIELDS), obj["child"], "",
                         data.decode(), merkle.leaf_hash(data)))
        raw = sqlite3.connect(path)
        raw.executemany(sql, rows)
        raw.commit()
        raw.close()
        with Session(engine) as session, session.begin():
            log.sign_tree_head(session)
    engine.dispose()


def bench_verify(workdir: Path, log: AuditLog, cert: Path, n: int) -> dict[str, float]:
    """Time verification of an ``n``-entry log, in SQLite and as a JSONL export."""
    db = workdir / "verify.db"
    start = time.perf_counter()
    build_sqlite_log(db, log, n, head_every=max(n // 10, 1))
    built = time.perf_counter() - start
    engine = make_engine(f"sqlite:///{db}")
    certificate = load_certificate(cert)
    with Session(engine) as session:
        start = time.perf_counter()
        report = verify_session(session, certificate)
        db_seconds = time.perf_counter() - start
        assert report.ok and report.entries == n, report.findings[:3]
        export = workdir / "verify.jsonl"
        with export.open("w") as out:
            export_jsonl(session, log, out)
    engine.dispose()
    start = time.perf_counter()
    report = verify_export(export, certificate)
    export_seconds = time.perf_counter() - start
    assert report.ok and report.entries == n
    return {"entries": n, "build_s": built, "verify_sqlite_s": db_seconds,
            "verify_export_s": export_seconds}


PG_FILL = """
INSERT INTO audit_entry (seq, at, kind, actor, transfer_id, child, sender_org, recipient_org,
    sender_sector, recipient_sector, record_kind, basis, decision, rule_pack, consent_id,
    meeting_id, reason_codes, canonical, leaf_hash)
SELECT g, t, k, 'gateway', 't-' || (g / 3), c, 'bh-solsikken', 'skole-valby', 'daycare',
    'school', 'stafetlog', 'consent', d, 'dk-sel-2011', 'samtykke-1', NULL, '', j,
    sha256('\\x00'::bytea || convert_to(j, 'UTF8'))
FROM (
  SELECT g, t, k, c, d,
    '{"actor":"gateway","at":"' || to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
    || '+00:00","basis":"consent","child":"' || c || '","consent_id":"samtykke-1",'
    || '"decision":' || coalesce('"' || d || '"', 'null') || ',"detail":{},"kind":"' || k
    || '","meeting_id":null,"reason_codes":[],"recipient_org":"skole-valby",'
    || '"recipient_sector":"school","record_kind":"stafetlog","rule_pack":"dk-sel-2011",'
    || '"sender_org":"bh-solsikken","sender_sector":"daycare","seq":' || g
    || ',"transfer_id":"t-' || (g / 3) || '","v":1}' AS j
  FROM (
    SELECT g, timestamptz '2026-01-01' + g * interval '1 second' AS t,
      (ARRAY['decision','send_attempt','acknowledgement'])[g %% 3 + 1] AS k,
      b.h AS c, CASE WHEN g %% 3 = 0 THEN 'permit' END AS d
    FROM generate_series(%(lo)s, %(hi)s) AS g JOIN bench_child b ON b.i = g %% %(children)s
  ) s) s2
"""


def bench_pg_query(n: int, children: int, queries: int) -> dict[str, float]:
    """Per-child query latency over ``n`` entries in PostgreSQL (indexes built after load)."""
    schema = f"audit_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    result: dict[str, float] = {"entries": n, "children": children}
    try:
        AuditLog.create_tables(engine)
        indexes = list(ENTRY.indexes)
        with engine.begin() as conn:
            for index in indexes:
                conn.execute(text(f'DROP INDEX "{index.name}"'))
        log = AuditLog(SECRET)
        with engine.begin() as conn:  # the keyed child hashes, as the gateway computes them
            conn.execute(text("CREATE TABLE bench_child (i integer PRIMARY KEY, h text)"))
            conn.execute(text("INSERT INTO bench_child VALUES (:i, :h)"),
                         [{"i": i, "h": log.child_hash(f"child-{i}")} for i in range(children)])
        start = time.perf_counter()
        step = 1_000_000
        for lo in range(1, n + 1, step):
            with engine.begin() as conn:
                conn.exec_driver_sql(PG_FILL, {"lo": lo, "hi": min(lo + step - 1, n),
                                             "children": children})
        result["load_s"] = time.perf_counter() - start
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("SET maintenance_work_mem = '512MB'"))
            for index in indexes:
                index.create(conn)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE audit_entry"))
        result["index_s"] = time.perf_counter() - start
        rng = random.Random(7)
        times: list[float] = []
        rows = 0
        with Session(engine) as session:
            plan = session.execute(text(
                "EXPLAIN SELECT canonical, leaf_hash FROM audit_entry WHERE child = 'x' "
                "ORDER BY seq")).scalars().all()
            result["plan_uses_index"] = float(any("ix_audit_entry_child_seq" in p for p in plan))
            for _ in range(queries):
                child = log.child_hash(f"child-{rng.randrange(children)}")
                start = time.perf_counter()
                found = log.query(session, LogQuery(child=child, limit=None))
                times.append(time.perf_counter() - start)
                rows += len(found)
        times.sort()
        result.update(queries=queries, rows_per_query=rows / queries,
                      p50_ms=statistics.median(times) * 1e3,
                      p99_ms=times[int(len(times) * 0.99) - 1] * 1e3, max_ms=times[-1] * 1e3)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return result


def main() -> None:
    """Run the benchmark and print the figures as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--verify-entries", type=int, default=1_000_000)
    parser.add_argument("--append-transfers", type=int, default=5_000)
    parser.add_argument("--pg-entries", type=int, default=10_000_000)
    parser.add_argument("--pg-children", type=int, default=100_000)
    parser.add_argument("--pg-queries", type=int, default=1000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--parts", default="append,verify,pg-query",
                        help="comma-separated: append, verify, pg-query")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    out: dict[str, Any] = {"machine": machine(), "load_avg_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        key, cert = generate_identity(work / "id")
        log = AuditLog(SECRET, HeadSigner.from_pem_files(key, cert))
        engine = make_engine(f"sqlite:///{work / 'append.db'}")
        AuditLog.create_tables(engine)
        if "append" in parts:
            out["append_sqlite"] = bench_append(engine, log, args.append_transfers)
        engine.dispose()
        if not args.skip_pg and "append" in parts:
            schema = f"audit_bench_{uuid.uuid4().hex[:8]}"
            admin = make_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            pg = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
            try:
                AuditLog.create_tables(pg)
                out["append_postgres"] = bench_append(pg, log, args.append_transfers)
            finally:
                pg.dispose()
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
        print(json.dumps(out, indent=2), flush=True)
        if "verify" in parts:
            out["verify"] = bench_verify(work, log, cert, args.verify_entries)
            print(json.dumps(out["verify"], indent=2), flush=True)
    if not args.skip_pg and "pg-query" in parts:
        out["pg_query"] = bench_pg_query(args.pg_entries, args.pg_children, args.pg_queries)
    out["load_avg_end"] = os.getloadavg()
    print(json.dumps(out, indent=2))


assert Base  # the tables are declared on the shared Base (imported for create_all)

if __name__ == "__main__":
    main()
