"""Each project invariant holds on a good Bundle and is reported on a Bundle that breaks it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from ssd_gateway.exceptions import Problem
from ssd_gateway.fhir import make_acknowledgement
from ssd_gateway.fhir.invariants import INVARIANTS, PYTHON_CHECKS, check_invariants

Edit = Callable[[dict[str, Any]], None]


def _resource(bundle: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == resource_type)


def _header(bundle: dict[str, Any]) -> dict[str, Any]:
    return bundle["entry"][0]["resource"]


def _org(bundle: dict[str, Any], ref: dict[str, str]) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["fullUrl"] == ref["reference"])


#: invariant key → (sample kind, edit that breaks exactly that rule)
BREAKERS: dict[str, tuple[str, Edit]] = {
    "ssd-msg-1": ("consent", lambda b: b["entry"].append(b["entry"].pop(0))),
    "ssd-msg-2": ("consent", lambda b: b["entry"][3].update(fullUrl=b["entry"][4]["fullUrl"])),
    "ssd-msg-3": ("consent", lambda b: b.pop("timestamp")),
    "ssd-msg-4": ("consent", lambda b: _header(b)["focus"][0].update(reference="urn:uuid:x")),
    "ssd-msg-5": ("consent", lambda b: _header(b).pop("text")),
    "ssd-msg-6": ("consent", lambda b: _resource(b, "Provenance")["target"][0].update(
        reference="urn:uuid:other")),
    "ssd-msg-7": ("consent", lambda b: _org(b, _header(b)["sender"]).pop("identifier")),
    "ssd-msg-8": ("consent", lambda b: _org(
        b, _header(b)["destination"][0]["receiver"]).pop("identifier")),
    "ssd-consent-1": ("consent", lambda b: _resource(b, "Consent")["provision"].pop("period")),
    "ssd-consent-2": ("consent", lambda b: _resource(b, "Consent")["provision"].pop("actor")),
    "ssd-comm-1": ("underretning", lambda b: _resource(b, "Communication").pop("subject")),
    "ssd-comm-2": ("anonymous_consultation", lambda b: _resource(b, "Communication").update(
        subject={"reference": b["entry"][1]["fullUrl"]})),
    "ssd-ack-1": ("ack", lambda b: b["entry"].pop(1)),
    "ssd-code-1": ("consent", lambda b: _header(b)["eventCoding"].update(code="telegram")),
    "ssd-cpr-1": ("consent", lambda b: _resource(b, "Patient")["identifier"][0].update(
        value="3213194321")),
}


def test_every_invariant_has_a_breaking_case() -> None:
    """The table above covers every FHIRPath invariant and every Python check."""
    python_keys = {"ssd-code-1", "ssd-cpr-1"}
    assert len(PYTHON_CHECKS) == len(python_keys)
    assert set(BREAKERS) == {inv.key for inv in INVARIANTS} | python_keys


def _sample(kind: str, bundles: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if kind == "ack":
        problem = Problem("", "RECORD_INVALID", "ugyldig", "invalid")
        return make_acknowledgement(bundles["consent"], "fatal-error", [problem])
    return copy.deepcopy(bundles[kind])


@pytest.mark.parametrize("key", sorted(BREAKERS))
def test_invariant_holds_on_the_good_bundle(key: str,
                                            bundles: dict[str, dict[str, Any]]) -> None:
    """The unbroken sample satisfies the invariant."""
    kind, _ = BREAKERS[key]
    assert key not in {p.code for p in check_invariants(_sample(kind, bundles))}


@pytest.mark.parametrize("key", sorted(BREAKERS))
def test_invariant_reports_the_broken_bundle(key: str,
                                             bundles: dict[str, dict[str, Any]]) -> None:
    """Breaking the rule makes check_invariants report it, in Danish and English."""
    kind, edit = BREAKERS[key]
    bundle = _sample(kind, bundles)
    edit(bundle)
    problems = [p for p in check_invariants(bundle) if p.code == key]
    assert problems, check_invariants(bundle)
    assert problems[0].message_da and problems[0].message_en.startswith(key)


def test_all_samples_satisfy_every_invariant(bundles: dict[str, dict[str, Any]]) -> None:
    """No sample Bundle breaks any project invariant."""
    assert {kind: check_invariants(b) for kind, b in bundles.items()} == {
        kind: [] for kind in bundles}
