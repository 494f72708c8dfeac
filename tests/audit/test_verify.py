"""Verification: a valid log verifies; every edit, deletion or reordering is found and located,
in the database and in an offline JSONL export checked with only the certificate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from ssd_gateway.audit import AuditLog, generate_identity, load_certificate
from ssd_gateway.audit.export import export_jsonl
from ssd_gateway.audit.store import ENTRY, HEAD
from ssd_gateway.audit.verify import VerificationReport, verify_export, verify_session

from .conftest import fill

N = 21
MIDDLE = 11


@pytest.fixture
def filled(engine: Engine, log: AuditLog) -> Engine:
    """A log of 21 entries with heads signed every 5 entries and at the end."""
    fill(engine, log, N, sign_every=5)
    return engine


def _verify(engine: Engine, cert_file: Path) -> VerificationReport:
    with Session(engine) as session:
        return verify_session(session, load_certificate(cert_file))


def _kinds(report: VerificationReport) -> set[tuple[str, int | None]]:
    return {(f.kind, f.seq) for f in report.findings}


def test_valid_log_verifies(filled: Engine, identity: tuple[Path, Path]) -> None:
    """An untouched log verifies with no findings and no warnings about uncovered entries."""
    report = _verify(filled, identity[1])
    assert report.ok, report.findings
    assert (report.entries, report.heads) == (N, 5)
    assert report.warnings == []


def test_changed_byte_in_middle_entry_is_located(filled: Engine,
                                                 identity: tuple[Path, Path]) -> None:
    """Changing one byte of the middle entry's sealed JSON is reported as entry 11 changed."""
    with Session(filled) as session, session.begin():
        canon = session.execute(select(ENTRY.c.canonical).where(ENTRY.c.seq == MIDDLE)).scalar_one()
        forged = canon.replace('"actor":"gateway"', '"actor":"gatewaz"')
        assert forged != canon
        session.execute(update(ENTRY).where(ENTRY.c.seq == MIDDLE).values(canonical=forged))
    report = _verify(filled, identity[1])
    assert not report.ok
    assert ("changed", MIDDLE) in _kinds(report)
    assert all(f.seq in (MIDDLE, None) for f in report.findings if f.kind == "changed")


def test_rehashed_edit_is_caught_by_signed_head(filled: Engine, log: AuditLog,
                                                identity: tuple[Path, Path]) -> None:
    """An edit that also recomputes the leaf hash is caught by the signed head covering it,
    which names the range of entries since the last good head (11–15)."""
    from ssd_gateway.audit import merkle

    with Session(filled) as session, session.begin():
        canon = session.execute(select(ENTRY.c.canonical).where(ENTRY.c.seq == MIDDLE)).scalar_one()
        forged = canon.replace('"decision":null', '"decision":"deny"')
        session.execute(update(ENTRY).where(ENTRY.c.seq == MIDDLE).values(
            canonical=forged, leaf_hash=merkle.leaf_hash(forged.encode())))
    report = _verify(filled, identity[1])
    heads = [f for f in report.findings if f.kind == "head"]
    assert heads and heads[0].head == 3 and "entries 11–15" in heads[0].message
    assert ("changed", MIDDLE) in _kinds(report)  # the decision column no longer agrees


def test_deleted_last_entry_is_located(filled: Engine, identity: tuple[Path, Path]) -> None:
    """Deleting the last entry is reported as entry 21 deleted (the last head covers it)."""
    with Session(filled) as session, session.begin():
        session.execute(delete(ENTRY).where(ENTRY.c.seq == N))
    report = _verify(filled, identity[1])
    assert ("deleted", N) in _kinds(report)
    assert report.entries == N - 1


def test_deleted_middle_entry_is_located(filled: Engine, identity: tuple[Path, Path]) -> None:
    """Deleting entry 11 is reported as entry 11 deleted."""
    with Session(filled) as session, session.begin():
        session.execute(delete(ENTRY).where(ENTRY.c.seq == MIDDLE))
    report = _verify(filled, identity[1])
    assert ("deleted", MIDDLE) in _kinds(report)


def test_swapped_entries_are_located(filled: Engine, identity: tuple[Path, Path]) -> None:
    """Swapping the contents of entries 7 and 14 is reported as both reordered."""
    with Session(filled) as session, session.begin():
        rows = {seq: (c, h) for seq, c, h in session.execute(
            select(ENTRY.c.seq, ENTRY.c.canonical, ENTRY.c.leaf_hash)
            .where(ENTRY.c.seq.in_([7, 14])))}
        for a, b in ((7, 14), (14, 7)):
            session.execute(update(ENTRY).where(ENTRY.c.seq == a).values(
                canonical=rows[b][0], leaf_hash=rows[b][1]))
    report = _verify(filled, identity[1])
    assert {("reordered", 7), ("reordered", 14)} <= _kinds(report)


def test_edited_index_column_is_located(filled: Engine, identity: tuple[Path, Path]) -> None:
    """Editing an indexed column (so queries would lie) is reported for that entry."""
    with Session(filled) as session, session.begin():
        session.execute(update(ENTRY).where(ENTRY.c.seq == 4).values(recipient_org="evil"))
    report = _verify(filled, identity[1])
    assert _kinds(report) == {("changed", 4)}
    assert "recipient_org" in report.findings[0].message


def test_forged_head_signature_is_found(filled: Engine, tmp_path: Path,
                                        identity: tuple[Path, Path]) -> None:
    """A head whose signature is altered, or a log checked with another certificate, fails."""
    with Session(filled) as session, session.begin():
        session.execute(update(HEAD).where(HEAD.c.size == 10).values(signature=b"\x01" * 64))
    report = _verify(filled, identity[1])
    assert [f.head for f in report.findings if f.kind == "head"] == [2]
    other_cert = generate_identity(tmp_path / "other")[1]
    assert len([f for f in _verify(filled, other_cert).findings if f.kind == "head"]) == 5


def test_entries_after_last_head_are_a_warning(engine: Engine, log: AuditLog,
                                               identity: tuple[Path, Path]) -> None:
    """Entries not yet covered by a signed head verify, with a warning saying which."""
    fill(engine, log, 4)
    with Session(engine) as session, session.begin():
        from .conftest import event

        log.append(session, event(4))
    report = _verify(engine, identity[1])
    assert report.ok and report.warnings == ["entries 5–5 are after the last signed head"]


# -- offline on an export ------------------------------------------------------------------


@pytest.fixture
def exported(filled: Engine, log: AuditLog, tmp_path: Path) -> Path:
    """The filled log exported as JSONL."""
    path = tmp_path / "log.jsonl"
    with Session(filled) as session, path.open("w") as out:
        assert export_jsonl(session, log, out) == N
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_valid_export_verifies_offline(exported: Path, identity: tuple[Path, Path]) -> None:
    """The export verifies with only the certificate (no database, no secret)."""
    report = verify_export(exported, load_certificate(identity[1]))
    assert report.ok, report.findings
    assert (report.entries, report.heads) == (N, 5)


def test_export_changed_byte_is_located(exported: Path, identity: tuple[Path, Path]) -> None:
    """Changing one byte inside the middle entry line is reported as entry 11 changed."""
    lines = _lines(exported)
    index = next(i for i, line in enumerate(lines) if f'"seq": {MIDDLE},' in line)
    lines[index] = lines[index].replace('\\"kind\\":\\"', '\\"kind\\":\\"x', 1)
    exported.write_text("\n".join(lines) + "\n")
    report = verify_export(exported, load_certificate(identity[1]))
    assert ("changed", MIDDLE) in _kinds(report)


def test_export_deleted_last_entry_is_located(exported: Path,
                                              identity: tuple[Path, Path]) -> None:
    """Dropping the last line of the export is reported as entry 21 deleted."""
    exported.write_text("\n".join(_lines(exported)[:-1]) + "\n")
    report = verify_export(exported, load_certificate(identity[1]))
    assert ("deleted", N) in _kinds(report)


def test_export_swapped_entries_are_located(exported: Path,
                                            identity: tuple[Path, Path]) -> None:
    """Swapping the lines of entries 3 and 17 is reported as both reordered, nothing else
    named as changed."""
    lines = _lines(exported)
    pos = {json.loads(line)["seq"]: i for i, line in enumerate(lines)
           if json.loads(line)["type"] == "entry"}
    lines[pos[3]], lines[pos[17]] = lines[pos[17]], lines[pos[3]]
    exported.write_text("\n".join(lines) + "\n")
    report = verify_export(exported, load_certificate(identity[1]))
    assert {("reordered", 3), ("reordered", 17)} <= _kinds(report)
    assert not [f for f in report.findings if f.kind == "changed"]


def test_export_garbled_line_is_located(exported: Path, identity: tuple[Path, Path]) -> None:
    """A line that is no longer JSON is reported as the entry after the previous one."""
    lines = _lines(exported)
    index = next(i for i, line in enumerate(lines) if f'"seq": {MIDDLE},' in line)
    lines[index] = lines[index][:-5]
    exported.write_text("\n".join(lines) + "\n")
    report = verify_export(exported, load_certificate(identity[1]))
    assert ("changed", MIDDLE) in _kinds(report)
