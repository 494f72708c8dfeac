"""Exports of the evidence log: verifiable JSONL, CSV for spreadsheets, FHIR AuditEvents.

- ``jsonl``: the whole log, verifiable offline (``verify_export``). Line 1 is a header, then
  every signed tree head (``{"type": "head", …}``), then every entry
  (``{"type": "entry", "seq", "leaf_hash", "entry": <the sealed canonical JSON as a string>}``).
  The sealed text is kept verbatim, so verifying needs no re-canonicalisation.
- ``csv``: one row per entry (optionally filtered), reason codes joined by ``;``.
- ``fhir``: a FHIR R4 Bundle of type ``collection`` of AuditEvents; ``fhir-ndjson``: one
  AuditEvent per line (bulk-data style). See ``ssd_gateway.audit.fhir``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Literal, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ssd_gateway.audit import fhir
from ssd_gateway.audit.entry import EntryView
from ssd_gateway.audit.store import ENTRY, AuditLog, LogQuery

ExportFormat = Literal["jsonl", "csv", "fhir", "fhir-ndjson"]
EXPORT_FORMAT = "ssd-gateway-evidence-log"
CSV_COLUMNS = ("seq", "at", "kind", "actor", "transfer_id", "child", "sender_org",
               "recipient_org", "sender_sector", "recipient_sector", "record_kind", "basis",
               "decision", "reason_codes", "rule_pack", "consent_id", "meeting_id", "detail",
               "leaf_hash")
Progress = Callable[[int], None]


def _tick(progress: Progress | None, n: int = 1) -> None:
    if progress is not None:
        progress(n)


def export_jsonl(session: Session, log: AuditLog, out: TextIO,
                 progress: Progress | None = None) -> int:
    """Write the whole log as verifiable JSONL; return the number of entries written."""
    heads = log.heads(session)
    header = {"type": "header", "format": EXPORT_FORMAT, "version": 1,
              "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "size": log.size(session), "leaf_hash": "sha256 RFC 6962 (0x00 || entry)",
              "certificates": sorted(log.stored_certificates(session).values())}
    out.write(json.dumps(header, ensure_ascii=False) + "\n")
    for head in heads:
        out.write(json.dumps({"type": "head", **head.as_json()}) + "\n")
    stmt = (select(ENTRY.c.seq, ENTRY.c.canonical, ENTRY.c.leaf_hash).order_by(ENTRY.c.seq)
            .execution_options(yield_per=10_000))
    count = 0
    for seq, text, leaf in session.execute(stmt):
        out.write(json.dumps({"type": "entry", "seq": seq, "leaf_hash": bytes(leaf).hex(),
                              "entry": text}, ensure_ascii=False) + "\n")
        count += 1
        _tick(progress)
    return count


def _selected(session: Session, log: AuditLog, q: LogQuery | None) -> Iterator[EntryView]:
    return log.iter_query(session, q or LogQuery(limit=None))


def export_csv(session: Session, log: AuditLog, out: TextIO, q: LogQuery | None = None,
               progress: Progress | None = None) -> int:
    """Write the selected entries as CSV; return how many."""
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    count = 0
    for e in _selected(session, log, q):
        row = e.as_row()
        row["reason_codes"] = ";".join(e.reason_codes)
        row["detail"] = json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
        writer.writerow(row)
        count += 1
        _tick(progress)
    return count


def export_fhir(session: Session, log: AuditLog, out: TextIO, q: LogQuery | None = None,
                *, ndjson: bool = False, gateway_org: str = "ssd-gateway",
                check: bool = False, progress: Progress | None = None) -> int:
    """Write AuditEvents as a collection Bundle (or NDJSON); ``check`` validates each one."""
    if not ndjson:
        stamp = json.dumps(datetime.now(UTC).isoformat(timespec="seconds"))
        out.write(f'{{"resourceType":"Bundle","type":"collection","timestamp":{stamp},"entry":[')
    count = 0
    for e in _selected(session, log, q):
        resource = fhir.audit_event(e, gateway_org)
        if check:
            fhir.validate(resource)
        text = json.dumps(resource, ensure_ascii=False)
        if ndjson:
            out.write(text + "\n")
        else:
            comma = "," if count else ""
            out.write(f'{comma}{{"fullUrl":"urn:ssd-gateway:audit:{e.seq}","resource":{text}}}')
        count += 1
        _tick(progress)
    if not ndjson:
        out.write("]}\n")
    return count


def export_log(session: Session, log: AuditLog, fmt: ExportFormat, out: TextIO,
               q: LogQuery | None = None, *, gateway_org: str = "ssd-gateway",
               progress: Progress | None = None) -> int:
    """Write the log in ``fmt``; the JSONL form is always the whole log (to stay verifiable)."""
    if fmt == "jsonl":
        return export_jsonl(session, log, out, progress)
    if fmt == "csv":
        return export_csv(session, log, out, q, progress)
    return export_fhir(session, log, out, q, ndjson=fmt == "fhir-ndjson",
                       gateway_org=gateway_org, progress=progress)
