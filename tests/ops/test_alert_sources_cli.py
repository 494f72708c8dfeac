"""``ssd-gateway alerts``: one sweep and the open alerts, as a table or JSON, Danish or English."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from ssd_gateway.cli.app import build
from ssd_gateway.delivery.operations import retry_transfers
from tests.ops.test_alert_sources_support import PEER, dead_letter, open_gateway

runner = CliRunner()


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """The command configures logging onto the runner's stderr; undo that afterwards."""
    yield
    structlog.reset_defaults()


def _config(tmp_path: Path) -> Path:
    return tmp_path / "sandbox" / "bh-solsikken" / "gateway.toml"


def test_sweep_then_list_as_json(tmp_path: Path) -> None:
    """``--sweep --json`` raises the dead-letter alert and lists it; a second sweep raises
    nothing new but still lists it; after a retry the next sweep clears it."""
    gw = open_gateway(tmp_path)
    transfer_id = dead_letter(gw, PEER)
    app = build()
    first = runner.invoke(app, ["alerts", "--config", str(_config(tmp_path)), "--sweep",
                                "--json", "--lang", "en"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data["swept"] is True and data["raised"] == [f"dead_letters:{PEER}"]
    assert [(a["key"], a["kind"], a["text"]) for a in data["open"]] == [
        (f"dead_letters:{PEER}", "dead_letters", f"1 dead letters to {PEER}")]
    again = json.loads(runner.invoke(app, ["alerts", "-c", str(_config(tmp_path)), "--sweep",
                                           "--json"]).stdout)
    assert again["raised"] == [] and again["open"][0]["text"] == f"1 døde breve til {PEER}"
    with gw.sessions.begin() as session:
        retry_transfers(session, [transfer_id], actor="ole", audit=gw.audit)
    gw.close()
    last = json.loads(runner.invoke(app, ["alerts", "-c", str(_config(tmp_path)), "--sweep",
                                          "--json"]).stdout)
    assert last["cleared"] == [f"dead_letters:{PEER}"] and last["open"] == []


def test_listing_without_sweep_only_reads(tmp_path: Path) -> None:
    """Without ``--sweep`` nothing is raised: a fresh dead letter is not listed yet."""
    gw = open_gateway(tmp_path)
    dead_letter(gw, PEER)
    gw.close()
    result = runner.invoke(build(), ["alerts", "-c", str(_config(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"swept": False, "raised": [], "cleared": [],
                                         "open": []}


def test_table_in_danish_and_english(tmp_path: Path) -> None:
    """The table shows the alert's text in the chosen language."""
    gw = open_gateway(tmp_path)
    dead_letter(gw, PEER)
    gw.close()
    danish = runner.invoke(build(), ["alerts", "-c", str(_config(tmp_path)), "--sweep"],
                           env={"COLUMNS": "200"})
    assert danish.exit_code == 0, danish.output
    assert "1 nye, 0 afsluttede" in danish.stdout and "døde breve" in danish.stdout
    english = runner.invoke(build(), ["alerts", "-c", str(_config(tmp_path)), "--lang", "en"],
                            env={"COLUMNS": "200"})
    assert "dead letters to" in english.stdout and "severity" in english.stdout


def test_empty_and_bad_language(tmp_path: Path) -> None:
    """No alerts says so; an unknown language is a usage error."""
    open_gateway(tmp_path).close()
    empty = runner.invoke(build(), ["alerts", "-c", str(_config(tmp_path)), "--lang", "en"])
    assert "No open alerts" in empty.output
    bad = runner.invoke(build(), ["alerts", "-c", str(_config(tmp_path)), "--lang", "fr"])
    assert bad.exit_code == 2
