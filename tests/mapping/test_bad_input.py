"""A malformed export never crashes the batch: every problem is reported with its place."""

from __future__ import annotations

import io
import textwrap

from ssd_gateway.mapping import Mapped, Mapping, Rejected, map_bytes, parse_mapping
from tests.mapping.conftest import EXAMPLES, SETTINGS

SCHOOL_XML = (EXAMPLES / "elevsystem-stafetlog.xml").read_text(encoding="utf-8")
DAYCARE_CSV = (EXAMPLES / "dagtilbud-samtykker.csv").read_bytes()
HEALTH_JSON = (EXAMPLES / "sundhedspleje-underretninger.json").read_bytes()


def outcomes(mapping: Mapping, data: bytes) -> list[Mapped | Rejected]:
    """Map ``data`` with the fixed test settings."""
    return list(map_bytes(mapping, data, settings=SETTINGS))


def test_bad_xml_record_reports_every_problem_with_xpath_line_and_target(
        school: Mapping) -> None:
    """A bad date and a bad CPR in record 1 are both reported; record 2 still maps."""
    broken = SCHOOL_XML.replace('dato="11.09.2007"', 'dato="31.09.2007"', 1).replace(
        "120100-4321", "123456-7891", 1)
    first, second = outcomes(school, broken.encode())
    assert isinstance(first, Rejected) and isinstance(second, Mapped)
    found = {p.target: p for p in first.problems}
    assert set(found) == {"section_a.assessments[1].date", "child.id"}
    date = found["section_a.assessments[1].date"]
    assert date.code == "date_impossible"
    assert date.location.path == ("/sl:StafetlogEksport/sl:Stafetlog[1]/sl:AfsnitA/"
                                  "sl:Vurderinger/sl:Vurdering[2]/@dato")
    assert date.location.line == SCHOOL_XML.splitlines().index(
        next(x for x in SCHOOL_XML.splitlines() if 'dato="11.09.2007"' in x)) + 1
    assert found["child.id"].location.path.endswith("Stafetlog[1]/sl:Barn/p:CprNr")
    assert first.payload.startswith(b"<?xml") and b"SL-2007-0113" in first.payload


def test_missing_required_field_points_at_where_the_mapping_looks(school: Mapping) -> None:
    """A record without its creation date names the XPath the mapping reads it from."""
    broken = SCHOOL_XML.replace("<sl:Oprettet>06.09.2007</sl:Oprettet>", "", 1)
    first, _ = outcomes(school, broken.encode())
    assert isinstance(first, Rejected)
    [problem] = first.problems
    assert (problem.target, problem.code) == ("created_on", "missing")
    assert problem.location.path == "/sl:StafetlogEksport/sl:Stafetlog[1]/sl:Oprettet"


def test_xml_with_doctype_is_refused_without_expanding_entities(school: Mapping) -> None:
    """An XXE attempt is one document-level rejection; the entity is never resolved."""
    evil = SCHOOL_XML.replace(
        "<sl:StafetlogEksport",
        '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<sl:StafetlogEksport', 1
    ).replace("<p:Navn>Hans Hansen</p:Navn>", "<p:Navn>&xxe;</p:Navn>", 1)
    [rejected] = outcomes(school, evil.encode())
    assert isinstance(rejected, Rejected)
    assert (rejected.scope, rejected.reason_codes) == ("document", ["xml_unsafe"])
    assert b"root:" not in rejected.payload


def test_undefined_entity_without_doctype_is_a_syntax_error(school: Mapping) -> None:
    """An entity reference with no declaration cannot be expanded: a syntax rejection."""
    evil = SCHOOL_XML.replace("<p:Navn>Sofie Nielsen</p:Navn>", "<p:Navn>&lol;</p:Navn>", 1)
    results = outcomes(school, evil.encode())
    assert isinstance(results[0], Mapped)
    assert isinstance(results[-1], Rejected) and results[-1].reason_codes == ["xml_syntax"]


def test_truncated_xml_maps_what_came_before_and_keeps_the_document(school: Mapping) -> None:
    """An export cut off in record 2 maps record 1 and rejects the rest with its line."""
    cut = SCHOOL_XML[: SCHOOL_XML.index("<sl:OprettetAf medarbejderId=\"M-219\">")]
    first, rest = outcomes(school, cut.encode())
    assert isinstance(first, Mapped) and first.record.id == "SL-2007-0113"
    assert isinstance(rest, Rejected) and rest.scope == "document"
    assert rest.problems[0].code == "xml_syntax"
    assert rest.location.line is not None and rest.location.line >= cut.count("\n")
    assert rest.payload == cut.encode()


def test_undecodable_csv_byte_rejects_only_its_row(daycare: Mapping) -> None:
    """A byte cp1252 cannot decode (0x81) in row 2 rejects row 2; rows 1 and 3 map."""
    rows = DAYCARE_CSV.split(b"\r\n")
    rows[2] = rows[2].replace(b"Nour", b"No\x81r")
    results = outcomes(daycare, b"\r\n".join(rows))
    assert [type(r).__name__ for r in results] == ["Mapped", "Rejected", "Mapped"]
    bad = results[1]
    assert isinstance(bad, Rejected)
    assert bad.reason_codes == ["encoding"] and bad.location.line == 3
    assert b"No\x81r" in bad.payload and bad.payload.startswith(rows[0])


def test_csv_row_with_wrong_column_count_is_rejected(daycare: Mapping) -> None:
    """A row missing its trailing columns is rejected with the counts; the rest maps."""
    rows = DAYCARE_CSV.split(b"\r\n")
    rows[1] = b";".join(rows[1].split(b";")[:10])
    results = outcomes(daycare, b"\r\n".join(rows))
    bad = results[0]
    assert isinstance(bad, Rejected) and "csv_columns" in bad.reason_codes
    assert [type(r).__name__ for r in results[1:]] == ["Mapped", "Mapped"]


def test_csv_header_without_a_mapped_column_rejects_the_document(daycare: Mapping) -> None:
    """An export whose header lost a mapped column is one rejection naming the column."""
    changed = DAYCARE_CSV.replace("Formål;".encode("cp1252"), b"Hensigt;", 1)
    [rejected] = outcomes(daycare, changed)
    assert isinstance(rejected, Rejected) and rejected.scope == "document"
    assert rejected.reason_codes == ["csv_header"]
    assert "Formål" in rejected.problems[0].message_en


def test_utf8_with_bom_csv_is_read_when_declared() -> None:
    """A UTF-8 CSV with a byte-order mark reads its first header name without the BOM."""
    mapping = parse_mapping(textwrap.dedent("""\
        id: bom
        version: "1"
        source: {format: csv, delimiter: ";", encoding: utf-8-sig}
        target: {kind: private_note}
        fields:
          id: {path: Nr}
          child_id: {path: CPR}
          author.id: {path: Forfatter}
          written_at: {path: Skrevet, transforms: [datetime]}
          text: {path: Tekst}
    """))
    data = ("\ufeffNr;CPR;Forfatter;Skrevet;Tekst\r\n"
            "N-1;120100-4321;p-1;01.02.2026 09:30;Æblegrød\r\n")
    [result] = outcomes(mapping, data.encode("utf-8"))
    assert isinstance(result, Mapped) and result.record.id == "N-1"


def test_json_syntax_error_is_reported_with_line_and_column(health: Mapping) -> None:
    """Broken JSON gives one document rejection with the decoder's line and column."""
    broken = HEALTH_JSON.replace(b'"skema": "0-6 \xc3\xa5r",', b'"skema": "0-6 \xc3\xa5r"', 1)
    [rejected] = outcomes(health, broken)
    assert isinstance(rejected, Rejected) and rejected.reason_codes == ["json_syntax"]
    # the comma is missing at the end of line 11; the decoder stops at the next key, line 12
    assert rejected.location.line == 12 and rejected.location.column == 7


def test_json_problems_carry_json_pointers(health: Mapping) -> None:
    """An unknown notifier type in record 2 is reported at its JSON pointer."""
    broken = HEALTH_JSON.replace(b'"type": "OFFENTLIG"', b'"type": "FRIVILLIG"').replace(
        b'"type": "FRIVILLIG"', b'"type": "OFFENTLIG"', 1)
    first, second = outcomes(health, broken)
    assert isinstance(first, Mapped) and isinstance(second, Rejected)
    [problem] = second.problems
    assert problem.target == "notifier.kind" and problem.code == "unknown_code"
    assert problem.location.path == "/underretninger/1/underretter/type"


def test_problems_never_contain_source_values(daycare: Mapping) -> None:
    """Problem texts name fields and places, never the (personal) values themselves."""
    bad = (EXAMPLES / "dagtilbud-samtykker-fejl.csv").read_bytes()
    rejected = [r for r in outcomes(daycare, bad) if isinstance(r, Rejected)]
    text = " ".join(p.render() + p.render("en") for r in rejected for p in r.problems)
    for value in ("310221-4090", "Moster", "30.02.2026", "XYZ", "Ella"):
        assert value not in text


def test_explain_shows_source_value_and_location(daycare: Mapping) -> None:
    """--explain data: each target with the source value, its column and line."""
    result = next(iter(map_bytes(daycare, DAYCARE_CSV, settings=SETTINGS, explain=True)))
    assert isinstance(result, Mapped)
    by_target = {e.target: e for e in result.explanation}
    signed = by_target["signed_at"]
    assert (signed.source_value, signed.value) == ("14.01.2026", "2026-01-14")
    assert signed.location is not None and signed.location.render() == (
        "Underskrevet (linje 2, kolonne 11)")
    assert by_target["parties[1].sector"].value == "municipal_health"
    assert by_target["granted_by[0].role"].source_value == "Mor"


def test_xml_reader_frees_each_record_before_the_next(school: Mapping) -> None:
    """Streaming: when record n is handed out, only record n-1 remains before it, emptied."""
    end = SCHOOL_XML.rindex("</sl:Stafetlog>") + len("</sl:Stafetlog>")
    body = SCHOOL_XML[SCHOOL_XML.index("  <sl:Stafetlog "):end]
    many = SCHOOL_XML.replace(body, body * 50, 1).encode()
    kept_before = []
    with io.BytesIO(many) as stream:
        for record in school.format.read(stream):
            element = record.node[0]
            # the parser reads ahead, so later siblings may exist; earlier ones are freed
            previous = element.getprevious()
            kept_before.append(previous is not None and (
                len(previous) > 0 or previous.getprevious() is not None))
    assert len(kept_before) == 100 and not any(kept_before)
