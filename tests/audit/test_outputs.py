"""Exports (CSV, FHIR AuditEvent), the disclosure report and the parents' copy."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ssd_gateway.audit import AuditLog, LogQuery
from ssd_gateway.audit.export import export_csv, export_fhir
from ssd_gateway.audit.parent_copy import diff, make_parent_copy, render_parent_copy
from ssd_gateway.audit.report import build_report, render_report
from ssd_gateway.audit.store import ENTRY
from ssd_gateway.model import Stafetlog, ValidationSettings
from ssd_gateway.samples import stafetlog

from .conftest import CHILD, T0, event, fill

TODAY = date(2026, 3, 10)


def _story(engine: Engine, log: AuditLog) -> None:
    """A child's history: a delivered stafetlog, a refused §49a transfer, a withheld
    underretning with its receipt, and a parents' copy."""
    with Session(engine) as session, session.begin():
        at = T0
        log.append(session, event(0, transfer_id="t-ok", at=at))
        log.append(session, event(1, kind="send_attempt", transfer_id="t-ok"))
        log.append(session, event(2, kind="acknowledgement", transfer_id="t-ok",
                                  child_id=CHILD, detail={"code": "ok"}))
        log.append(session, event(4, kind="decision", decision="deny", basis="ssd_49a",
                                  transfer_id="t-deny", reason_codes=("SSD_NOT_AT_MEETING",),
                                  recipient_org="bfa-kbh", recipient_sector="social_authority"))
        log.append(session, event(6, kind="decision", decision="permit", basis="underretning",
                                  transfer_id="t-und", record_kind="underretning",
                                  sender_org="skole-valby", sender_sector="school",
                                  recipient_org="bfa-kbh", recipient_sector="social_authority",
                                  detail={"obligations": ["do_not_contact_parents"],
                                          "record_id": "underretning-1"}))
        log.append(session, event(8, kind="send_attempt", transfer_id="t-und",
                                  record_kind="underretning", detail={}))
        log.append(session, event(10, kind="receipt", transfer_id="t-kvit",
                                  record_kind="underretning_receipt",
                                  detail={"underretning_id": "underretning-1"}))
        log.append(session, event(12, kind="parent_copy", transfer_id=None,
                                  detail={"stafetlog_id": "stafetlog-1", "version": 3}))
        log.sign_tree_head(session)


def test_csv_export_has_one_row_per_entry(engine: Engine, log: AuditLog) -> None:
    """The CSV export has a header and one row per entry with joined reason codes."""
    _story(engine, log)
    out = io.StringIO()
    with Session(engine) as session:
        assert export_csv(session, log, out) == 8
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [int(r["seq"]) for r in rows] == list(range(1, 9))
    assert rows[3]["reason_codes"] == "SSD_NOT_AT_MEETING"
    assert "1201194321" not in out.getvalue()


def test_fhir_bundle_is_valid_r4_auditevents(engine: Engine, log: AuditLog) -> None:
    """The FHIR export is a collection Bundle whose AuditEvents parse with fhir.resources R4B,
    shaped after BALP (AuthZ for decisions, Export for sends), and without CPR numbers."""
    _story(engine, log)
    out = io.StringIO()
    with Session(engine) as session:
        assert export_fhir(session, log, out, check=True) == 8
    bundle = Bundle.model_validate(json.loads(out.getvalue()))
    assert bundle.type == "collection" and len(bundle.entry) == 8
    resources = [json.loads(out.getvalue())["entry"][i]["resource"] for i in range(8)]
    assert resources[0]["type"]["code"] == "110113" and resources[0]["outcome"] == "0"
    assert resources[1]["type"]["code"] == "110106" and resources[1]["action"] == "R"
    assert resources[3]["outcome"] == "8" and resources[3]["outcomeDesc"] == "SSD_NOT_AT_MEETING"
    assert resources[6]["type"]["code"] == "110107"
    patient = resources[0]["entity"][0]["what"]["identifier"]
    assert patient["value"] == log.child_hash(CHILD)
    assert "1201194321" not in out.getvalue()


def test_fhir_ndjson_one_resource_per_line(engine: Engine, log: AuditLog) -> None:
    """The NDJSON variant writes one valid AuditEvent per line, filtered by the query."""
    _story(engine, log)
    out = io.StringIO()
    with Session(engine) as session:
        n = export_fhir(session, log, out, LogQuery(decision="deny", limit=None), ndjson=True)
    lines = out.getvalue().splitlines()
    assert n == len(lines) == 1
    FhirAuditEvent.model_validate(json.loads(lines[0]))


def test_disclosure_report_for_officer(engine: Engine, log: AuditLog) -> None:
    """The officer's report (Danish) lists shared and refused transfers with reason texts,
    including the withheld underretning."""
    _story(engine, log)
    with Session(engine) as session:
        r = build_report(session, log, CHILD)
    assert [t.transfer_id for t in r.shared] == ["t-ok", "t-und", "t-kvit"]
    assert [t.transfer_id for t in r.refused] == ["t-deny"]
    assert r.shared[0].status == "delivered"
    page = render_report(r, "da")
    assert "Deling efter §49a kræver et SSD-møde" in page and "Det blev afvist" in page
    assert "Underretning" in page and "@media print" in page and 'lang="da"' in page


def test_disclosure_report_for_parents_omits_withheld(engine: Engine, log: AuditLog) -> None:
    """The parents' report leaves out the withheld underretning, its sending and the linked
    receipt, and says nothing about the omission."""
    _story(engine, log)
    with Session(engine) as session:
        r = build_report(session, log, CHILD, for_parents=True)
    assert [t.transfer_id for t in r.shared] == ["t-ok"]
    assert [t.transfer_id for t in r.refused] == ["t-deny"]
    page = render_report(r, "en")
    assert "nderretning" not in page and "withheld" not in page.lower()
    assert "Sharing under §49a requires an SSD meeting" in page and 'lang="en"' in page


def _versions() -> tuple[Stafetlog, Stafetlog]:
    ctx = ValidationSettings(today=TODAY)
    old = stafetlog(TODAY)
    new = stafetlog(TODAY)
    new["version"] = 4
    new["last_updated"] = (TODAY - timedelta(days=1)).isoformat()
    new["section_a"]["concern_why"] = "Stille og trist"
    new["section_b"]["agreements"].append({"action": "Møde med PPR", "responsible": "skolen"})
    return (Stafetlog.model_validate(old, context=ctx), Stafetlog.model_validate(new, context=ctx))


def test_stafetlog_diff_is_field_level() -> None:
    """The diff names exactly the changed and added fields, not the version bump."""
    old, new = _versions()
    paths = {c.path for c in diff(old, new)}
    assert paths == {"section_a.concern_why", "section_b.agreements[1].action",
                     "section_b.agreements[1].responsible"}


def test_parent_copy_highlights_changes_and_hides_cpr() -> None:
    """The page marks the changed fields, shows the old value, and never prints the CPR."""
    old, new = _versions()
    page = render_parent_copy(new, old)
    assert page.count('class="changed"') >= 3
    assert "Stille og trist" in page and "Stille, indadvendt og trist; leger ikke" in page
    assert "Ændret siden version 3" in page
    assert new.child.id not in page
    assert "Changed since version 3" in render_parent_copy(new, old, "en")


def test_make_parent_copy_records_an_entry(engine: Engine, log: AuditLog) -> None:
    """Making a parents' copy appends a parent_copy entry with the page's hash, not the page."""
    old, new = _versions()
    with Session(engine) as session, session.begin():
        page = make_parent_copy(session, log, new, old, actor="p-olga")
    with Session(engine) as session:
        [entry] = log.query(session, LogQuery(kind="parent_copy"))
        raw = session.execute(select(ENTRY.c.canonical)).scalar_one()
    assert entry.detail["version"] == 4 and entry.detail["changes"] == 3
    assert entry.child == log.child_hash(new.child.id)
    assert len(entry.detail["page_sha256"]) == 64 and "Stille" not in raw
    assert "Stille og trist" in page


def test_verification_does_not_depend_on_bodies(engine: Engine, log: AuditLog) -> None:
    """The log verifies from the audit tables alone: it never reads a message body, so deleting
    bodies (retention) cannot break it."""
    from ssd_gateway.audit.verify import verify_session

    fill(engine, log, 6)
    with Session(engine) as session:
        assert verify_session(session).ok


def test_body_purge_is_itself_evidenced(engine: Engine, log: AuditLog) -> None:
    """The retention hook records the deletion of bodies as a sealed operator_action entry,
    and the log still verifies afterwards."""
    from ssd_gateway.audit.retention import record_body_purge
    from ssd_gateway.audit.verify import verify_session

    fill(engine, log, 3)
    with Session(engine) as session, session.begin():
        record_body_purge(session, log, count=2, delivered_before=TODAY, retention_days=30,
                          at=T0)
        log.sign_tree_head(session)
    with Session(engine) as session:
        [entry] = log.query(session, LogQuery(kind="operator_action"))
        assert entry.detail == {"action": "purge_bodies", "count": 2,
                                "delivered_before": "2026-03-10", "retention_days": 30}
        assert verify_session(session).ok
