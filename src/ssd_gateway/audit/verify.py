"""Verification of the evidence log: in the database, or offline on a JSONL export.

For every entry: the sealed JSON hashes to the stored leaf hash (else *changed*), names its
own sequence number (else *reordered*), and — in the database — agrees with the indexed
columns (else *changed*). Over the whole log: sequence numbers run 1, 2, … without gaps,
repeats or reordering (else *deleted*, *duplicated*, *reordered*), and every signed tree head
has a valid ES256 signature under the gateway certificate, sizes and times that never go
back, an RFC 9162 consistency proof from the head before it, and a root equal to the Merkle
root recomputed from the first ``size`` entries (else the entries since the last good head
were rewritten, or entries at the end were deleted).

What cannot be detected: a change that rewrites entries, leaf hashes *and* every later head
would need the gateway's private key; entries appended after the last signed head are
not covered by any signature until the next head is signed: deleting them from the end
leaves no trace (sign often; the report warns how many entries are uncovered).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from ssd_gateway.audit import merkle
from ssd_gateway.audit.entry import TEXT_FIELDS
from ssd_gateway.audit.export import EXPORT_FORMAT
from ssd_gateway.audit.signing import TreeHead, check_head_signature, fingerprint
from ssd_gateway.audit.store import HEAD, REASON, head_from_row, seq_ranges
from ssd_gateway.exceptions import ConfigurationError

FindingKind = Literal["changed", "deleted", "reordered", "duplicated", "head"]
#: the indexed columns compared with the sealed entry, in this order
COLUMNS = ("at", *TEXT_FIELDS, "child", "reason_codes")


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the log: what, at which entry (``seq``) or head, and how."""

    kind: FindingKind
    message: str
    seq: int | None = None
    head: int | None = None

    def render(self) -> str:
        """One line for a terminal or a report."""
        where = f"entry {self.seq}" if self.seq is not None else (
            f"head #{self.head}" if self.head is not None else "log")
        return f"{self.kind.upper()} {where}: {self.message}"


@dataclass
class VerificationReport:
    """The outcome of a verification: ok only when there are no findings."""

    entries: int = 0
    heads: int = 0
    root: bytes = merkle.EMPTY_ROOT
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was found wrong."""
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {"ok": self.ok, "entries": self.entries, "heads": self.heads,
                "root": self.root.hex(), "warnings": self.warnings,
                "findings": [{"kind": f.kind, "seq": f.seq, "head": f.head,
                              "message": f.message} for f in self.findings]}


class SealedEntry(NamedTuple):
    """One entry as a store holds it: its place, sealed text, leaf hash and (database only)
    its indexed columns and reason-code rows."""

    seq: int
    text: str
    leaf: bytes
    columns: tuple[Any, ...] | None = None
    reasons: frozenset[str] | None = None


_decode = json.JSONDecoder().decode


def _at_text(value: Any) -> Any:
    """The sealed form of a stored time: SQLite gives its text, PostgreSQL a datetime."""
    if isinstance(value, str):  # SQLite: '2026-03-10 09:00:00.000000', always UTC
        return value.replace(" ", "T", 1) + "+00:00"
    if isinstance(value, datetime):
        at = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return at.isoformat(timespec="microseconds")
    return value


def _sealed_seq(text: str) -> int | None:
    """The top-level ``seq`` of a sealed entry without parsing it all.

    In RFC 8785 text keys are sorted, so the only keys after ``seq`` are ``transfer_id`` and
    ``v`` (scalars), and a quote inside a string is escaped: the last ``"seq":`` is the key.
    """
    i = text.rfind('"seq":')
    if i < 0:
        return None
    j = text.find(",", i)
    try:
        return int(text[i + 6:j])
    except ValueError:
        return None


def _entries(seqs: Sequence[int]) -> str:
    """``entry 7 is`` or ``entries 7–9, 12 are``."""
    return f"entry {seqs[0]} is" if len(seqs) == 1 else f"entries {seq_ranges(seqs)} are"


class _Verifier:
    """Streams entries once, checking heads as the tree reaches their sizes."""

    def __init__(self, heads: Sequence[TreeHead], cert: x509.Certificate | None) -> None:
        self.report = VerificationReport(heads=len(heads))
        self.frontier = merkle.Frontier()
        self.seqs: list[int] = []
        self.in_order = True
        self.good_size = 0
        self.pending = sorted(range(len(heads)), key=lambda i: heads[i].size, reverse=True)
        self.heads = heads
        self._check_heads(cert)

    def add(self, f: Finding) -> None:
        self.report.findings.append(f)

    def _check_heads(self, cert: x509.Certificate | None) -> None:
        previous: TreeHead | None = None
        for i, head in enumerate(self.heads, start=1):
            if cert is not None and (why := check_head_signature(head, cert)):
                self.add(Finding("head", f"{why} (size {head.size})", head=i))
            if previous is not None:
                self._check_pair(i, previous, head)
            previous = head
        if cert is None and self.heads:
            self.report.warnings.append("no certificate given: head signatures not checked")

    def _check_pair(self, i: int, old: TreeHead, new: TreeHead) -> None:
        if new.size < old.size or new.timestamp < old.timestamp:
            self.add(Finding("head", f"goes back from size {old.size} at {old.timestamp} to "
                                     f"size {new.size} at {new.timestamp}", head=i))
        elif old.size and not merkle.verify_consistency(old.size, new.size, old.root,
                                                        new.root, new.consistency):
            self.add(Finding("head", f"not consistent with head #{i - 1}: the first "
                                     f"{old.size} entries were rewritten between them", head=i))

    def entry(self, e: SealedEntry) -> None:
        seq = e.seq
        self.seqs.append(seq)
        if seq != len(self.seqs):
            self.in_order = False
        leaf = merkle.leaf_hash(e.text.encode())
        content: dict[str, Any] | None = None
        if e.columns is not None:
            try:
                content = _decode(e.text)
            except ValueError:
                content = None
            sealed_seq = content.get("seq") if isinstance(content, dict) else None
        else:
            sealed_seq = _sealed_seq(e.text)
        if leaf != e.leaf or sealed_seq is None:
            self.add(Finding("changed", "its content does not match its leaf hash", seq=seq))
        elif sealed_seq != seq:
            self.add(Finding("reordered", f"the entry stored as {seq} is entry {sealed_seq}",
                             seq=seq))
        if isinstance(content, dict):
            self._check_columns(e, content)
        self.frontier.append(leaf)
        if self.pending and self.heads[self.pending[-1]].size == self.frontier.size:
            self._heads_at(self.frontier.size)

    def _check_columns(self, e: SealedEntry, content: dict[str, Any]) -> None:
        assert e.columns is not None
        codes = content.get("reason_codes") or ()
        expected = (content.get("at"), *map(content.get, TEXT_FIELDS), content.get("child"),
                    " ".join(codes))
        stored = (_at_text(e.columns[0]), *e.columns[1:])
        if stored != expected:
            wrong = [name for name, a, b in zip(COLUMNS, stored, expected, strict=True)
                     if a != b]
            self.add(Finding("changed", f"indexed column(s) {', '.join(wrong)} differ from the "
                                        "sealed entry", seq=e.seq))
        if e.reasons is not None and (e.reasons or codes) and e.reasons != set(codes):
            self.add(Finding("changed", "reason-code index differs from the sealed entry",
                             seq=e.seq))

    def _heads_at(self, size: int) -> None:
        while self.pending and self.heads[self.pending[-1]].size == size:
            i = self.pending.pop()
            if self.frontier.root() == self.heads[i].root:
                self.good_size = max(self.good_size, size)
            else:
                self.add(Finding("head", f"root differs from the entries: entries "
                                         f"{self.good_size + 1}–{size} were changed, removed, "
                                         "inserted or reordered", head=i + 1))

    def finish(self, declared_size: int | None) -> VerificationReport:
        count = len(self.seqs)
        self._heads_at(0) if count == 0 else None
        for i in reversed(self.pending):
            head = self.heads[i]
            if head.size > count:
                self.add(Finding("deleted", f"signed head #{i + 1} covers {head.size} entries "
                                            f"but the log ends at {count}: "
                                            f"{_entries(range(count + 1, head.size + 1))} "
                                            "missing", seq=count + 1, head=i + 1))
        if declared_size is not None and declared_size > count:
            self.add(Finding("deleted", f"the log's size counter says {declared_size} but only "
                                        f"{count} entries are stored", seq=count + 1))
        if not self.in_order:
            self._order_findings()
        covered = max((h.size for h in self.heads), default=0)
        if count > covered:
            self.report.warnings.append(
                f"entries {covered + 1}–{count} are after the last signed head")
        self.report.entries = count
        self.report.root = self.frontier.root()
        return self.report

    def _order_findings(self) -> None:
        seqs = self.seqs
        for seq, n in sorted(Counter(seqs).items()):
            if n > 1:
                self.add(Finding("duplicated", f"appears {n} times", seq=seq))
        present = set(seqs)
        missing = [s for s in range(1, max(seqs) + 1) if s not in present]
        if missing:
            self.add(Finding("deleted", f"{_entries(missing)} missing",
                             seq=missing[0]))
        expected = sorted(present)
        actual = list(dict.fromkeys(seqs))
        moved = [s for s, e in zip(actual, expected, strict=True) if s != e]
        for seq in moved:
            where = actual.index(seq) + 1
            self.add(Finding("reordered", f"found at position {where}", seq=seq))


def verify_entries(entries: Iterable[SealedEntry], heads: Sequence[TreeHead],
                   certificate: x509.Certificate | None,
                   declared_size: int | None = None) -> VerificationReport:
    """Verify a stream of entries (in stored order) against signed heads."""
    verifier = _Verifier(heads, certificate)
    for e in entries:
        verifier.entry(e)
    return verifier.finish(declared_size)


# -- the database ------------------------------------------------------------------------


def _db_entries(session: Session, batch: int = 20_000) -> Iterator[SealedEntry]:
    reasons: dict[int, set[str]] = {}
    for code, seq in session.execute(select(REASON.c.code, REASON.c.seq)):
        reasons.setdefault(seq, set()).add(code)
    # raw driver rows: no per-row type processing (SQLite's time stays text, see _at_text)
    sql = (f"SELECT seq, canonical, leaf_hash, {', '.join(COLUMNS)} FROM audit_entry "
           "ORDER BY seq")
    empty: frozenset[str] = frozenset()
    result = session.connection().exec_driver_sql(sql).yield_per(batch)
    for row in result:
        seq = row[0]
        found = reasons.pop(seq, None)
        yield SealedEntry(seq, row[1], bytes(row[2]), tuple(row[3:]),
                          frozenset(found) if found else empty)
    for seq in sorted(reasons):
        yield SealedEntry(seq, "", b"", None, None)  # an index row with no entry: changed


def verify_session(session: Session, certificate: x509.Certificate | None = None
                   ) -> VerificationReport:
    """Verify the log in the database behind ``session``.

    Without ``certificate`` the heads are checked against the certificate stored with them,
    which proves integrity only against someone without database access; say so.
    """
    heads = [head_from_row(r) for r in session.execute(select(HEAD).order_by(HEAD.c.id))]
    warning = None
    if certificate is None:
        pems = {pem for (pem,) in session.execute(select(HEAD.c.cert_pem).distinct())}
        if len(pems) == 1:
            certificate = x509.load_pem_x509_certificate(pems.pop().encode())
            warning = ("heads checked against the certificate stored in the log itself "
                       f"(sha256 {fingerprint(certificate)}); pass --cert for an "
                       "independent check")
    report = verify_entries(_db_entries(session), heads, certificate)
    if warning:
        report.warnings.insert(0, warning)
    return report


# -- the export --------------------------------------------------------------------------


def _parse_line(line: bytes) -> dict[str, Any]:
    obj = _decode(line.decode())
    if not isinstance(obj, dict) or obj.get("type") not in {"header", "head", "entry"}:
        raise ValueError("not an export line")
    return obj


def verify_export(path: Path, certificate: x509.Certificate) -> VerificationReport:
    """Verify a JSONL export (header, then heads, then entries) offline with the certificate.

    Only the gateway's certificate is needed: no database, no secret, no network.
    """
    heads: list[TreeHead] = []
    bad: list[Finding] = []
    try:
        with path.open("rb") as fh:
            numbered = enumerate(fh, start=1)
            first: tuple[int, dict[str, Any]] | None = None
            for number, line in numbered:
                try:
                    obj = _parse_line(line)
                    if obj["type"] == "header" and obj.get("format") != EXPORT_FORMAT:
                        raise ConfigurationError(f"{path} is not an evidence-log export")
                    if obj["type"] == "head":
                        heads.append(TreeHead.from_json(obj))
                    elif obj["type"] == "entry":
                        first = (number, obj)
                        break
                except (ValueError, KeyError, TypeError) as exc:
                    bad.append(Finding("head", f"line {number} is not a readable head ({exc})"))
            verifier = _Verifier(heads, certificate)
            verifier.report.findings[:0] = bad
            if first is not None:
                _feed(verifier, first[0], first[1], numbered)
    except OSError as exc:
        raise ConfigurationError(f"cannot read export {path}: {exc}") from exc
    return verifier.finish(None)


def _feed(verifier: _Verifier, number: int, obj: dict[str, Any],
          rest: Iterator[tuple[int, bytes]]) -> None:
    last = 0
    while True:
        try:
            if obj["type"] == "unreadable":
                raise ValueError("not JSON")
            if obj["type"] != "entry":
                raise ValueError("a head or header after the entries")
            last = int(obj["seq"])
            verifier.entry(SealedEntry(last, obj["entry"], bytes.fromhex(obj["leaf_hash"])))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            verifier.add(Finding("changed", f"line {number} of the export is not a readable "
                                            f"entry ({exc}); it follows entry {last}",
                                 seq=last + 1))
        try:
            number, line = next(rest)
            while not line.strip():
                number, line = next(rest)
        except StopIteration:
            return
        try:
            obj = _parse_line(line)
        except ValueError:
            obj = {"type": "unreadable"}
