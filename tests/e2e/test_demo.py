"""``ssd-gateway demo`` end to end, run as a user runs it, checked by tools nobody here wrote."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ssd_gateway.model.cpr import looks_like_cpr
from ssd_gateway.samples import PERSONAL_NAMES, child
from tests.conftest import SHARED, require_tool

pytestmark = pytest.mark.slow
VALIDATOR = SHARED / "tools" / "fhir-validate"


def ssd(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ssd-gateway command line in a fresh process."""
    return subprocess.run([sys.executable, "-m", "ssd_gateway", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd, check=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str],
                                                            Path, Path]:
    """One run of ``demo --out OUT --data DATA``."""
    root = tmp_path_factory.mktemp("demo")
    out, data = root / "out", root / "data"
    return ssd("demo", "--out", str(out), "--data", str(data), cwd=root), out, data


def test_demo_tells_the_story_and_exits_zero(demo: tuple) -> None:
    """The demo exits 0 with the relay at the school and every log verified (Danish summary)."""
    result, _, _ = demo
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Stafetholder nu: skole-valby" in result.stdout
    assert "bh-solsikken OK, skole-valby OK, bfa-kbh OK" in result.stdout
    assert "afvist: CONSENT_RECIPIENT_NOT_COVERED" in result.stdout
    assert "8 overførsler kvitteret, 1 afvist før afsendelse" in result.stdout


def test_demo_writes_at_least_five_bundles_and_three_xml(demo: tuple) -> None:
    """--out holds at least 5 FHIR Bundles and 3 XML messages (plus their acknowledgements)."""
    _, out, _ = demo
    bundles = [p for p in out.glob("*.json") if not p.name.endswith("-ack.json")]
    xml = [p for p in out.glob("*.xml") if not p.name.endswith("-ack.xml")]
    assert len(bundles) >= 5 and len(xml) >= 3


def test_every_bundle_passes_the_independent_validator(demo: tuple) -> None:
    """Medplum's validator and the official R4 JSON schema accept every Bundle written."""
    node = require_tool("node", "apt-get install nodejs")
    if not (VALIDATOR / "node_modules").is_dir():
        require_tool("fhir-validate node_modules", f"npm ci in {VALIDATOR}")
    _, out, _ = demo
    files = sorted(str(p) for p in out.glob("*.json"))
    result = subprocess.run([node, "validate.mjs", *files], cwd=VALIDATOR, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"{len(files)} valid, 0 invalid" in result.stdout


def test_every_xml_message_validates_with_xmllint(demo: tuple) -> None:
    """xmllint --schema accepts every XML message (envelope.xsd) and acknowledgement."""
    xmllint = require_tool("xmllint", "apt-get install libxml2-utils")
    _, out, _ = demo
    schemas = Path(__file__).resolve().parents[2] / "schemas"
    for path in sorted(out.glob("*.xml")):
        xsd = "acknowledgement.xsd" if path.name.endswith("-ack.xml") else "envelope.xsd"
        result = subprocess.run([xmllint, "--noout", "--schema", str(schemas / xsd), str(path)],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr


def test_logs_verify_and_a_changed_byte_is_found(demo: tuple, tmp_path: Path) -> None:
    """log verify --data passes on the demo's state, and names the entry after one edit."""
    import shutil

    _, _, data = demo
    assert ssd("log", "verify", "--data", str(data)).returncode == 0
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    for config in copy.glob("*/gateway.toml"):
        text = config.read_text().replace(str(data), str(copy))
        config.write_text(text)
    db = copy / "skole-valby" / "data" / "gateway.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit_entry SET canonical = canonical || ' ' WHERE seq = 3")
    result = ssd("log", "verify", "--data", str(copy))
    assert result.returncode == 1
    assert re.search(r"skole-valby: .*entry 3", result.stdout), result.stdout


def test_no_personal_data_in_logs_or_metrics(demo: tuple) -> None:
    """No CPR-shaped number, no demo name and no message text in any *.log line or metric."""
    _, _, data = demo
    files = [*data.rglob("*.log"), *data.rglob("metrics.prom")]
    assert any(p.suffix == ".log" and p.stat().st_size > 0 for p in files)
    assert len([p for p in files if p.name == "metrics.prom"]) == 3
    from datetime import date

    cpr = child(date.today())["id"]
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            assert not looks_like_cpr(line), f"{path.name}: CPR-shaped number"
            assert cpr not in line and cpr[:6] + "-" + cpr[6:] not in line
            for name in PERSONAL_NAMES:
                assert name not in line, f"{path.name}: a name"
            assert "madpakke" not in line and "stille" not in line, f"{path.name}: text"
