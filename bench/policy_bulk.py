"""Benchmark of the policy engine.

1. Throughput of ``ssd-gateway policy decide -`` on realistic JSON lines, wall clock including
   process start (target: at least 20,000 decisions a second on a 2-core machine).
2. In-process latency per decision with a SQLite registry of 100,000 children and 1,000,000
   consents: registry lookup (consents + §49a history) plus ``decide`` (target: p99 < 1 ms).

Run: ``PYTHONPATH=src python bench/policy_bulk.py [--lines 200000] [--children 100000]
[--consents 1000000] [--samples 20000]``. Prints a Markdown block for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parent.parent
SECTORS = ["school", "daycare", "municipal_health", "ppr", "sfo", "social_authority"]
MUNICIPALITIES = ["0101", "0147", "0751", "0461", "0851"]


def child_id(n: int) -> str:
    """A unique CPR-shaped id (valid date 2008–2024, seventh digit 4) for child ``n``."""
    born = date(2008, 1, 1) + timedelta(days=n % 6000)
    return f"{born:%d%m%y}{4000 + n // 6000:04d}"


def child(n: int) -> dict[str, Any]:
    """Child number ``n`` with two custody holders."""
    born = date(2008, 1, 1) + timedelta(days=n % 6000)
    return {"id": child_id(n), "birth_date": born.isoformat(),
            "municipality": MUNICIPALITIES[n % len(MUNICIPALITIES)],
            "custody_holders": [f"p{n}a", f"p{n}b"]}


def consent(n: int, k: int, rng: random.Random) -> dict[str, Any]:
    """Consent ``k`` of child ``n``: mostly valid, some revoked, oral or narrow."""
    signed = date(2025, 6, 1) + timedelta(days=rng.randrange(0, 270))
    parties = rng.sample(SECTORS, rng.randrange(2, 5))
    born = date(2008, 1, 1) + timedelta(days=n % 6000)
    grants = [{"person_id": f"p{n}a", "role": "custody_holder"},
              {"person_id": f"p{n}b", "role": "custody_holder"}]
    if (date(2026, 3, 10) - born).days > 15 * 365 and rng.random() < 0.8:
        grants.append({"person_id": f"u{n}", "role": "child"})
    return {
        "id": f"c{n}-{k}", "child_id": child_id(n), "granted_by": grants,
        "signed_at": signed.isoformat(),
        "valid_until": (signed + timedelta(days=rng.choice([180, 365, 400]))).isoformat(),
        "revoked_at": "2026-02-01T12:00:00+01:00" if rng.random() < 0.1 else None,
        "form": "oral" if rng.random() < 0.05 else "written",
        "parties": [{"sector": s} for s in parties],
        "categories": rng.sample(["identity", "ordinary", "private_family", "health", "school"],
                                 rng.randrange(2, 5)),
        "purposes": rng.sample(["coordination", "transition", "early_preventive"],
                               rng.randrange(1, 3)),
        "purpose_text": "Samarbejde om barnets trivsel", "consequences_explained": True,
    }


def party(sector: str, municipality: str, i: int) -> dict[str, Any]:
    """An organisation of ``sector``."""
    return {"org_id": f"{sector}-{municipality}-{i % 7}", "name": f"{sector} {i % 7}",
            "sector": sector, "municipality": municipality, "performs_public_task": False}


def transfer(n: int, rng: random.Random) -> dict[str, Any]:
    """A realistic transfer about child ``n``: consent, §49a, underretning, feedback, anonymous."""
    muni = MUNICIPALITIES[n % len(MUNICIPALITIES)]
    roll = rng.random()
    sender = party(rng.choice(SECTORS[:5]), muni, n)
    if roll < 0.55:
        return {"kind": rng.choice(["stafetlog", "stafetlog", "stafetlog_handover_offer"]),
                "sender": sender, "recipient": party(rng.choice(SECTORS), muni, n + 1),
                "purpose": rng.choice(["coordination", "transition"]),
                "categories": rng.sample(["identity", "private_family", "health", "school"], 2)}
    if roll < 0.75:
        return {"kind": "ssd_exchange", "basis": "ssd_49a", "sender": sender,
                "recipient": party(rng.choice(["social_authority", "municipal_health", "hospital"]),
                                   muni, n),
                "purpose": "early_preventive", "categories": ["private_family"],
                "meeting": {"id": f"m{n}-{rng.randrange(3)}", "at": "2026-03-10T09:00:00+01:00"}}
    if roll < 0.92:
        recipient_muni = muni if rng.random() < 0.95 else "0999"
        return {"kind": "underretning", "sender": sender,
                "recipient": party("social_authority", recipient_muni, n),
                "purpose": "notification", "categories": ["identity", "private_family"],
                "underretning": {"notifier_kind": "public_employee",
                                 "suspected_violence_or_abuse": rng.random() < 0.1,
                                 "parents_informed": rng.random() < 0.8,
                                 "withhold_from_parents": rng.random() < 0.05}}
    if roll < 0.97:
        return {"kind": "feedback", "sender": party("social_authority", muni, n),
                "recipient": sender, "purpose": "feedback", "categories": ["identity"],
                "feedback": {"requested": rng.random() < 0.9, "notifier_kind": "public_employee",
                             "outcome": "measure_started",
                             "content": None if rng.random() < 0.8 else "familiebehandling"}}
    return {"kind": "anonymous_consultation", "sender": sender,
            "recipient": party("ppr", muni, n), "purpose": "consultation",
            "categories": ["private_family"],
            "payload": {"question": "En dreng på 8 år er ofte sulten om morgenen", "age_years": 8}}


def request(n: int, rng: random.Random, with_state: bool = True) -> dict[str, Any]:
    """A full decision request about child ``n`` (consents and history included)."""
    body: dict[str, Any] = {
        "at": f"2026-03-10T{rng.randrange(9, 16):02d}:{rng.randrange(60):02d}:00+01:00",
        "rule_pack": "dk-sel-2011", "transfer": transfer(n, rng), "child": child(n)}
    if with_state:
        body["consents"] = [consent(n, k, rng) for k in range(rng.randrange(0, 4))]
        _mostly_lawful(body, rng)
        body["ssd_history"] = ([{"meeting_id": f"m{n}-0", "at": "2026-01-12T09:00:00+01:00"}]
                               if rng.random() < 0.3 else [])
    return body


def _mostly_lawful(body: dict[str, Any], rng: random.Random) -> None:
    """Most consent-based transfers go between parties their consent lists (as in practice)."""
    move = body["transfer"]
    if move["kind"] not in ("stafetlog", "stafetlog_handover_offer") or not body["consents"]:
        return
    if rng.random() < 0.75:
        first = body["consents"][0]
        move["sender"]["sector"] = first["parties"][0]["sector"]
        move["recipient"]["sector"] = first["parties"][1]["sector"]
        move["categories"] = first["categories"][:2]
        move["purpose"] = first["purposes"][0]


def machine() -> str:
    """nproc, CPU model and RAM of this machine."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return f"nproc {os.cpu_count()}, {cpu}, {mem_kb / 1024 / 1024:.1f} GiB RAM"


def bench_cli(lines: int, jobs: int) -> tuple[float, float, int]:
    """Wall and CPU time of ``policy decide -`` over ``lines`` requests, start included."""
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "requests.jsonl"
        with source.open("wb") as out:
            for i in range(lines):
                out.write(orjson.dumps(request(i % 100_000, rng)) + b"\n")
        command = [sys.executable, "-m", "ssd_gateway", "policy", "decide", "-"]
        if jobs:
            command += ["--jobs", str(jobs)]
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        with source.open("rb") as stdin, (Path(tmp) / "out.jsonl").open("wb") as stdout:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, stdin=stdin, stdout=stdout, env=env, check=True)
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        answered = sum(1 for _ in (Path(tmp) / "out.jsonl").open("rb"))
    return elapsed, cpu, answered


def build_registry(url: str, children: int, consents: int) -> None:
    """Fill a registry with ``children`` children and ``consents`` consents (and meetings)."""
    from sqlalchemy import insert

    from ssd_gateway.db import Base, make_engine
    from ssd_gateway.registry.consents import consent_row
    from ssd_gateway.registry.tables import ConsentRecord, SSDMeetingRecord

    engine = make_engine(url)
    Base.metadata.create_all(engine)
    rng = random.Random(2)
    now = datetime.now(UTC)
    per_child = consents // children
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for n in range(children):
            for k in range(per_child):
                batch.append(consent_row(consent(n, k, rng), now))
            if len(batch) >= 50_000:
                conn.execute(insert(ConsentRecord), batch)
                batch.clear()
        if batch:
            conn.execute(insert(ConsentRecord), batch)
        meetings = [{"meeting_id": f"m{n}-0", "child_id": child_id(n),
                     "at": datetime(2026, 1, 12, 8, tzinfo=UTC), "follow_up_of": None,
                     "special_case_justification": None}
                    for n in range(0, children, 3)]
        conn.execute(insert(SSDMeetingRecord), meetings)
    engine.dispose()


def bench_registry(url: str, children: int, samples: int) -> dict[str, float]:
    """Per-decision latency: registry lookup + decide, and decide alone (µs percentiles)."""
    from ssd_gateway.db import make_engine, make_sessionmaker
    from ssd_gateway.policy import decide
    from ssd_gateway.registry import hydrate_request

    engine = make_engine(url)
    rng = random.Random(3)
    bodies = [request(rng.randrange(children), rng, with_state=False) for _ in range(samples)]
    full, alone, cpu = [], [], []
    with make_sessionmaker(engine)() as session:
        for body in bodies[:200]:  # warm caches and the connection
            decide(hydrate_request(session, body))
        for body in bodies:
            start_cpu = time.thread_time_ns()
            start = time.perf_counter_ns()
            hydrated = hydrate_request(session, body)
            decide(hydrated)
            middle = time.perf_counter_ns()
            middle_cpu = time.thread_time_ns()
            decide(hydrated)
            end = time.perf_counter_ns()
            full.append(middle - start)
            alone.append(end - middle)
            cpu.append(middle_cpu - start_cpu)
    engine.dispose()

    def pct(values: list[int], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000

    return {"p50": pct(full, 0.5), "p99": pct(full, 0.99), "max": pct(full, 1.0),
            "decide_p50": pct(alone, 0.5), "decide_p99": pct(alone, 0.99),
            "cpu_p50": pct(cpu, 0.5), "cpu_p99": pct(cpu, 0.99)}


def main() -> None:
    """Run both benchmarks and print the results as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--jobs", type=int, default=0, help="0 = the CLI default (CPUs)")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--consents", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--db", default="", help="reuse this SQLite file if it exists")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-registry", action="store_true")
    args = parser.parse_args()
    print(f"- machine: {machine()}; Python {platform.python_version()}; {date.today()}")
    if not args.skip_cli:
        load = os.getloadavg()[0]
        elapsed, cpu, answered = bench_cli(args.lines, args.jobs)
        print(f"- `policy decide -` (jobs={args.jobs or 'CPUs'}): {answered} decisions in "
              f"{elapsed:.2f} s wall including process start = **{answered / elapsed:,.0f} "
              f"decisions/s**; {cpu:.2f} CPU-s in all processes = {answered / cpu:,.0f} "
              f"decisions per CPU-second (1-min load average before: {load:.1f})")
    if not args.skip_registry:
        db = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "registry.db"
        url = f"sqlite:///{db}"
        if not db.exists():
            start = time.perf_counter()
            build_registry(url, args.children, args.consents)
            print(f"- registry built: {args.children:,} children, {args.consents:,} consents "
                  f"in {time.perf_counter() - start:.0f} s (SQLite, {db.stat().st_size >> 20} MiB)")
        load = os.getloadavg()[0]
        r = bench_registry(url, args.children, args.samples)
        print(f"- in-process, {args.samples:,} decisions, registry lookup + decide: "
              f"p50 {r['p50']:.0f} µs, **p99 {r['p99']:.0f} µs**, max {r['max']:.0f} µs; "
              f"decide alone: p50 {r['decide_p50']:.0f} µs, p99 {r['decide_p99']:.0f} µs; "
              f"CPU time (thread) of lookup + decide: p50 {r['cpu_p50']:.0f} µs, "
              f"p99 {r['cpu_p99']:.0f} µs (1-min load average before: {load:.1f})")


if __name__ == "__main__":
    main()
