"""POST /v1/policy/decide and /explain answer the shared scenarios as the engine does."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import SCHOOL, Api
from tests.conftest import SHARED

SCENARIOS = sorted((SHARED / "scenarios").glob("*.json"))


@pytest.fixture(scope="module")
def api(open_api: Callable[[str], Api]) -> Api:
    """The school's local API."""
    return open_api(SCHOOL)


def _scenario(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_decide_meets_every_shared_scenario(api: Api, path: Path) -> None:
    """Each scenario's request gets its expected decision, basis, codes and obligations."""
    scenario = _scenario(path)
    response = api.client.post("/v1/policy/decide", json=scenario["request"],
                               headers=api.auth("policy"))
    assert response.status_code == 200, response.text
    decision, expect = response.json(), scenario["expect"]
    assert decision["decision"] == expect["decision"]
    if expect.get("basis"):
        assert decision["basis"] == expect["basis"]
    codes = {r["code"] for r in decision["reasons"]}
    assert set(expect.get("codes", [])) <= codes
    assert set(expect.get("obligations_include", [])) <= set(decision["obligations"])
    assert set(expect.get("warnings_include", [])) <= set(decision["warnings"])
    assert decision["rule_pack"].startswith(scenario["request"].get("rule_pack", "dk-sel"))


def test_explain_gives_the_decision_and_its_remedy(api: Api) -> None:
    """Explain (English) returns the same decision plus a text naming the rule and a remedy."""
    request = _scenario(SHARED / "scenarios" / "consent_recipient_not_covered.json")["request"]
    headers = api.auth("policy")
    decided = api.client.post("/v1/policy/decide", json=request, headers=headers).json()
    explained = api.client.post("/v1/policy/explain?lang=en", json=request, headers=headers)
    assert explained.status_code == 200
    body = explained.json()
    assert body["decision"] == decided
    assert "CON-6 CONSENT_RECIPIENT_NOT_COVERED" in body["explanation"]
    assert "REFUSED" in body["explanation"].upper()


def test_an_invalid_request_is_denied_as_record_invalid(api: Api) -> None:
    """The engine answers a malformed request with deny + RECORD_INVALID (GEN-3), not a 500."""
    response = api.client.post("/v1/policy/decide", json={"transfer": {}},
                               headers=api.auth("policy"))
    assert response.status_code == 200
    assert response.json()["decision"] == "deny"
    assert response.json()["reasons"][0]["code"] == "RECORD_INVALID"
