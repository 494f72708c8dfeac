"""The parser's fast paths agree with the checked paths: same object, or the same Invalid.

``_party``, ``_child``, ``_consent_at`` and ``_transfer`` try a fast path for well-formed
input and fall back to the field-by-field checks; every mutation below must come out exactly
as the checked path says (value or error path and code).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from ssd_gateway.policy import request as parser
from tests.policy.builders import child, consent, party, request, ssd, underretning

BAD_VALUES: list[Any] = [
    None, "", "x", 0, 1, True, False, [], {}, ["school"], [{}], {"a": 1}, "2025-13-01",
    "2025-09-01", "2026-03-10T09:00:00", "2026-03-10T09:00:00+01:00", "0101", "01a1",
    "020315-4321", "0203154321", "3102154321", [{"sector": "school", "org_id": 3}],
    [{"person_id": "mor-1", "role": "child"}], [{"person_id": "", "role": "child"}],
    ["identity", "bogus"], ["coordination"], "written", "oral", "school", "stafetlog",
]


def _outcome(parse: Callable[[Any], Any], data: Any) -> Any:
    try:
        return ("ok", parse(data))
    except parser.Invalid as exc:
        return ("invalid", exc.path, exc.code)


def _mutations(base: dict[str, Any]) -> list[Any]:
    out: list[Any] = [copy.deepcopy(base), None, [], "x"]
    for key in [*base, "extra"]:
        for value in BAD_VALUES:
            changed = copy.deepcopy(base)
            changed[key] = copy.deepcopy(value)
            out.append(changed)
        dropped = copy.deepcopy(base)
        dropped.pop(key, None)
        out.append(dropped)
    return out


@pytest.mark.parametrize("base", [
    party("skole-valby", "school"), party("x", "hospital", public_task=True),
    {"org_id": "a", "sector": "ppr"},
])
def test_party(base: dict[str, Any]) -> None:
    """Parties: the fast path (and its cache) never differs from the checked path."""
    assert parser._party(base, "p") is parser._party(dict(base), "p"), "fast path, cached"
    for data in _mutations(base):
        assert _outcome(lambda d: parser._party(d, "p"), data) == _outcome(
            lambda d: parser._party_checked(d, "p"), data), data


@pytest.mark.parametrize("base", [child(), child(id="020315-4321", name="Ida"),
                                  child(id="not-a-cpr", custody_holders=[])])
def test_child(base: dict[str, Any]) -> None:
    """Children: same object or the same Invalid."""
    if base["id"] != "not-a-cpr":
        assert parser._child_fast(base) is not None
    for data in _mutations(base):
        assert _outcome(parser._child, data) == _outcome(parser._child_checked, data), data


@pytest.mark.parametrize("base", [
    consent(), consent(revoked_at="2026-03-10T09:00:00+01:00", form="oral"),
    consent(valid_until=None, revoked_at="2026-03-10T09:00:00",
            parties=[{"sector": "school", "org_id": "skole-valby"}, {"sector": "daycare"}]),
])
def test_consent(base: dict[str, Any]) -> None:
    """Consents: same object or the same Invalid, nested lists included."""
    assert parser._consent_fast(base) is not None
    for data in _mutations(base):
        assert _outcome(parser._consent_at, data) == _outcome(parser._consent_checked, data), data
    for key in ("granted_by", "parties"):
        for index in range(len(base[key])):
            for inner in [*base[key][index], "extra"]:
                for value in BAD_VALUES:
                    changed = copy.deepcopy(base)
                    changed[key][index][inner] = copy.deepcopy(value)
                    assert _outcome(parser._consent_at, changed) == _outcome(
                        parser._consent_checked, changed), changed


@pytest.mark.parametrize("body", [
    request(), request(basis="consent", consent_id="c1"), ssd(), underretning(),
])
def test_transfer(body: dict[str, Any]) -> None:
    """Transfers: same object or the same Invalid (sub-objects keep their checked order)."""
    for data in _mutations(body["transfer"]):
        assert _outcome(parser._transfer, data) == _outcome(parser._transfer_checked, data), data
