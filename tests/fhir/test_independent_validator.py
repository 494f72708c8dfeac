"""Every Bundle the project emits passes the independent Node validator (Medplum + JSON schema).

The validator lives in ``<repo>/../shared/tools/fhir-validate`` (``npm ci`` there once). The
test skips with the reason when ``node`` or the tool's ``node_modules`` is missing, and fails
instead when ``SSD_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ssd_gateway.exceptions import Problem
from ssd_gateway.fhir import load_terminology, make_acknowledgement
from tests.conftest import SHARED

TOOL = SHARED / "tools" / "fhir-validate"
pytestmark = pytest.mark.node


def _validator() -> list[str]:
    node = shutil.which("node")
    missing = ("node is not on PATH" if node is None else
               f"{TOOL / 'node_modules'} is missing (run npm ci in {TOOL})"
               if not (TOOL / "node_modules").is_dir() else None)
    if missing is not None:
        if os.environ.get("SSD_REQUIRE_SERVICES") == "1":
            pytest.fail(f"FHIR validator unavailable: {missing} and SSD_REQUIRE_SERVICES=1")
        pytest.skip(f"FHIR validator unavailable: {missing}")
    assert node is not None
    return [node, str(TOOL / "validate.mjs")]


def _write(tmp_path: Path, documents: dict[str, Any]) -> list[str]:
    paths = []
    for name, doc in documents.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    return paths


def test_every_emitted_bundle_passes(tmp_path: Path, bundles: dict[str, dict[str, Any]]) -> None:
    """All 12 sample Bundles, an ok and a fatal-error acknowledgement and the terminology pass."""
    command = _validator()
    problem = Problem("Bundle.entry[1].resource.status", "fhir_missing", "mangler", "missing")
    documents: dict[str, Any] = dict(bundles)
    documents["ack-ok"] = make_acknowledgement(bundles["consent"], "ok",
                                               warnings=["CONSENT_EXPIRES_SOON"])
    documents["ack-fatal"] = make_acknowledgement(bundles["underretning"], "fatal-error",
                                                  [problem])
    documents |= {r["id"] + "-" + r["resourceType"]: r for r in load_terminology().values()}
    result = subprocess.run([*command, *_write(tmp_path, documents)], capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert f"{len(documents)} valid, 0 invalid" in result.stdout


def test_validator_rejects_a_broken_bundle(tmp_path: Path,
                                           bundles: dict[str, dict[str, Any]]) -> None:
    """The validator is not a rubber stamp: a Communication without status is invalid."""
    command = _validator()
    broken = json.loads(json.dumps(bundles["underretning"]))
    del broken["entry"][1]["resource"]["status"]
    result = subprocess.run([*command, *_write(tmp_path, {"broken": broken})],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert "0 valid, 1 invalid" in result.stdout
