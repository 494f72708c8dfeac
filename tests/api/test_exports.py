"""POST /v1/exports/{mapping}?to=ORG maps a journal export, submits good records, keeps bad."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import DAYCARE, HEALTH, REPO, SCHOOL, SOCIAL, Api, assert_problem

EXAMPLES = REPO / "mappings" / "examples"


def test_health_visitor_underretninger_are_submitted(open_api: Callable[[str], Api]) -> None:
    """The health visitors' JSON export: every underretning permitted to the social authority."""
    api = open_api(HEALTH)
    export = (EXAMPLES / "sundhedspleje-underretninger.json").read_bytes()
    response = api.client.post(f"/v1/exports/sundhedspleje-underretning?to={SOCIAL}&format=xml",
                               content=export, headers={**api.auth("submit", "read"),
                                                        "Content-Type": "application/json"})
    assert response.status_code == 202, response.text
    report = response.json()
    assert report["mapping"] == "sundhedspleje-underretning" and report["to"] == SOCIAL
    assert report["summary"]["quarantined"] == 0 and report["summary"]["denied"] == 0
    assert report["summary"]["submitted"] == report["summary"]["records"] >= 1
    for record in report["records"]:
        assert record["status"] == "submitted" and record["decision"] == "permit"
        view = api.client.get(f"/v1/transfers/{record['transfer_id']}",
                              headers=api.auth("read")).json()
        assert view["kind"] == "underretning" and view["format"] == "xml"
        assert view["peer"] == SOCIAL and view["basis"] == "underretning"


def test_bad_rows_are_quarantined_and_good_ones_decided(open_api: Callable[[str], Api]) -> None:
    """The daycare's faulty CSV: bad rows quarantined with paths and source; others decided."""
    api = open_api(DAYCARE)
    export = (EXAMPLES / "dagtilbud-samtykker-fejl.csv").read_bytes()
    response = api.client.post(f"/v1/exports/dagtilbud-samtykker?to={SCHOOL}", content=export,
                               headers={**api.auth("submit"), "Content-Type": "text/csv"})
    assert response.status_code == 202, response.text
    report = response.json()
    summary = report["summary"]
    assert summary["records"] == summary["submitted"] + summary["quarantined"]
    assert summary["quarantined"] >= 1 and summary["submitted"] >= 1
    bad = [r for r in report["records"] if r["status"] == "quarantined"]
    assert all(r["quarantine_id"] is not None and r["problems"] for r in bad)
    problem = bad[0]["problems"][0]
    assert problem["path"] and problem["code"] and problem["source"]["line"] >= 2
    kept = {e.id: e for e in api.gateway.quarantine.entries(status="open")}
    assert {r["quarantine_id"] for r in bad} <= set(kept)
    assert {kept[r["quarantine_id"]].mapping_id for r in bad} == {"dagtilbud-samtykker"}
    good = [r for r in report["records"] if r["status"] == "submitted"]
    assert all(r["transfer_id"] and r["record_id"] for r in good)
    # every mapped record was decided: a refusal says why (these consents are not registered)
    assert all(r["decision"] == "permit" or r["reasons"] for r in good)


def test_an_export_needs_a_known_recipient(open_api: Callable[[str], Api]) -> None:
    """Without ?to= the request is invalid (path to); an unknown organisation is refused."""
    api = open_api(DAYCARE)
    export = (EXAMPLES / "dagtilbud-samtykker.csv").read_bytes()
    missing = api.client.post("/v1/exports/dagtilbud-samtykker", content=export,
                              headers=api.auth("submit"))
    body = assert_problem(missing, 422, "REQUEST_INVALID")
    assert body["errors"][0]["path"] == "to"
    unknown = api.client.post("/v1/exports/dagtilbud-samtykker?to=nobody", content=export,
                              headers=api.auth("submit"))
    assert unknown.status_code in (403, 404), unknown.text
    assert unknown.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("garbage", [b"\x00\xff not a csv at all", b""])
def test_an_unreadable_export_never_crashes(open_api: Callable[[str], Api],
                                            garbage: bytes) -> None:
    """Garbage is answered with a report (quarantined) or a problem, never a 500."""
    api = open_api(DAYCARE)
    response = api.client.post(f"/v1/exports/elevsystem-stafetlog?to={SCHOOL}", content=garbage,
                               headers=api.auth("submit"))
    assert response.status_code < 500, response.text
