"""Fixtures of the XML tests: every sample rendered, and the xmllint command line."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ssd_gateway.model import Message
from ssd_gateway.xml import message_to_xml


@pytest.fixture(scope="session")
def documents(messages: dict[str, Message]) -> dict[str, bytes]:
    """Every sample message rendered as an XML envelope document, keyed by kind."""
    return {kind: message_to_xml(message) for kind, message in messages.items()}


@pytest.fixture(scope="session")
def xmllint() -> str:
    """Path of xmllint (skips, or fails when SSD_REQUIRE_SERVICES=1, if it is missing)."""
    found = shutil.which("xmllint")
    if found is None:
        reason = "xmllint not installed (apt-get install libxml2-utils)"
        if os.environ.get("SSD_REQUIRE_SERVICES") == "1":
            pytest.fail(reason + " and SSD_REQUIRE_SERVICES=1")
        pytest.skip(reason)
    return found


def run_xmllint(xmllint: str, schema: Path, document: Path) -> subprocess.CompletedProcess[str]:
    """Run ``xmllint --noout --schema SCHEMA DOCUMENT`` without network access."""
    return subprocess.run(
        [xmllint, "--noout", "--nonet", "--schema", str(schema), str(document)],
        capture_output=True, text=True, timeout=60, check=False,
    )
