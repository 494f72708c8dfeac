"""``ssd-gateway log …`` end to end on a gateway state directory and on an export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ssd_gateway.audit import AuditLog, HeadSigner
from ssd_gateway.audit.store import ENTRY
from ssd_gateway.cli.app import build
from ssd_gateway.db import make_engine

from .conftest import CHILD, fill

runner = CliRunner()
APP = build()


@pytest.fixture
def data_dir(tmp_path: Path, identity: tuple[Path, Path],
             monkeypatch: pytest.MonkeyPatch) -> Path:
    """A gateway state dir with a 12-entry signed log; settings point at its key and cert."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("SSD_AUDIT_SECRET", "cli-secret")
    monkeypatch.setenv("SSD_TLS__KEY_FILE", str(identity[0]))
    monkeypatch.setenv("SSD_TLS__CERT_FILE", str(identity[1]))
    engine = make_engine(f"sqlite:///{data / 'gateway.db'}")
    AuditLog.create_tables(engine)
    fill(engine, AuditLog("cli-secret", HeadSigner.from_pem_files(*identity)), 12, sign_every=4)
    engine.dispose()
    return data


def _tamper(data: Path, **values: object) -> None:
    engine = make_engine(f"sqlite:///{data / 'gateway.db'}")
    with Session(engine) as session, session.begin():
        if values:
            session.execute(update(ENTRY).where(ENTRY.c.seq == 6).values(**values))
        else:
            session.execute(delete(ENTRY).where(ENTRY.c.seq == 12))
    engine.dispose()


def test_verify_data_dir(data_dir: Path) -> None:
    """``log verify --data DIR`` exits 0 on an untouched log."""
    result = runner.invoke(APP, ["log", "verify", "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "OK: 12 entries, 4 signed heads" in result.output


def test_verify_data_dir_names_changed_entry(data_dir: Path) -> None:
    """An edited entry makes ``log verify`` exit 1 and name entry 6."""
    _tamper(data_dir, canonical='{"edited":true}')
    result = runner.invoke(APP, ["log", "verify", "--data", str(data_dir)])
    assert result.exit_code == 1
    assert "CHANGED entry 6" in result.output


def test_verify_data_dir_names_deleted_entry(data_dir: Path) -> None:
    """Deleting the last entry makes ``log verify`` exit 1 and name entry 12."""
    _tamper(data_dir)
    result = runner.invoke(APP, ["log", "verify", "--data", str(data_dir), "--json"])
    assert result.exit_code == 1
    findings = json.loads(result.output)["findings"]
    assert {"deleted"} == {f["kind"] for f in findings} and findings[0]["seq"] == 12


def test_export_then_verify_offline(data_dir: Path, tmp_path: Path,
                                    identity: tuple[Path, Path]) -> None:
    """A JSONL export verifies offline with only the certificate; a swapped pair fails."""
    out = tmp_path / "log.jsonl"
    assert runner.invoke(APP, ["log", "export", "--data", str(data_dir), "--format", "jsonl",
                               "--out", str(out)]).exit_code == 0
    args = ["log", "verify", "--export", str(out), "--cert", str(identity[1])]
    assert runner.invoke(APP, args).exit_code == 0
    lines = out.read_text().splitlines()
    lines[-1], lines[-3] = lines[-3], lines[-1]
    out.write_text("\n".join(lines) + "\n")
    result = runner.invoke(APP, args)
    assert result.exit_code == 1 and "REORDERED entry 10" in result.output


def test_query_by_cpr_json(data_dir: Path) -> None:
    """``log query --cpr`` finds the child's entries by the hashed CPR."""
    result = runner.invoke(APP, ["log", "query", "--data", str(data_dir), "--cpr", CHILD,
                                 "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["seq"] for r in rows] == [1, 3, 5, 7, 9, 11]
    assert rows[0]["child"] == AuditLog("cli-secret").child_hash(CHILD)


def test_query_table(data_dir: Path) -> None:
    """``log query`` prints a table filtered by decision."""
    result = runner.invoke(APP, ["log", "query", "--data", str(data_dir), "--decision",
                                 "permit"])
    assert result.exit_code == 0 and "4 entries" in result.output


def test_export_fhir_and_csv(data_dir: Path, tmp_path: Path) -> None:
    """FHIR and CSV exports are written; jsonl refuses filters (it must stay whole)."""
    fhir_out, csv_out = tmp_path / "a.json", tmp_path / "a.csv"
    for fmt, out in (("fhir", fhir_out), ("csv", csv_out)):
        result = runner.invoke(APP, ["log", "export", "--data", str(data_dir), "--format", fmt,
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert len(json.loads(fhir_out.read_text())["entry"]) == 12
    assert len(csv_out.read_text().splitlines()) == 13
    refused = runner.invoke(APP, ["log", "export", "--data", str(data_dir), "--format", "jsonl",
                                  "--cpr", CHILD, "--out", str(tmp_path / "x")])
    assert refused.exit_code == 2


def test_report_and_sign(data_dir: Path, tmp_path: Path) -> None:
    """``log report`` writes an English parents' page; ``log sign`` signs a new head."""
    out = tmp_path / "r.html"
    result = runner.invoke(APP, ["log", "report", "--data", str(data_dir), "--cpr", CHILD,
                                 "--lang", "en", "--for-parents", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "How your child&#39;s information has been shared" in out.read_text()
    signed = runner.invoke(APP, ["log", "sign", "--data", str(data_dir)])
    assert signed.exit_code == 0 and json.loads(signed.output)["size"] == 12


def test_verify_missing_data_dir(tmp_path: Path) -> None:
    """A directory without a gateway database is a usage error (exit 2), not a pass."""
    result = runner.invoke(APP, ["log", "verify", "--data", str(tmp_path / "nothing")])
    assert result.exit_code == 2
