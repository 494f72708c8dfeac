"""The project terminology: complete, current, and the only source of the codes we emit."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from ssd_gateway.exceptions import Problem
from ssd_gateway.fhir import load_terminology, make_acknowledgement, urls
from ssd_gateway.fhir.terminology import _build, coding, defined_codes, is_project_system
from ssd_gateway.model import codes
from tests.fhir.conftest import codings

ENUMS: dict[type[StrEnum], str] = {
    codes.Sector: "sector", codes.Category: "information-category", codes.Purpose: "purpose",
    codes.Basis: "legal-basis", codes.RecordKind: "event-code",
    codes.FeedbackOutcome: "feedback-outcome", codes.NotifierKind: "notifier-kind",
}


def test_files_are_up_to_date(tmp_path: Path) -> None:
    """The shipped JSON equals what _build generates from the model's code lists now."""
    written = _build.write(tmp_path)
    for path in written:
        shipped = _build.HERE / path.name
        assert shipped.exists(), path.name
        assert json.loads(shipped.read_text()) == json.loads(path.read_text()), path.name
    assert len(list(_build.HERE.glob("*.json"))) == len(written)


@pytest.mark.parametrize(("enum", "name"), list(ENUMS.items()))
def test_every_model_code_is_defined(enum: type[StrEnum], name: str) -> None:
    """Each value of the model's code lists is a concept of its CodeSystem."""
    assert {m.value for m in enum} <= defined_codes(urls.code_system(name))


def test_reason_codes_cover_the_domain_table() -> None:
    """Every rule of DOMAIN.md §4 has its refusal code, with the rule id as a property."""
    cs = load_terminology()[urls.code_system("reason-code")]
    rules = {c["code"]: {p["code"]: p.get("valueString") for p in c["property"]}
             for c in cs["concept"]}
    assert rules["CONSENT_REVOKED"]["rule"] == "CON-5"
    assert rules["STAFETLOG_CLOSED"]["rule"] == "STA-2"
    assert len([r for r in rules.values() if "rule" in r]) == 29


def test_every_value_set_includes_an_existing_code_system() -> None:
    """Each ValueSet includes a CodeSystem that is published beside it."""
    terminology = load_terminology()
    value_sets = [r for r in terminology.values() if r["resourceType"] == "ValueSet"]
    assert len(value_sets) >= 7
    for vs in value_sets:
        [include] = vs["compose"]["include"]
        assert terminology[include["system"]]["resourceType"] == "CodeSystem"


def test_concepts_have_danish_designations() -> None:
    """Every concept has an English display and a Danish designation."""
    for resource in load_terminology().values():
        for concept in resource.get("concept", []):
            assert concept["display"] and concept["designation"][0]["language"] == "da"


def test_coding_refuses_an_undefined_code() -> None:
    """The mapper's coding() helper cannot emit a code its CodeSystem lacks."""
    assert coding("sector", "school")["display"] == "Public school"
    with pytest.raises(KeyError):
        coding("sector", "kindergarten")


def _project_codings(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for doc in documents for c in codings(doc)
            if isinstance(c["system"], str) and is_project_system(c["system"])]


def test_every_code_emitted_is_defined(bundles: dict[str, dict[str, Any]]) -> None:
    """Every project Coding in every sample Bundle and acknowledgement is defined."""
    problem = Problem("record.child.id", "not_cpr_format", "x", "y")
    documents = [*bundles.values(),
                 make_acknowledgement(bundles["consent"], "fatal-error", [problem],
                                      ["PARENTS_NOT_INFORMED_NO_REASON"])]
    terminology = load_terminology()
    found = _project_codings(documents)
    assert len(found) > 50
    for c in found:
        assert c["system"] in terminology, c
        if terminology[c["system"]]["content"] == "complete":
            assert c["code"] in defined_codes(c["system"]), c
