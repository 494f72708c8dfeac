"""Benchmark of the journal mappings: records per second and peak memory, streaming.

Generates a daycare consent CSV (Windows-1252, ``;``) and a school stafetlog XML export from
the shipped examples, then maps them with the shipped mappings (every record validated by
``parse_record``). Each measurement runs in a fresh process, so its peak RSS is its own;
memory is measured twice: peak RSS, and the peak of Python allocations under tracemalloc
(in a separate run, because tracing slows mapping down). Flat memory shows as the same
peak for 10x more records. Records per second are given per wall-clock second and per
CPU second of the mapping process (the latter does not depend on what else the machine runs).

    PYTHONPATH=src python bench/mapping_bench.py            # 100,000 CSV rows, 10,000 XML logs
    PYTHONPATH=src python bench/mapping_bench.py --quick    # 10x smaller, for a smoke test
    PYTHONPATH=src python bench/mapping_bench.py --jobs 2   # XML also with 2 processes
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MAPPINGS = REPO / "mappings"
EXAMPLES = MAPPINGS / "examples"
TODAY = date(2026, 6, 1)


def cpr_for(i: int) -> tuple[str, str]:
    """A synthetic CPR number (born 2020-2025, 7th digit 4) and its birth date, from ``i``."""
    born = date(2020, 1, 1) + timedelta(days=i % 2000)
    return f"{born:%d%m%y}-4{i % 1000:03d}", f"{born:%d.%m.%Y}"


def write_csv(path: Path, rows: int) -> None:
    """A daycare consent export of ``rows`` rows, built from the example's first row."""
    lines = (EXAMPLES / "dagtilbud-samtykker.csv").read_bytes().split(b"\r\n")
    header, template = lines[0], lines[1].decode("cp1252")
    with path.open("wb") as out:
        out.write(header + b"\r\n")
        for i in range(rows):
            cpr, _ = cpr_for(i)
            row = template.replace("DI-2026-014", f"DI-{i:07d}").replace("120121-4312", cpr)
            out.write(row.encode("cp1252") + b"\r\n")


def write_xml(path: Path, records: int, heavy_only: bool = False) -> None:
    """A school stafetlog export of ``records`` logs, cycling through the example's logs.

    The example holds a level 2–3 log (about 120 values: plan entries with participants,
    goals, agreements, actors) and a level 1 log (about 35 values); ``heavy_only`` repeats
    the first.
    """
    text = (EXAMPLES / "elevsystem-stafetlog.xml").read_text(encoding="utf-8")
    start = text.index("  <sl:Stafetlog ")
    end = text.rindex("</sl:Stafetlog>") + len("</sl:Stafetlog>\n")
    head = text[:start]
    templates = [f"  {part.strip()}\n  </sl:Stafetlog>\n"
                 for part in text[start:end].split("</sl:Stafetlog>") if part.strip()]
    if heavy_only:
        templates = templates[:1]
    ids = ("SL-2007-0113", "SL-2007-0131")
    cprs = (("120100-4321", "12.01.2000"), ("030301-4128", "03.03.2001"))
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        for i in range(records):
            k = i % len(templates)
            cpr, born = cpr_for(i)
            out.write(templates[k].replace(ids[k], f"SL-{i:07d}")
                      .replace(cprs[k][0], cpr).replace(cprs[k][1], born))
        out.write("</sl:StafetlogEksport>\n")


def _measure(mapping_name: str, data: str, trace: bool, queue: Any, jobs: int = 1) -> None:
    """In a fresh process: map ``data``, report counts, seconds and memory peaks.

    With ``jobs`` > 1 the XML is mapped by ``map_file_parallel``; CPU seconds then include
    the worker processes' and the peaks are the main process's.
    """
    from ssd_gateway.mapping import Mapped, load_mapping
    from ssd_gateway.mapping.parallel import map_file_parallel
    from ssd_gateway.model import ValidationSettings

    mapping = load_mapping(MAPPINGS / mapping_name)
    settings = ValidationSettings(today=TODAY)
    if trace:
        tracemalloc.start()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, cpu_started = time.perf_counter(), time.process_time()
    mapped = rejected = 0
    for outcome in map_file_parallel(mapping, data, jobs, settings=settings):
        if isinstance(outcome, Mapped):
            mapped += 1
        else:
            rejected += 1
    seconds = time.perf_counter() - started
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (time.process_time() - cpu_started + done.ru_utime - children.ru_utime
                   + done.ru_stime - children.ru_stime)
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put({"mapped": mapped, "rejected": rejected, "seconds": seconds,
               "cpu_seconds": cpu_seconds,
               "traced_peak_mib": peak / 2**20 if peak is not None else None,
               "rss_peak_mib": rss_kib / 1024})


def measure(mapping_name: str, data: Path, trace: bool = False, jobs: int = 1) -> dict[str, Any]:
    """Run one measurement in a fresh (spawned) process."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_measure, args=(mapping_name, str(data), trace, queue,
                                                                   jobs))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    return result


def run(csv_rows: int, xml_records: int, workdir: Path, jobs: int = 1) -> list[dict[str, Any]]:
    """Every measurement: each format at full size and at a tenth of it.

    With ``jobs`` > 1 the XML exports are also mapped with ``jobs`` processes.
    """
    results = []
    for label, mapping_name, writer, sizes, suffix in (
        ("CSV consents (cp1252)", "dagtilbud-samtykker.yaml", write_csv,
         (csv_rows // 10, csv_rows), "csv"),
        ("XML stafetlogs, level 1 and 2–3 alternating", "elevsystem-stafetlog.yaml",
         write_xml, (xml_records // 10, xml_records), "xml"),
        ("XML stafetlogs, level 2–3 only", "elevsystem-stafetlog.yaml",
         lambda p, n: write_xml(p, n, heavy_only=True), (xml_records,), "xml"),
    ):
        for size in sizes:
            path = workdir / f"export-{size}.{suffix}"
            writer(path, size)
            for n in (1, jobs) if suffix == "xml" and jobs > 1 else (1,):
                speed = measure(mapping_name, path, jobs=n)
                memory = measure(mapping_name, path, trace=True, jobs=n)
                assert speed["mapped"] == size and speed["rejected"] == 0, speed
                results.append({"input": label + (f", --jobs {n}" if n > 1 else ""),
                                "records": size,
                                "file_mib": path.stat().st_size / 2**20,
                                "seconds": speed["seconds"],
                                "records_per_s": size / speed["seconds"],
                                "records_per_cpu_s": size / speed["cpu_seconds"],
                                "rss_peak_mib": speed["rss_peak_mib"],
                                "traced_peak_mib": memory["traced_peak_mib"]})
            path.unlink()
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = ["| input | records | file MiB | wall s | records/s (wall) | records/s (CPU) "
             "| peak RSS MiB | peak traced MiB |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['input']} | {r['records']:,} | {r['file_mib']:.1f} | {r['seconds']:.1f} "
              f"| {r['records_per_s']:,.0f} | {r['records_per_cpu_s']:,.0f} "
              f"| {r['rss_peak_mib']:.0f} | {r['traced_peak_mib']:.2f} |" for r in results]
    return "\n".join(lines)


def main() -> None:
    """Parse options, run, print a Markdown table (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument("--xml-records", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="10x fewer records")
    parser.add_argument("--json", action="store_true", help="print JSON instead")
    parser.add_argument("--jobs", type=int, default=1,
                        help="also map the XML exports with this many processes")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    with tempfile.TemporaryDirectory() as tmp:
        results = run(args.csv_rows // scale, args.xml_records // scale, Path(tmp),
                      args.jobs)
    print(json.dumps(results, indent=2) if args.json else markdown(results))


if __name__ == "__main__":
    main()
