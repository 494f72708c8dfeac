"""The multi-process mode (``--jobs``) gives exactly the outcomes of ``map_file``, in order."""

from __future__ import annotations

from pathlib import Path

from ssd_gateway.mapping import Mapping, map_file
from ssd_gateway.mapping.parallel import BATCH, map_file_parallel, parallel_ok
from tests.mapping.conftest import EXAMPLES, SETTINGS

SCHOOL_XML = (EXAMPLES / "elevsystem-stafetlog.xml").read_text(encoding="utf-8")


def _export(records: int, broken_tail: bool) -> str:
    """``records`` logs cycling through the example's; every 7th with a bad date and CPR."""
    start = SCHOOL_XML.index("  <sl:Stafetlog ")
    end = SCHOOL_XML.rindex("</sl:Stafetlog>") + len("</sl:Stafetlog>\n")
    logs = [f"  {part.strip()}\n  </sl:Stafetlog>\n"
            for part in SCHOOL_XML[start:end].split("</sl:Stafetlog>") if part.strip()]
    body = []
    for i in range(records):
        log = logs[i % len(logs)]
        if i % 7 == 3:
            log = log.replace('dato="11.09.2007"', 'dato="31.09.2007"').replace(
                "120100-4321", "123456-7891").replace("030301-4128", "")
        body.append(log)
    tail = "  <sl:Stafetlog>\n" if broken_tail else ""
    return SCHOOL_XML[:start] + "".join(body) + tail + "</sl:StafetlogEksport>\n"


def _same(school: Mapping, tmp_path: Path, broken_tail: bool, explain: bool) -> None:
    path = tmp_path / "export.xml"
    path.write_text(_export(2 * BATCH + 5, broken_tail), encoding="utf-8")
    serial = list(map_file(school, path, settings=SETTINGS, explain=explain))
    parallel = list(map_file_parallel(school, path, 2, settings=SETTINGS, explain=explain))
    assert [type(o) for o in parallel] == [type(o) for o in serial]
    assert parallel == serial
    assert any(getattr(o, "problems", None) for o in serial)


def test_parallel_outcomes_equal_serial(school: Mapping, tmp_path: Path) -> None:
    """Records, problems (targets, codes, paths, lines) and payloads are the same."""
    assert parallel_ok(school)
    _same(school, tmp_path, broken_tail=False, explain=False)


def test_parallel_explain_and_syntax_failure_equal_serial(school: Mapping,
                                                          tmp_path: Path) -> None:
    """``--explain`` locations and a broken document's failure come out the same."""
    _same(school, tmp_path, broken_tail=True, explain=True)


def test_non_xml_mapping_falls_back_to_serial(daycare: Mapping) -> None:
    """CSV (and JSON) mappings are mapped in one process."""
    assert not parallel_ok(daycare)
    serial = list(map_file(daycare, EXAMPLES / "dagtilbud-samtykker.csv", settings=SETTINGS))
    assert list(map_file_parallel(daycare, EXAMPLES / "dagtilbud-samtykker.csv", 2,
                                  settings=SETTINGS)) == serial
