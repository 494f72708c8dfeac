"""The ``policy`` commands: decide one, decide many, explain in Danish and English."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssd_gateway.cli.app import build
from ssd_gateway.policy.bulk import decide_stream
from tests.policy.builders import request

runner = CliRunner()


def _write(tmp_path: Path, body: object) -> str:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return str(path)


def test_decide_bare_request(tmp_path: Path) -> None:
    """A bare request file gives one decision JSON."""
    result = runner.invoke(build(), ["policy", "decide", _write(tmp_path, request())])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["decision"] == "permit"


def test_explain_danish_by_default(tmp_path: Path) -> None:
    """explain prints basis, reasons with source and remedy, in Danish."""
    path = _write(tmp_path, {"request": request(consents=[]), "expect": {}})
    result = runner.invoke(build(), ["policy", "explain", path])
    assert result.exit_code == 0
    assert "Afgørelse: AFVIST" in result.stdout
    assert "CONSENT_MISSING" in result.stdout and "Kilde: 001:884-890" in result.stdout
    assert "Sådan bliver det lovligt" in result.stdout and "underretning" in result.stdout


def test_explain_english(tmp_path: Path) -> None:
    """--lang en explains in English, naming the basis of a permit."""
    result = runner.invoke(build(), ["policy", "explain", "--lang", "en",
                                     _write(tmp_path, request())])
    assert result.exit_code == 0
    assert "Decision: PERMITTED" in result.stdout and "Basis: consent" in result.stdout


def test_policy_error_exit_code(tmp_path: Path) -> None:
    """An unknown profile key exits 2 with the error on stderr, no decision."""
    path = _write(tmp_path, request(profile={"nonsense": 1}))
    result = runner.invoke(build(), ["policy", "decide", path])
    assert result.exit_code == 2
    assert "nonsense" in result.stderr


def test_bulk_error_lines_keep_alignment() -> None:
    """A bad line yields an error line, so output line n answers input line n."""
    good = json.dumps(request()).encode()
    bad_profile = json.dumps(request(profile={"x": 1})).encode()
    source = io.BytesIO(b"\n".join([good, b"{not json", bad_profile, good]) + b"\n")
    sink = io.BytesIO()
    decide_stream(source, sink, jobs=1)
    lines = [json.loads(x) for x in sink.getvalue().splitlines()]
    assert [x.get("decision") or x["error"]["code"] for x in lines] == [
        "permit", "INVALID_JSON", "POLICY_CONFIGURATION", "permit"]


def test_bulk_parallel_keeps_order() -> None:
    """With worker processes the output is still in input order."""
    bodies = [request(consents=[] if i % 3 == 0 else None) for i in range(5000)]
    source = io.BytesIO(b"".join(json.dumps(b).encode() + b"\n" for b in bodies))
    sink = io.BytesIO()
    decide_stream(source, sink, jobs=2)
    out = [json.loads(x)["decision"] for x in sink.getvalue().splitlines()]
    assert out == ["deny" if i % 3 == 0 else "permit" for i in range(5000)]


def test_bulk_chunks_cut_at_line_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small chunks: lines longer than a chunk, blank lines and no final newline keep order."""
    from ssd_gateway.policy import bulk

    monkeypatch.setattr(bulk, "CHUNK_BYTES", 64)
    good = json.dumps(request()).encode()
    source = io.BytesIO(b"\n".join([good, b"", b"{not json", b"  ", good, b"[]", good]))
    sink = io.BytesIO()
    decide_stream(source, sink, jobs=2)
    lines = [json.loads(x) for x in sink.getvalue().splitlines()]
    assert [x.get("decision") or x["error"]["code"] for x in lines] == [
        "permit", "INVALID_JSON", "permit", "deny", "permit"]
