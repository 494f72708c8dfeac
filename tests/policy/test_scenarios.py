"""Every shared scenario (../shared/scenarios) through decide() and through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ssd_gateway.policy import decide
from tests.conftest import REPO, SHARED

SCENARIOS = sorted((SHARED / "scenarios").glob("*.json"))


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "ssd_gateway", "policy", *args], input=stdin,
                          capture_output=True, env=env, check=False, timeout=120)


def _meets(response: dict[str, Any], expect: dict[str, Any]) -> None:
    assert response["decision"] == expect["decision"]
    if expect["decision"] == "deny":
        assert response["basis"] is None
    elif expect.get("basis") is not None:
        assert response["basis"] == expect["basis"]
    codes = {r["code"] for r in response["reasons"]}
    assert set(expect.get("codes", [])) <= codes
    assert set(expect.get("obligations_include", [])) <= set(response["obligations"])
    assert set(expect.get("warnings_include", [])) <= set(response["warnings"])
    assert response["rule_pack"] == "dk-sel-2011@1"


def test_scenarios_present() -> None:
    """The shared scenarios are found (a missing folder must not pass silently)."""
    assert len(SCENARIOS) >= 12


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_through_decide(path: Path) -> None:
    """The scenario's request gets the expected decision from decide()."""
    scenario = json.loads(path.read_text(encoding="utf-8"))
    _meets(decide(scenario["request"]).as_dict(), scenario["expect"])


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_through_cli(path: Path) -> None:
    """``ssd-gateway policy decide FILE`` on the scenario file prints the expected decision."""
    result = _cli("decide", str(path))
    assert result.returncode == 0, result.stderr.decode()
    _meets(json.loads(result.stdout), json.loads(path.read_text(encoding="utf-8"))["expect"])


def test_scenarios_through_bulk_cli() -> None:
    """``policy decide -`` answers every JSON line with one decision line, in order."""
    scenarios = [json.loads(p.read_text(encoding="utf-8")) for p in SCENARIOS]
    lines = b"".join(json.dumps(s["request"]).encode() + b"\n" for s in scenarios)
    result = _cli("decide", "-", stdin=lines)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode().splitlines()
    assert len(out) == len(scenarios)
    for line, scenario in zip(out, scenarios, strict=True):
        _meets(json.loads(line), scenario["expect"])
