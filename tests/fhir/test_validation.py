"""validate_bundle: fhir.resources' structure checks, translated to FHIR paths, plus invariants."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

from ssd_gateway.fhir import validate_bundle


def test_samples_are_valid(bundles: dict[str, dict[str, Any]]) -> None:
    """Every sample Bundle validates without problems."""
    assert {k: validate_bundle(b) for k, b in bundles.items()} == {k: [] for k in bundles}


def test_structural_error_has_a_fhir_path(bundles: dict[str, dict[str, Any]]) -> None:
    """A wrongly typed element and an unknown element are reported at their FHIR paths."""
    bundle = copy.deepcopy(bundles["underretning"])
    bundle["entry"][1]["resource"]["status"] = 5
    bundle["entry"][1]["resource"]["colour"] = "red"
    paths = {p.path: p.code for p in validate_bundle(bundle)}
    assert paths == {"Bundle.entry[1].resource.status": "fhir_structure",
                     "Bundle.entry[1].resource.colour": "fhir_structure"}


def test_timestamp_without_time_zone_is_refused(bundles: dict[str, dict[str, Any]]) -> None:
    """A Bundle.timestamp without a UTC offset is a structural error."""
    bundle = copy.deepcopy(bundles["consent"])
    bundle["timestamp"] = "2026-03-10T11:00:00"
    assert [p.path for p in validate_bundle(bundle)] == ["Bundle.timestamp"]


def test_structure_and_invariants_are_both_reported(bundles: dict[str, dict[str, Any]]) -> None:
    """A broken element and a broken invariant are both reported in one call."""
    bundle = copy.deepcopy(bundles["consent"])
    bundle["entry"].reverse()
    bundle["entry"][0]["resource"]["status"] = 5
    codes = {p.code for p in validate_bundle(bundle)}
    assert {"fhir_structure", "ssd-msg-1"} <= codes


def test_not_a_dict_is_a_problem_not_a_crash() -> None:
    """Non-object input yields a Problem instead of an exception."""
    assert [p.code for p in validate_bundle([])] == ["fhir_structure"]  # type: ignore[arg-type]


def test_shapes_fhir_core_cannot_read_are_problems_not_crashes(
        bundles: dict[str, dict[str, Any]]) -> None:
    """A uri given as an array and an unknown resourceType (fhir_core raises TypeError and
    KeyError on these) are reported as structural problems."""
    as_array = copy.deepcopy(bundles["consent"])
    as_array["entry"][0]["fullUrl"] = [as_array["entry"][0]["fullUrl"]]
    unknown = copy.deepcopy(bundles["consent"])
    unknown["entry"][1]["resource"]["resourceType"] = "Telegram"
    for bundle in (as_array, unknown):
        assert "fhir_structure" in {p.code for p in validate_bundle(bundle)}


def test_import_is_lazy() -> None:
    """Importing ssd_gateway.fhir loads neither fhir.resources nor fhirpathpy."""
    code = ("import sys, ssd_gateway.fhir; "
            "print(any(m.startswith(('fhir.resources', 'fhirpathpy')) for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
