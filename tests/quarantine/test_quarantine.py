"""Quarantine keeps every rejected record whole, and a retry with a fixed mapping resolves it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssd_gateway.exceptions import ConfigurationError, GatewayError, NotFound
from ssd_gateway.mapping import Mapped, Mapping, Rejected, load_mapping, map_bytes, map_file
from ssd_gateway.model import ValidationSettings
from ssd_gateway.quarantine import NewEntry, QuarantineStore
from ssd_gateway.quarantine.remap import keep_rejected, retry

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"
EXAMPLES = MAPPINGS / "examples"
SETTINGS = ValidationSettings(today=date(2026, 6, 1))
DAYCARE = load_mapping(MAPPINGS / "dagtilbud-samtykker.yaml")
SCHOOL = load_mapping(MAPPINGS / "elevsystem-stafetlog.yaml")
CSV_ROWS = (EXAMPLES / "dagtilbud-samtykker.csv").read_bytes().split(b"\r\n")
HEADER, GOOD_ROWS = CSV_ROWS[0], [r for r in CSV_ROWS[1:] if r]


@pytest.fixture
def store(tmp_path: Path) -> QuarantineStore:
    """A fresh quarantine in a SQLite file."""
    return QuarantineStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")


def run(outcomes: object, store: QuarantineStore, mapping: Mapping) -> tuple[int, int]:
    """Keep the rejects of ``outcomes``; return (mapped, quarantined)."""
    mapped = quarantined = 0
    kept = keep_rejected(outcomes, store, mapping, "test.csv")  # type: ignore[arg-type]
    for outcome, entry_id in kept:
        if isinstance(outcome, Mapped):
            mapped += 1
        else:
            assert entry_id is not None
            quarantined += 1
    return mapped, quarantined


def test_malformed_csv_export_loses_no_record(store: QuarantineStore) -> None:
    """The malformed example (5 rows): 2 mapped + 3 quarantined = 5, with their reasons."""
    outcomes = map_file(DAYCARE, EXAMPLES / "dagtilbud-samtykker-fejl.csv", settings=SETTINGS)
    assert run(outcomes, store, DAYCARE) == (2, 3)
    entries = store.entries()
    assert [e.location for e in entries] == [
        "post 2 (linje 3)", "post 4 (linje 5)", "post 5 (linje 6)"]
    assert "unknown_code" in entries[0].reason_codes
    assert entries[0].mapping_id == "dagtilbud-samtykker" and entries[0].record_kind == "consent"
    assert entries[0].payload.split(b"\r\n")[0] == HEADER
    assert b"DI-2026-040" in entries[0].payload


def test_malformed_xml_export_loses_no_record(store: QuarantineStore) -> None:
    """Two stafetlogs, one with a bad date: 1 mapped + 1 quarantined = 2."""
    xml = (EXAMPLES / "elevsystem-stafetlog.xml").read_bytes().replace(
        b"<sl:Oprettet>22.10.2007", b"<sl:Oprettet>32.10.2007")
    assert run(map_bytes(SCHOOL, xml, settings=SETTINGS), store, SCHOOL) == (1, 1)
    [entry] = store.entries()
    assert entry.content_type == "application/xml" and b"SL-2007-0131" in entry.payload
    assert b"SL-2007-0113" not in entry.payload


BAD_ROW = st.sampled_from([
    b"X-1;123456-7891;Ida;F-1;Eva;Mor;;;;;01.02.2026;01.01.2027;Skriftlig;DI;Helbred;"
    b"Koordinering;Tekst;Ja;",
    b"X-2;120121-4312;Ida;F-1;Eva;Mor;;;;;31.02.2026;01.01.2027;Skriftlig;DI;Helbred;"
    b"Koordinering;Tekst;Ja;",
    b"X-3;120121-4312;Ida;F-1;Eva;Mor;;;;",
    b"X-4;120121-4312;Ida\x81;F-1;Eva;Mor;;;;;01.02.2026;01.01.2027;Skriftlig;DI;Helbred;"
    b"Koordinering;Tekst;Ja;",
])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.one_of(st.sampled_from(GOOD_ROWS), BAD_ROW), min_size=1, max_size=12))
def test_any_mix_of_rows_is_mapped_plus_quarantined(rows: list[bytes], tmp_path: Path) -> None:
    """For any mix of good and broken rows, mapped + quarantined equals the rows given."""
    db = tmp_path / f"q{abs(hash(tuple(rows)))}.db"
    store = QuarantineStore.from_url(f"sqlite:///{db}")
    data = b"\r\n".join([HEADER, *rows]) + b"\r\n"
    mapped, quarantined = run(map_bytes(DAYCARE, data, settings=SETTINGS), store, DAYCARE)
    assert mapped + quarantined == len(rows)
    assert mapped == sum(1 for r in rows if r in GOOD_ROWS)
    kept = b"".join(e.payload for e in store.entries())
    assert all(r in kept for r in rows if r not in GOOD_ROWS)


def test_unclosed_quote_keeps_every_following_byte(store: QuarantineStore) -> None:
    """An unclosed quote swallows the rows after it into one record, which is kept whole."""
    broken = b'X-5;"120121-4312;Ida;F-1'
    data = b"\r\n".join([HEADER, GOOD_ROWS[0], broken, GOOD_ROWS[1]]) + b"\r\n"
    assert run(map_bytes(DAYCARE, data, settings=SETTINGS), store, DAYCARE) == (1, 1)
    [entry] = store.entries()
    assert broken in entry.payload and GOOD_ROWS[1] in entry.payload


def fixed_mapping(tmp_path: Path) -> Mapping:
    """The daycare mapping, version 1.1, which also knows the local code TALE."""
    text = (MAPPINGS / "dagtilbud-samtykker.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "1.0"', 'version: "1.1"').replace(
        "    HOSP: hospital\n", "    HOSP: hospital\n    TALE: ppr\n")
    path = tmp_path / "dagtilbud-samtykker.yaml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


def test_retry_with_the_fixed_mapping_resolves_and_returns_the_record(
        store: QuarantineStore, tmp_path: Path) -> None:
    """A row with an unknown party code maps after the code is added; the entry resolves."""
    row = GOOD_ROWS[0].replace(b"DI,SPL,PPR", b"DI,TALE")
    run(map_bytes(DAYCARE, HEADER + b"\r\n" + row + b"\r\n", settings=SETTINGS), store, DAYCARE)
    [entry] = store.entries()
    still = retry(store, entry.id, DAYCARE, SETTINGS)
    assert not still.resolved and still.entry.attempts == 1
    assert still.problems[0].target == "parties[1].sector"
    result = retry(store, entry.id, fixed_mapping(tmp_path), SETTINGS)
    assert result.resolved and result.entry.resolved_at is not None
    assert [p.sector.value for p in result.records[0].parties] == ["daycare", "ppr"]
    assert store.entries() == [] and store.count("resolved") == 1
    with pytest.raises(GatewayError):
        retry(store, entry.id, fixed_mapping(tmp_path), SETTINGS)


def test_retry_of_a_quarantined_xml_record_maps_its_own_payload(
        store: QuarantineStore, tmp_path: Path) -> None:
    """An XML record's payload stands alone: fixed by a new mapping, it maps by itself."""
    xml = (EXAMPLES / "elevsystem-stafetlog.xml").read_bytes().replace(
        b'status="Aktiv">\n    <sl:Barn>\n      <p:Navn>Sofie', b'status="Igang">\n    <sl:Barn>\n'
        b'      <p:Navn>Sofie')
    assert run(map_bytes(SCHOOL, xml, settings=SETTINGS), store, SCHOOL) == (1, 1)
    [entry] = store.entries()
    assert entry.reason_codes == ["unknown_code"]
    text = (MAPPINGS / "elevsystem-stafetlog.yaml").read_text(encoding="utf-8")
    path = tmp_path / "school.yaml"
    path.write_text(text.replace("    Aktiv: open\n", "    Aktiv: open\n    Igang: open\n"),
                    encoding="utf-8")
    result = retry(store, entry.id, load_mapping(path), SETTINGS)
    assert result.resolved and result.records[0].id == "SL-2007-0131"


def test_other_sources_can_quarantine_generic_messages(store: QuarantineStore) -> None:
    """A federation message is kept with its source and reasons, listed apart, not re-mapped."""
    entry_id = store.add(NewEntry(source="federation", reason_codes=["SIGNATURE_INVALID"],
                                  problems=[{"code": "SIGNATURE_INVALID"}], payload=b"{}",
                                  content_type="application/fhir+json", origin="skole-valby"))
    store.add(NewEntry(source="mapping", reason_codes=["x"], problems=[], payload=b"",
                       content_type="text/csv"))
    [entry] = store.entries(source="federation")
    assert (entry.id, entry.origin, entry.payload) == (entry_id, "skole-valby", b"{}")
    with pytest.raises(ConfigurationError):
        retry(store, entry_id, DAYCARE)


def test_unknown_entry_is_not_found(store: QuarantineStore) -> None:
    """Asking for an id that does not exist raises NotFound, not a database error."""
    with pytest.raises(NotFound):
        store.get(42)


def test_rejected_outcome_keeps_exact_bytes(store: QuarantineStore) -> None:
    """The payload is the row's bytes as received (cp1252), not a re-encoding."""
    row = GOOD_ROWS[1].replace(b"Tidlig indsats", b"Ukendt formaal")
    [outcome] = map_bytes(DAYCARE, HEADER + b"\r\n" + row + b"\r\n", settings=SETTINGS)
    assert isinstance(outcome, Rejected)
    assert outcome.payload == HEADER + b"\r\n" + row + b"\r\n"
