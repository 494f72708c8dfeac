"""The Python form of each invariant (what runs) agrees with its FHIRPath form (the definition).

Bundles: every sample message and acknowledgement, then variations of them made by one to
three random edits (an element deleted, nulled, replaced by another string of the Bundle or
by a code the rules look for, wrapped in an array or unwrapped, an entry duplicated, entries
reordered). Where fhirpathpy answers, both forms must give the same answer; where fhirpathpy
itself fails (a null entry, a resourceType that is an array — shapes fhir.resources refuses
anyway), the Python form must still answer without raising.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssd_gateway.exceptions import Problem
from ssd_gateway.fhir import make_acknowledgement
from ssd_gateway.fhir._collections import BundleView
from ssd_gateway.fhir.invariants import INVARIANTS, _compiled
from tests.fhir.test_invariants import BREAKERS, _sample

Path = tuple[int | str, ...]
_LURES = ["ok", "fatal-error", "message", "Organization", "Provenance", "MessageHeader",
          "Consent", "Communication", "OperationOutcome", "anonymous_consultation"]
#: the elements the rules read; most edits hit one of them, so that every rule gets broken
_READ = {"type", "id", "timestamp", "entry", "fullUrl", "resource", "resourceType", "focus",
         "reference", "response", "code", "text", "target", "sender", "identifier",
         "destination", "receiver", "provision", "period", "start", "end", "patient", "actor",
         "subject", "category", "coding", "system"}


@pytest.fixture(scope="module")
def originals(bundles: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every sample Bundle plus an ok and a fatal-error acknowledgement."""
    problem = Problem("", "RECORD_INVALID", "ugyldig", "invalid")
    return [*bundles.values(),
            make_acknowledgement(bundles["consent"], "fatal-error", [problem]),
            make_acknowledgement(bundles["consent"], "ok", [])]


def _paths(value: Any, path: Path = ()) -> Iterator[Path]:
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*path, i))


def _at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def _edit(bundle: dict[str, Any], rnd: random.Random) -> None:
    paths = [p for p in _paths(bundle) if p]
    if not paths:
        return
    read = [p for p in paths if p[-1] in _READ or (len(p) > 1 and p[-2] in _READ)]
    path = rnd.choice(read if read and rnd.random() < 0.8 else paths)
    parent, key = _at(bundle, path[:-1]), path[-1]
    strings = [s for p in paths if isinstance(s := _at(bundle, p), str) and len(s) < 80]
    op = rnd.randrange(8)
    if op == 0:
        del parent[key]
    elif op == 1:
        parent[key] = None
    elif op == 2:
        parent[key] = rnd.choice(strings + _LURES)
    elif op == 3 and isinstance(parent, list):
        parent.insert(rnd.randrange(len(parent) + 1), copy.deepcopy(parent[key]))
    elif op == 4 and isinstance(parent, list):
        rnd.shuffle(parent)
    elif op == 5:
        parent[key] = [parent[key]]
    elif op == 6 and isinstance(parent[key], list) and parent[key]:
        parent[key] = parent[key][0]
    elif op == 7:
        parent[key] = []


def _variation(originals: list[dict[str, Any]], rnd: random.Random) -> dict[str, Any]:
    bundle = copy.deepcopy(rnd.choice(originals))
    for _ in range(rnd.randint(1, 3)):
        _edit(bundle, rnd)
    return bundle


def _fhirpath(bundle: dict[str, Any]) -> dict[str, bool | None]:
    """Each invariant's FHIRPath answer, None where fhirpathpy raised."""
    out: dict[str, bool | None] = {}
    for inv, rule in _compiled():
        try:
            out[inv.key] = rule(bundle, {"bundle": bundle}) == [True]
        except Exception:
            out[inv.key] = None
    return out


def _python(bundle: dict[str, Any]) -> dict[str, bool]:
    view = BundleView(bundle)
    return {inv.key: inv.check(view) for inv in INVARIANTS}


def _disagreements(bundle: dict[str, Any]) -> dict[str, tuple[bool, bool]]:
    python = _python(bundle)
    return {key: (python[key], ref) for key, ref in _fhirpath(bundle).items()
            if ref is not None and ref != python[key]}


def test_both_forms_agree_on_the_samples(originals: list[dict[str, Any]]) -> None:
    """On every sample Bundle both forms hold for every invariant."""
    for bundle in originals:
        assert _fhirpath(bundle) == _python(bundle) == {inv.key: True for inv in INVARIANTS}


def test_both_forms_agree_on_the_breaking_cases(bundles: dict[str, dict[str, Any]]) -> None:
    """Each rule's breaking case (tests/fhir/test_invariants.py) breaks it in both forms."""
    for key, (kind, edit) in BREAKERS.items():
        bundle = _sample(kind, bundles)
        edit(bundle)
        assert _disagreements(bundle) == {}, key
        if key in _python(bundle):
            assert _python(bundle)[key] is False, key


def test_both_forms_agree_on_600_variations(originals: list[dict[str, Any]]) -> None:
    """600 fixed variations: the same answers; most rules are both kept and broken there."""
    outcomes: Counter[tuple[str, bool]] = Counter()
    for seed in range(600):
        bundle = _variation(originals, random.Random(seed))
        assert _disagreements(bundle) == {}, seed
        outcomes.update(_python(bundle).items())
    broken = {inv.key for inv in INVARIANTS if outcomes[(inv.key, False)]}
    assert len(broken) >= len(INVARIANTS) - 2, sorted(broken)
    assert all(outcomes[(inv.key, True)] for inv in INVARIANTS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rnd=st.randoms(use_true_random=False))
def test_both_forms_agree_on_generated_variations(originals: list[dict[str, Any]],
                                                  rnd: random.Random) -> None:
    """Hypothesis-chosen variations: wherever fhirpathpy answers, the Python form agrees."""
    assert _disagreements(_variation(originals, rnd)) == {}
